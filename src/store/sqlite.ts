/**
 * `openStore`: the SQLite implementation of `Store` on better-sqlite3 (synchronous, which suits
 * one daemon process). WAL lets the admin UI read while the poller writes; synchronous=NORMAL in
 * WAL mode is durable against process crashes (a power loss may drop the last commits, never
 * corrupt the file). The database holds bot tokens, so the file and its -wal/-shm companions are
 * mode 0600 inside a 0700 directory, whatever the umask.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { messageOf } from "../shared/wx-error.js";
import { lazyLogger } from "../util/logger.js";
import { registerSqliteConnection } from "./async.js";
import { type OnDemandCheckpointer, startOnDemand } from "./checkpointer.js";
import { StoreError, translateSqliteError } from "./errors.js";
import { MIGRATIONS, migrate } from "./migrations.js";
import { createAccountStore, createContactStore } from "./sqlite-accounts.js";
import { createDb } from "./sqlite-db.js";
import { createHistoryStore } from "./sqlite-history.js";
import { createCursorStore, createInboundStore } from "./sqlite-inbound.js";
import { createOutboundStore } from "./sqlite-outbound.js";
import { createScheduleStore } from "./sqlite-schedules.js";
import { createContextTokenStore, createSessionStore } from "./sqlite-state.js";
import type { Store } from "./types.js";

const log = lazyLogger("store:sqlite");

export interface OpenStoreOptions {
  /** Clock for fields the interface does not timestamp explicitly (default `Date.now`). */
  now?: () => number;
  /** How long a write waits for another connection's lock before DB_BUSY (default 5000). */
  busyTimeoutMs?: number;
  /** Migrations to apply (tests use a prefix to build an old database). */
  migrations?: readonly string[];
  /**
   * Commit the writes of one event-loop turn together (default false). An autocommitted write
   * costs ~20 µs here (its own WAL append and lock dance), a write inside a transaction ~2 µs, and
   * a gateway turn makes about ten; so a busy gateway batches them. The price: a crash loses the
   * writes of the current turn, so callers wait for `durable()` before acting outside the process
   * on them. Only long-running processes that follow that rule (the gateway) turn it on.
   */
  groupCommit?: boolean;
  /**
   * With group commit: how long a group of writes nobody waits for (`durable()`) may stay open
   * before it commits by itself (default 20; 0 commits every group at the end of its turn). A crash
   * loses at most these milliseconds of such writes: a bubble marked sent is then sent again with
   * the same client_id, which the server recognises.
   */
  lazyCommitMs?: number;
  /**
   * With group commit on a file: checkpoint on a background thread (default true). False turns
   * checkpoints off altogether, so the WAL only grows: the WAL benchmark (bench/wal.ts) reads the
   * bytes written from its size. Nothing else should turn it off.
   */
  backgroundCheckpoints?: boolean;
}

/**
 * The addon's path as better-sqlite3 builds it, given to the driver so it skips the `bindings`
 * package's search of a dozen places (about 8 ms of every CLI command that opens the store).
 * Undefined when it is elsewhere (another build layout): the driver then searches as usual.
 */
let addonPath: string | null | undefined = null;
function sqliteAddon(): string | undefined {
  if (addonPath === null) {
    const candidate = join(
      dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json")),
      "build",
      "Release",
      "better_sqlite3.node",
    );
    addonPath = existsSync(candidate) ? candidate : undefined;
  }
  return addonPath;
}

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Open (creating and migrating as needed) the database at `path`, or an in-memory one. */
export function openStore(path: string | ":memory:", options: OpenStoreOptions = {}): Store {
  const inMemory = path === ":memory:";
  const file = inMemory ? path : resolve(path);
  if (!inMemory) prepareFile(file);

  let db: Database.Database;
  try {
    const nativeBinding = sqliteAddon();
    db = new Database(file, nativeBinding ? { nativeBinding } : {});
  } catch (err) {
    throw new StoreError(
      "DB_OPEN_FAILED",
      `cannot open the database at ${file}: ${messageOf(err)}; check the path and its permissions`,
      { cause: err },
    );
  }
  try {
    applyPragmas(db, options.busyTimeoutMs);
    const applied = migrate(db, options.migrations ?? MIGRATIONS);
    // A new in-memory database is always "migrated": not news.
    if (applied.length && !inMemory) log().info({ path: file, applied }, "database migrated");
  } catch (err) {
    db.close();
    throw translateSqliteError(err, `opening ${file}`);
  }
  // The -wal and -shm files exist now (WAL mode plus the migration's read); SQLite gives them the
  // main file's mode, but tighten them explicitly rather than rely on that.
  if (!inMemory) tightenModes(file);

  const d = createDb(db, options.now ?? Date.now);
  const checkpointer =
    options.groupCommit && !inMemory && options.backgroundCheckpoints !== false
      ? checkpointOffThread(db, file)
      : undefined;
  const group = options.groupCommit
    ? createGroupCommit(db, options.lazyCommitMs ?? LAZY_COMMIT_MS, () => checkpointer?.committed())
    : undefined;
  if (group && options.backgroundCheckpoints === false) db.pragma("wal_autocheckpoint = 0");
  const enter = group ? () => group.begin() : () => {};
  let closing: Promise<void> | undefined;
  const store: Store = {
    accounts: guard("accounts", createAccountStore(d), enter),
    contacts: guard("contacts", createContactStore(d), enter),
    inbound: guard("inbound", createInboundStore(d), enter),
    cursors: guard("cursors", createCursorStore(d), enter),
    outbound: guard("outbound", createOutboundStore(d), enter),
    contextTokens: guard("contextTokens", createContextTokenStore(d), enter),
    sessions: guard("sessions", createSessionStore(d), enter),
    history: guard("history", createHistoryStore(d), enter),
    schedules: guard("schedules", createScheduleStore(d), enter),
    transaction<T>(fn: () => T): T {
      try {
        enter();
        // Inside an open group this is a savepoint: all of fn, or none of it, joins the group.
        return db.transaction(fn)();
      } catch (err) {
        throw translateSqliteError(err, "store transaction");
      }
    },
    durable() {
      return group ? group.committed() : Promise.resolve();
    },
    close() {
      if (closing) return closing;
      let failure: unknown;
      try {
        group?.commit();
      } catch (err) {
        failure = err;
      }
      // Our connection closes first, so the thread's last checkpoint is the one that folds the WAL
      // back and removes it.
      db.close();
      const released = checkpointer ? checkpointer.close() : Promise.resolve();
      closing = failure === undefined ? released : released.then(() => Promise.reject(failure));
      return closing;
    },
  };
  registerSqliteConnection(store, { db, enter, hold: group ? () => group.hold() : () => () => {} });
  return store;
}

/**
 * Writes committed together: a group is opened by the first store call and committed by a
 * `setImmediate` (after the turn's I/O callbacks) once somebody waits for it (`committed()`), or
 * by an explicit `commit()`. A group nobody waits for (a bubble marked sent, a poll's bookkeeping)
 * stays open for up to `lazyMs`, so it usually rides along with the next group that somebody does
 * wait for instead of costing a commit (and a WAL append of every page it touched) of its own.
 * `BEGIN IMMEDIATE` takes the write lock at once, so another process's write between our read and
 * our write cannot fail the upgrade; that process waits at most `lazyMs` (busy_timeout covers it).
 */
interface GroupCommit {
  begin(): void;
  commit(): void;
  /** Resolves once the open group (if any) is committed; rejects if that commit failed. */
  committed(): Promise<void>;
  /** Hold commits off (an async transaction's savepoint is open) until the returned function runs. */
  hold(): () => void;
}

function createGroupCommit(db: Database.Database, lazyMs: number, onCommitted: () => void): GroupCommit {
  let open = false;
  let soon = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let holds = 0;
  /** A commit came due while held: it runs when the last hold ends. */
  let dueWhileHeld = false;
  let waiting: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | undefined;
  const settle = (err?: unknown): void => {
    const w = waiting;
    waiting = undefined;
    if (!w) return;
    if (err === undefined) w.resolve();
    else w.reject(err);
  };
  const commit = (force = false): void => {
    if (!open) return;
    if (holds > 0 && !force) {
      dueWhileHeld = true;
      return;
    }
    open = false;
    soon = false;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!db.open || !db.inTransaction) {
      // SQLite rolls a transaction back by itself on some errors (disk full, I/O): say so.
      const err = new StoreError(
        "COMMIT_LOST",
        "a group of writes was rolled back by SQLite before it could commit (disk full or an I/O error, logged before); check the disk under $WXAGENT_HOME",
      );
      log().error(err.message);
      settle(err);
      return;
    }
    try {
      db.exec("COMMIT");
    } catch (err) {
      if (db.inTransaction) db.exec("ROLLBACK");
      const e = translateSqliteError(err, "group commit");
      settle(e);
      throw e;
    }
    settle();
    onCommitted();
  };
  const commitLater = (): void => {
    try {
      commit();
    } catch (err) {
      log().error({ err: messageOf(err) }, "group commit failed; the writes of one group were lost");
    }
  };
  const commitSoon = (): void => {
    if (soon) return;
    soon = true;
    setImmediate(commitLater);
  };
  return {
    begin() {
      if (open || db.inTransaction || !db.open) return;
      db.exec("BEGIN IMMEDIATE");
      open = true;
      if (lazyMs > 0) timer = setTimeout(commitLater, lazyMs);
      else commitSoon();
    },
    commit: () => commit(true),
    hold() {
      holds++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
        if (holds === 0 && dueWhileHeld) {
          dueWhileHeld = false;
          soon = false;
          commitSoon();
        }
      };
    },
    committed() {
      if (!open) return Promise.resolve();
      commitSoon();
      if (!waiting) {
        let resolve!: () => void;
        let reject!: (err: unknown) => void;
        const promise = new Promise<void>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        waiting = { promise, resolve, reject };
      }
      return waiting.promise;
    },
  };
}

/** With group commit: checkpoints move to a worker thread, run while there is work (see checkpointer.ts). */
function checkpointOffThread(db: Database.Database, file: string): OnDemandCheckpointer | undefined {
  try {
    const checkpointer = startOnDemand(file, {
      startAfterFrames: CHECKPOINT_START_FRAMES,
      idleStopMs: CHECKPOINT_IDLE_STOP_MS,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      restartAfterFrames: WAL_RESTART_AFTER_FRAMES,
      onRestart: (info) => log().debug(info, "WAL restarted after a long PASSIVE pass"),
      onError: (message) => {
        // Never let the WAL grow unbounded: SQLite's own checkpoints take over again.
        log().warn({ err: message }, "background checkpoint failed; checkpointing in commits again");
        if (db.open) db.pragma("wal_autocheckpoint = 1000");
      },
    });
    db.pragma("wal_autocheckpoint = 0");
    // The connection that starts the log over truncates it: ours, on its first write after a RESTART.
    db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
    return checkpointer;
  } catch (err) {
    log().warn({ err: messageOf(err) }, "no background checkpoint thread; SQLite checkpoints in commits");
    return undefined;
  }
}

/** The page size of a new database (see applyPragmas). */
export const PAGE_SIZE = 1024;
/** See `OpenStoreOptions.lazyCommitMs`. */
const LAZY_COMMIT_MS = 20;
/** How often the checkpoint thread folds the WAL into the database file. */
const CHECKPOINT_INTERVAL_MS = 1000;
/** The thread starts once this many frames (1 MiB of 1 KiB pages) wait in the WAL: SQLite's own default. */
const CHECKPOINT_START_FRAMES = 1000;
/** It ends after a minute with nothing to checkpoint. */
const CHECKPOINT_IDLE_STOP_MS = 60_000;
/**
 * Past 16384 frames left in the WAL (16 MiB of 1 KiB pages; 64 MiB in a database made with 4 KiB
 * pages before PAGE_SIZE was lowered), the thread makes it start over (checkpointer.ts).
 */
const WAL_RESTART_AFTER_FRAMES = 16384;
/** The WAL file is cut back to this when it starts over (SQLite keeps the file's high-water mark otherwise). */
const WAL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Wrap every method of a table store so a lock timeout surfaces as a retryable `DB_BUSY`
 * StoreError instead of a raw SqliteError (every other error passes through unchanged), and so
 * that with group commit each call joins the turn's transaction.
 */
function guard<T extends object>(area: string, store: T, enter: () => void): T {
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(store)) {
    out[key] =
      typeof value === "function"
        ? (...args: unknown[]) => {
            try {
              enter();
              return value(...args);
            } catch (err) {
              throw translateSqliteError(err, `${area}.${key}`);
            }
          }
        : value;
  }
  return out as T;
}

/** The connection settings every store connection uses (exported for the test that checks them). */
export function applyPragmas(db: Database.Database, busyTimeoutMs = 5000): void {
  // 1 KiB pages for a new database (an existing one keeps its own): a commit appends every page it
  // touched to the WAL, and a message touches about twenty (a leaf of each table and index), so
  // the page size is most of what a message writes; measured with bench/wal.ts, 4 KiB pages wrote
  // 2.4 times the bytes. Rows of a text message fit a 1 KiB page.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma("foreign_keys = ON");
}

/** Create the directory (0700) and an empty database file (0600) before SQLite touches them. */
function prepareFile(file: string): void {
  const dir = dirname(file);
  try {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: DIR_MODE });
      chmodSync(dir, DIR_MODE); // mkdir's mode is filtered by the umask
    }
    // An empty file is a valid empty database; creating it ourselves fixes its mode from birth.
    closeSync(openSync(file, "a", FILE_MODE));
    chmodSync(file, FILE_MODE);
  } catch (err) {
    throw new StoreError(
      "DB_OPEN_FAILED",
      `cannot create the database at ${file}: ${messageOf(err)}; check that ${dir} is writable`,
      { cause: err },
    );
  }
}

function tightenModes(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(f)) chmodSync(f, FILE_MODE);
  }
}
