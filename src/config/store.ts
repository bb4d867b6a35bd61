/**
 * The `store` setting: `WXAGENT_STORE`, else config.json's `store`, else SQLite in the home. Read
 * without the schema (for the commands that must start fast). The PostgreSQL store exists
 * (src/store/postgres.ts) and the read-only views read it (`status`, `accounts`, `contacts`), but
 * the gateway and the other commands still run on the synchronous SQLite store; until they are
 * converted, a PostgreSQL setting is refused there with what to do, rather than silently ignored
 * (a node would then work alone on a local file).
 */
import { redactStoreUrl } from "../store/url.js";
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

/** Commands that read a PostgreSQL store already (cli/home.ts `withReadStore`); the rest refuse it. */
export const POSTGRES_READY_COMMANDS =
  "`wxagent status`, `wxagent accounts` (the list) and `wxagent contacts`";

/**
 * For commands that need the SQLite store (all but the read-only views `POSTGRES_READY_COMMANDS`
 * names): a PostgreSQL setting is refused.
 */
export function requireSqliteStore(configPath: string, env: NodeJS.ProcessEnv = process.env): void {
  const s = storeSetting(configPath, env);
  if (s.kind === "sqlite") return;
  throw new ConfigError(
    `${s.from} names a PostgreSQL server (${redactStoreUrl(s.url)}), but this command runs on SQLite only in this version of wxagent: the gateway and the other commands do not use the PostgreSQL store yet. On PostgreSQL, ${POSTGRES_READY_COMMANDS} work (read only), and \`wxagent doctor\` checks the server. For the rest, remove it (or set "store": "sqlite") to use $WXAGENT_HOME/wxagent.db`,
  );
}
