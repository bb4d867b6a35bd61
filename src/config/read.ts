/** Reading `config.json` without the schema, for the commands that must start fast. */
import { GATEWAY_DEFAULTS } from "./defaults.js";
import { readConfigJson } from "./json.js";
import type { GatewaySettings } from "./schema.js";

/**
 * The `gateway` settings. When the file does not set `gateway`, these are the defaults and the
 * schema is never loaded; when it does, the whole file goes through `loadConfig`, so a bad value
 * is named exactly as `wxagent start` names it. Other sections are not checked when the file
 * leaves `gateway` alone: `wxagent doctor` checks the whole file.
 */
export async function readGatewaySettings(path: string): Promise<GatewaySettings> {
  const raw = readConfigJson(path);
  const object = typeof raw === "object" && raw !== null && !Array.isArray(raw);
  if (raw === undefined || (object && !("gateway" in raw))) return { ...GATEWAY_DEFAULTS };
  const { loadConfig } = await import("./load.js");
  return loadConfig(path).gateway;
}
