/**
 * The store as a network database needs it: every method returns a Promise. `AsyncStore` is
 * derived from `Store` (one source of truth for the methods and their arguments); the PostgreSQL
 * store implements it natively, and `asyncStore` wraps the SQLite one so the contract suite runs
 * against both. The gateway still uses the synchronous `Store` directly (SQLite keeps its speed);
 * the wrapper is for the contract suite and for callers converted to async.
 */
import type Database from "better-sqlite3";
import { StoreError } from "./errors.js";
import type { Store } from "./types.js";

/** Every method of `T` returning a Promise of what it returned. */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K];
};

type Tables = Omit<Store, "transaction" | "durable" | "close">;

export type AsyncStore = { [K in keyof Tables]: Async<Tables[K]> } & {
  /**
   * Run `fn` in one transaction, on the store it is given (`tx`): calls on `tx` are inside the
   * transaction, calls on the outer store are not (and may wait for its row locks). Commits when
   * `fn` resolves, rolls back when it rejects. Nested calls (on `tx`) are savepoints.
   */
  transaction<T>(fn: (tx: AsyncStore) => Promise<T>): Promise<T>;
  durable(): Promise<void>;
  close(): Promise<void>;
};

/** The connection behind each SQLite `Store`, registered by `openStore` for `asyncStore`. */
const connections = new WeakMap<Store, Database.Database>();

export function registerSqliteConnection(store: Store, db: Database.Database): void {
  connections.set(store, db);
}

function wrapTable<T extends object>(table: T): Async<T> {
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(table)) {
    out[key] =
      typeof value === "function"
        ? (...args: unknown[]) => {
            try {
              return Promise.resolve(value(...args));
            } catch (err) {
              return Promise.reject(err);
            }
          }
        : value;
  }
  return out as Async<T>;
}

let savepoints = 0;

/**
 * The SQLite store behind the async interface. An async transaction is a savepoint held open
 * while `fn` runs: other calls made on this connection meanwhile join it, which is harmless for
 * the single-threaded callers it serves (tests, CLI commands) and why the gateway uses the wrapper
 * only to read (its status, through the same health facts as `wxagent status`), never for a
 * transaction.
 */
export function asyncStore(store: Store): AsyncStore {
  let wrapped = wrappers.get(store);
  if (!wrapped) {
    wrapped = wrap(store);
    wrappers.set(store, wrapped);
  }
  return wrapped;
}

/** One wrapper per store: views that wrap the store on every call (status, admin cards) share it. */
const wrappers = new WeakMap<Store, AsyncStore>();

function wrap(store: Store): AsyncStore {
  const db = connections.get(store);
  if (!db) {
    throw new StoreError("DB_OPEN_FAILED", "asyncStore wraps a store opened by openStore (SQLite) only");
  }
  const self: AsyncStore = {
    accounts: wrapTable(store.accounts),
    contacts: wrapTable(store.contacts),
    inbound: wrapTable(store.inbound),
    cursors: wrapTable(store.cursors),
    outbound: wrapTable(store.outbound),
    contextTokens: wrapTable(store.contextTokens),
    sessions: wrapTable(store.sessions),
    history: wrapTable(store.history),
    schedules: wrapTable(store.schedules),
    async transaction<T>(fn: (tx: AsyncStore) => Promise<T>): Promise<T> {
      // Outside a transaction the outermost savepoint is a BEGIN, and its RELEASE the COMMIT.
      const name = `wx_async_${++savepoints}`;
      db.exec(`SAVEPOINT ${name}`);
      try {
        const result = await fn(self);
        db.exec(`RELEASE ${name}`);
        return result;
      } catch (err) {
        if (db.open && db.inTransaction) db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
        throw err;
      }
    },
    durable: () => store.durable(),
    close: () => store.close(),
  };
  return self;
}
