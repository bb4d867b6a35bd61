/** Reading `config.json` without the schema, for the commands that must start fast. */
import { existsSync, readFileSync } from "node:fs";
import { messageOf } from "../ilink/wx-error.js";
import { GATEWAY_DEFAULTS } from "./defaults.js";
import { ConfigError } from "./errors.js";
import type { GatewaySettings } from "./schema.js";

/** The file's JSON, or undefined when there is no file. */
export function readConfigJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON (${messageOf(err)}); fix or remove it`);
  }
}

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
