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
import { createPgLeaseTable, type Lease, type LeaseTable, leaseLost, withLease } from "./postgres-leases.js";
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

/** The PostgreSQL store, with what only a store shared by several nodes has. */
export type PgStore = AsyncStore & {
  /** Account leases and node heartbeats (postgres-leases.ts). */
  leases: LeaseTable;
  /**
   * The store as `lease`'s holder writes it: the writes that move the cursor (`inbound.recordPoll`,
   * `cursors.set`), record a reply (`outbound.enqueue`) or send (`contextTokens.reserveSend`,
   * `outbound.markSent`) commit only while the lease holds, else reject with LEASE_LOST having
   * written nothing; the rest as the plain store.
   */
  fenced(lease: Lease): AsyncStore;
};

/** See the pool's options in openPostgresStore: below the default lease TTL (6 s). */
const IDLE_IN_TRANSACTION_MS = 4_000;
const LOCK_TIMEOUT_MS = 2_000;

export async function openPostgresStore(url: string, options: OpenPostgresOptions = {}): Promise<PgStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    application_name: "wxagent",
    options: [
      // A node frozen inside a transaction (a paused VM, SIGSTOP) must not hold its row locks,
      // the lease rows above all, while the other nodes wait to take its accounts over: the
      // server ends such a transaction, and a lock awaited longer than this fails (DB_BUSY,
      // retried) instead of stalling a node's lease round behind it.
      `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_MS}`,
      `-c lock_timeout=${LOCK_TIMEOUT_MS}`,
      ...(options.readOnly ? ["-c default_transaction_read_only=on"] : []),
    ].join(" "),
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
  const q = poolPq(pool, options.now ?? Date.now);
  const root: PgStore = {
    ...storeOn(q),
    leases: guard("leases", createPgLeaseTable(q)),
    fenced: (lease) => fencedOn(q, lease),
    close: () => {
      closing ??= pool.end();
      return closing;
    },
  };
  return root;
}

/** `storeOn(q)` with its cursor moves and sends fenced by `lease` (see PgStore.fenced). */
function fencedOn(q: Pq, lease: Lease): AsyncStore {
  const base = storeOn(q);
  const under = <T>(what: string, accountId: string, fn: (s: AsyncStore) => Promise<T>): Promise<T> => {
    if (accountId !== lease.accountId) return Promise.reject(leaseLost(lease, accountId));
    return withLease(q, lease, (t) => fn(storeOn(t))).catch((err: unknown) => {
      throw translatePgError(err, what);
    });
  };
  return {
    ...base,
    inbound: {
      ...base.inbound,
      recordPoll: (a, cursor, messages, atMs) =>
        under("inbound.recordPoll", a, (s) => s.inbound.recordPoll(a, cursor, messages, atMs)),
    },
    cursors: {
      ...base.cursors,
      set: (a, cursor) => under("cursors.set", a, (s) => s.cursors.set(a, cursor)),
    },
    contextTokens: {
      ...base.contextTokens,
      reserveSend: (a, userId, quota) =>
        under("contextTokens.reserveSend", a, (s) => s.contextTokens.reserveSend(a, userId, quota)),
    },
    outbound: {
      ...base.outbound,
      // A reply recorded by a node that lost the account (a turn that outlived its lease) would
      // be sent by the next holder beside the reply that node gave: recording is fenced too.
      enqueue: (messages, atMs) => {
        const other = messages.find((m) => m.accountId !== lease.accountId);
        if (other) return Promise.reject(leaseLost(lease, other.accountId));
        return under("outbound.enqueue", lease.accountId, (s) => s.outbound.enqueue(messages, atMs));
      },
      // A bubble of another account would be fenced by this lease: callers pass their own bubbles.
      markSent: (id, atMs, serverMessageId) =>
        under("outbound.markSent", lease.accountId, (s) => s.outbound.markSent(id, atMs, serverMessageId)),
    },
    transaction: (fn) =>
      q
        .tx((t) => fn(fencedOn(t, lease)))
        .catch((err: unknown) => {
          throw translatePgError(err, "store transaction");
        }),
  };
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
