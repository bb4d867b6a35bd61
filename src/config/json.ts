/** `config.json` as JSON, without the schema (read.ts and load.ts both start here). */
import { existsSync, readFileSync } from "node:fs";
import { ConfigError } from "./errors.js";

/** The file's JSON, or undefined when there is no file. */
export function readConfigJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON (${(err as Error).message}); fix or remove it`);
  }
}
