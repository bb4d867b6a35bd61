/**
 * The store as a network database needs it: every method returns a Promise. `AsyncStore` is
 * derived from `Store` (one source of truth for the methods and their arguments); the PostgreSQL
 * store implements it natively, and `asyncStore` wraps the SQLite one so the contract suite runs
 * against both, and the gateway, the operations and the views run on it over either store.
 */
import type Database from "better-sqlite3";
import { StoreError } from "./errors.js";
import type { Store } from "./types.js";

/** Every method of `T` returning a Promise of what it returned. */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K];
};

type TableStores = Omit<Store, "transaction" | "durable" | "close">;

export type AsyncStore = { [K in keyof TableStores]: Async<TableStores[K]> } & {
  /**
   * Run `fn` in one transaction, on the store it is given (`tx`): calls on `tx` are inside the
   * transaction, calls on the outer store are not (and may wait for its row locks). Commits when
   * `fn` resolves, rolls back when it rejects. Nested calls (on `tx`) are savepoints.
   */
  transaction<T>(fn: (tx: AsyncStore) => Promise<T>): Promise<T>;
  durable(): Promise<void>;
  close(): Promise<void>;
};

/** What `asyncStore` needs of a SQLite store beside its tables: registered by `openStore`. */
export interface SqliteConnection {
  db: Database.Database;
  /** Join the turn's group commit (so a transaction is a savepoint inside it), as every call does. */
  enter(): void;
  /** Keep the group from committing until the returned function is called (an async transaction is open). */
  hold(): () => void;
}

/** The connection behind each SQLite `Store`, registered by `openStore` for `asyncStore`. */
const connections = new WeakMap<Store, SqliteConnection>();

export function registerSqliteConnection(store: Store, connection: SqliteConnection): void {
  connections.set(store, connection);
}

/** Every method of `table` as a Promise; `gate` (when given) runs first and may delay the call. */
function wrapTable<T extends object>(table: T, gate?: () => Promise<void> | undefined): Async<T> {
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(table)) {
    if (typeof value !== "function") {
      out[key] = value;
      continue;
    }
    const call = (args: unknown[]): Promise<unknown> => {
      try {
        return Promise.resolve(value(...args));
      } catch (err) {
        return Promise.reject(err);
      }
    };
    out[key] = (...args: unknown[]) => {
      const wait = gate?.();
      return wait ? wait.then(() => call(args)) : call(args);
    };
  }
  return out as Async<T>;
}

let savepoints = 0;

/**
 * The SQLite store behind the async interface, for the gateway and every other caller. SQLite has
 * one connection per process, so an async transaction is a savepoint on it: while one is open,
 * calls on the outer store wait until it ends (they would join it otherwise, and a rollback would
 * take their writes along), calls on the `tx` it was given run inside it, and the group commit
 * holds off. A transaction should await nothing but its own store calls, so it ends in the turn it
 * began and the outer calls wait only microtasks.
 */
export function asyncStore(store: Store): AsyncStore {
  let wrapped = wrappers.get(store);
  if (!wrapped) {
    wrapped = wrap(store);
    wrappers.set(store, wrapped);
  }
  return wrapped;
}

/** A synchronous SQLite store wrapped (`asyncStore`); an async one (PostgreSQL's, a wrapper) as it is. */
export function toAsyncStore(store: Store | AsyncStore): AsyncStore {
  return connections.has(store as Store) ? asyncStore(store as Store) : (store as AsyncStore);
}

/** One wrapper per store: views that wrap the store on every call (status, admin cards) share it. */
const wrappers = new WeakMap<Store, AsyncStore>();

const TABLES = [
  "accounts",
  "contacts",
  "inbound",
  "cursors",
  "outbound",
  "contextTokens",
  "sessions",
  "history",
  "schedules",
] as const satisfies readonly (keyof TableStores)[];

function wrap(store: Store): AsyncStore {
  const connection = connections.get(store);
  if (!connection) {
    throw new StoreError("DB_OPEN_FAILED", "asyncStore wraps a store opened by openStore (SQLite) only");
  }
  const { db } = connection;
  /** Settles when the open async transaction ends (undefined: none open). */
  let open: Promise<void> | undefined;
  const gate = (): Promise<void> | undefined => (open ? waitForClose() : undefined);
  const waitForClose = async (): Promise<void> => {
    // Another transaction may begin between one's end and this call resuming: wait that out too.
    while (open) await open;
  };
  const tables = (g?: () => Promise<void> | undefined) =>
    Object.fromEntries(TABLES.map((name) => [name, wrapTable(store[name], g)])) as {
      [K in keyof TableStores]: Async<TableStores[K]>;
    };

  /** `fn` inside a savepoint on the connection (the caller has made sure nothing else runs in it). */
  const inSavepoint = async <T>(fn: (tx: AsyncStore) => Promise<T>): Promise<T> => {
    const name = `wx_async_${++savepoints}`;
    db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(inner);
      db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      if (db.open && db.inTransaction) db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw err;
    }
  };

  const inner: AsyncStore = {
    ...tables(),
    transaction: inSavepoint,
    durable: () => store.durable(),
    close: () => store.close(),
  };

  const self: AsyncStore = {
    ...tables(gate),
    async transaction<T>(fn: (tx: AsyncStore) => Promise<T>): Promise<T> {
      // No await between the last look and taking the connection: two transactions never share it.
      while (open) await open;
      let end!: () => void;
      open = new Promise<void>((resolve) => {
        end = resolve;
      });
      const release = connection.hold();
      try {
        // Inside the turn's group the savepoint is nested in it; without one it is a BEGIN … COMMIT.
        connection.enter();
        return await inSavepoint(fn);
      } finally {
        open = undefined;
        release();
        end();
      }
    },
    durable: () => store.durable(),
    close: () => store.close(),
  };
  return self;
}
