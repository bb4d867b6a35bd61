/** Reading `config.json` without the schema, for the commands that must start fast. */
import { GATEWAY_DEFAULTS } from "./defaults.js";
import { readConfigJson } from "./json.js";
import type { Config, GatewaySettings } from "./schema.js";

/**
 * One section of the file. When the file does not set it, `fallback` and the schema is never
 * loaded; when it does, the whole file goes through `loadConfig`, so a bad value is named exactly
 * as `wxagent start` names it. Other sections are not checked when the file leaves this one
 * alone: `wxagent doctor` checks the whole file.
 */
async function readSection<T>(
  path: string,
  key: keyof Config,
  fallback: T,
  pick: (c: Config) => T,
): Promise<T> {
  const raw = readConfigJson(path);
  const object = typeof raw === "object" && raw !== null && !Array.isArray(raw);
  if (raw === undefined || (object && !(key in raw))) return fallback;
  const { loadConfig } = await import("./load.js");
  return pick(loadConfig(path));
}

/** The `gateway` settings (see `readSection`). */
export function readGatewaySettings(path: string): Promise<GatewaySettings> {
  return readSection(path, "gateway", { ...GATEWAY_DEFAULTS }, (c) => c.gateway);
}

/**
 * `cluster.leaseTtlMs`, for counting live nodes the way the nodes do (every node should have the
 * same); `fallbackMs` when the file does not set it.
 */
export function readLeaseTtlMs(path: string, fallbackMs: number): Promise<number> {
  return readSection(path, "cluster", fallbackMs, (c) => c.cluster.leaseTtlMs);
}
