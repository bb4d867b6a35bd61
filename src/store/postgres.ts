/**
 * `openPostgresStore`: the store on a PostgreSQL server, for several processes (and machines)
 * sharing one database. Same tables and rules as the SQLite store, behind the async interface
 * (`AsyncStore`); the contract suite (store.contract.ts) runs against both. A pool of
 * connections serves the single statements; `transaction` and the multi-statement methods check
 * one connection out for BEGIN … COMMIT.
 */
import pg from "pg";
import { lazyLogger } from "../util/logger.js";
import type { AsyncStore } from "./async.js";
import { StoreError } from "./errors.js";
import { createPgAccountStore, createPgContactStore } from "./postgres-accounts.js";
import { type Pq, poolPq, translatePgError } from "./postgres-db.js";
import { createPgCursorStore, createPgInboundStore } from "./postgres-inbound.js";
import { checkPgSchema, migratePg, PG_MIGRATIONS } from "./postgres-migrations.js";
import { createPgOutboundStore } from "./postgres-outbound.js";
import { createPgScheduleStore } from "./postgres-schedules.js";
import { createPgContextTokenStore, createPgHistoryStore, createPgSessionStore } from "./postgres-state.js";
import { redactStoreUrl } from "./url.js";

const log = lazyLogger("store:postgres");

export interface OpenPostgresOptions {
  /** Clock for fields the interface does not timestamp explicitly (default `Date.now`). */
  now?: () => number;
  /** Migrations to apply (tests use a prefix to build an old database). */
  migrations?: readonly string[];
  /** Connections in the pool (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection (default 5000). */
  connectTimeoutMs?: number;
  /**
   * Open for reading only (status, doctor): nothing is created or migrated, every transaction is
   * read-only, and a database without the wxagent schema is refused.
   */
  readOnly?: boolean;
}

export async function openPostgresStore(url: string, options: OpenPostgresOptions = {}): Promise<AsyncStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    application_name: "wxagent",
    ...(options.readOnly ? { options: "-c default_transaction_read_only=on" } : {}),
  });
  // An idle connection the server drops must not crash the process; the next query reconnects.
  pool.on("error", (err) => log().warn({ err: err.message }, "PostgreSQL connection lost"));
  const where = redactStoreUrl(url);
  try {
    if (options.readOnly) {
      if ((await checkPgSchema(pool, (options.migrations ?? PG_MIGRATIONS).length)) === 0) {
        throw new StoreError(
          "DB_OPEN_FAILED",
          `${where} holds no wxagent database yet; start the gateway once on it (it creates the tables)`,
        );
      }
    } else {
      const applied = await migratePg(pool, options.migrations ?? PG_MIGRATIONS, options.now);
      if (applied.length) log().info({ url: where, applied }, "database migrated");
    }
  } catch (err) {
    await pool.end().catch(() => {});
    const e = translatePgError(err, `opening ${where}`);
    if (e instanceof StoreError) throw e;
    throw new StoreError("DB_OPEN_FAILED", `cannot open ${where}: ${(err as Error).message}`, { cause: err });
  }

  let closing: Promise<void> | undefined;
  const root = storeOn(poolPq(pool, options.now ?? Date.now));
  root.close = () => {
    closing ??= pool.end();
    return closing;
  };
  return root;
}

/** The tables on `q` (the pool, or one connection inside a transaction). */
function storeOn(q: Pq): AsyncStore {
  const store: AsyncStore = {
    accounts: guard("accounts", createPgAccountStore(q)),
    contacts: guard("contacts", createPgContactStore(q)),
    inbound: guard("inbound", createPgInboundStore(q)),
    cursors: guard("cursors", createPgCursorStore(q)),
    outbound: guard("outbound", createPgOutboundStore(q)),
    contextTokens: guard("contextTokens", createPgContextTokenStore(q)),
    sessions: guard("sessions", createPgSessionStore(q)),
    history: guard("history", createPgHistoryStore(q)),
    schedules: guard("schedules", createPgScheduleStore(q)),
    transaction: (fn) =>
      q
        .tx((t) => fn(storeOn(t)))
        .catch((err: unknown) => {
          throw translatePgError(err, "store transaction");
        }),
    // Every statement has committed when its promise resolves: nothing waits for a later commit.
    durable: () => Promise.resolve(),
    // A transaction's store closes nothing; the outer store closes the pool.
    close: () => Promise.resolve(),
  };
  return store;
}

/** Every method's PostgreSQL errors as StoreErrors where callers can act on them (see translatePgError). */
function guard<T extends object>(area: string, table: T): T {
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(table)) {
    out[key] =
      typeof value === "function"
        ? (...args: unknown[]) =>
            (value(...args) as Promise<unknown>).catch((err: unknown) => {
              throw translatePgError(err, `${area}.${key}`);
            })
        : value;
  }
  return out as T;
}
