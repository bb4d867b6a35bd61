/**
 * `openStore`: the SQLite implementation of `Store` on better-sqlite3 (synchronous, which suits
 * one daemon process). WAL lets the admin UI read while the poller writes; synchronous=NORMAL in
 * WAL mode is durable against process crashes (a power loss may drop the last commits, never
 * corrupt the file). The database holds bot tokens, so the file and its -wal/-shm companions are
 * mode 0600 inside a 0700 directory, whatever the umask.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { createLogger } from "../util/logger.js";
import { StoreError, translateSqliteError } from "./errors.js";
import { MIGRATIONS, migrate } from "./migrations.js";
import { createAccountStore, createContactStore } from "./sqlite-accounts.js";
import { createDb } from "./sqlite-db.js";
import { createCursorStore, createInboundStore } from "./sqlite-inbound.js";
import { createOutboundStore } from "./sqlite-outbound.js";
import { createContextTokenStore, createSessionStore } from "./sqlite-state.js";
import type { Store } from "./types.js";

const log = createLogger("store:sqlite");

export interface OpenStoreOptions {
  /** Clock for fields the interface does not timestamp explicitly (default `Date.now`). */
  now?: () => number;
  /** How long a write waits for another connection's lock before DB_BUSY (default 5000). */
  busyTimeoutMs?: number;
  /** Migrations to apply (tests use a prefix to build an old database). */
  migrations?: readonly string[];
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
    db = new Database(file);
  } catch (err) {
    throw new StoreError(
      "DB_OPEN_FAILED",
      `cannot open the database at ${file}: ${(err as Error).message}; check the path and its permissions`,
      { cause: err },
    );
  }
  try {
    applyPragmas(db, options.busyTimeoutMs);
    const applied = migrate(db, options.migrations ?? MIGRATIONS);
    if (applied.length) log.info({ path: file, applied }, "database migrated");
  } catch (err) {
    db.close();
    throw translateSqliteError(err, `opening ${file}`);
  }
  // The -wal and -shm files exist now (WAL mode plus the migration's read); SQLite gives them the
  // main file's mode, but tighten them explicitly rather than rely on that.
  if (!inMemory) tightenModes(file);

  const d = createDb(db, options.now ?? Date.now);
  return {
    accounts: guard("accounts", createAccountStore(d)),
    contacts: guard("contacts", createContactStore(d)),
    inbound: guard("inbound", createInboundStore(d)),
    cursors: guard("cursors", createCursorStore(d)),
    outbound: guard("outbound", createOutboundStore(d)),
    contextTokens: guard("contextTokens", createContextTokenStore(d)),
    sessions: guard("sessions", createSessionStore(d)),
    transaction<T>(fn: () => T): T {
      try {
        return db.transaction(fn)();
      } catch (err) {
        throw translateSqliteError(err, "store transaction");
      }
    },
    close() {
      if (db.open) db.close();
    },
  };
}

/**
 * Wrap every method of a table store so a lock timeout surfaces as a retryable `DB_BUSY`
 * StoreError instead of a raw SqliteError; every other error passes through unchanged.
 */
function guard<T extends object>(area: string, store: T): T {
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(store)) {
    out[key] =
      typeof value === "function"
        ? (...args: unknown[]) => {
            try {
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
      `cannot create the database at ${file}: ${(err as Error).message}; check that ${dir} is writable`,
      { cause: err },
    );
  }
}

function tightenModes(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(f)) chmodSync(f, FILE_MODE);
  }
}
