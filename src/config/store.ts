/**
 * The `store` setting: `WXAGENT_STORE`, else config.json's `store`, else SQLite in the home. Read
 * without the schema (for the commands that must start fast). Every command opens the store it
 * names (cli/home.ts): several `wxagent start` nodes share a PostgreSQL one.
 */
import { ConfigError } from "./errors.js";
import { readConfigJson } from "./json.js";

export type StoreSetting = { kind: "sqlite" } | { kind: "postgres"; url: string; from: string };

const POSTGRES = /^postgres(ql)?:\/\//i;

export function storeSetting(configPath: string, env: NodeJS.ProcessEnv = process.env): StoreSetting {
  const fromEnv = env.WXAGENT_STORE?.trim();
  const raw = fromEnv ? undefined : readConfigJson(configPath);
  const fromFile =
    typeof raw === "object" && raw !== null && "store" in raw ? (raw as { store: unknown }).store : undefined;
  const value = fromEnv || fromFile;
  const from = fromEnv ? "WXAGENT_STORE" : `"store" in ${configPath}`;
  if (value === undefined || value === "sqlite") return { kind: "sqlite" };
  if (typeof value === "string" && POSTGRES.test(value)) return { kind: "postgres", url: value, from };
  throw new ConfigError(`${from} is ${JSON.stringify(value)}: expected "sqlite" or a postgres:// URL`);
}
