/**
 * The store layer's one error class. Every error carries a stable `code` (grep-able, safe to
 * switch on), an `isRetryable` flag derived from that code, and a message that names the fix.
 * Messages never contain a token: callers pass ids and paths, never credentials.
 */
import { WxError } from "../shared/wx-error.js";

export type StoreErrorCode =
  /** Another live process polls this account (one poller per bot token). */
  | "ACCOUNT_LOCKED"
  /** The database is locked by another connection beyond busy_timeout (PostgreSQL: a deadlock or serialization failure). */
  | "DB_BUSY"
  /** The PostgreSQL server cannot be reached, or dropped the connection. */
  | "DB_UNAVAILABLE"
  /** A reply bubble was recorded twice with the same client_id. */
  | "DUPLICATE_CLIENT_ID"
  /** An id named in an update does not exist. */
  | "NOT_FOUND"
  /** The database is newer than this build (its schema version above the known migrations). */
  | "SCHEMA_TOO_NEW"
  /** `$WXAGENT_HOME` is not a directory, or cannot be created or written. */
  | "HOME_UNUSABLE"
  /** The database or its directory could not be opened or created. */
  | "DB_OPEN_FAILED"
  /** A group of writes (group commit) was lost: SQLite rolled it back (disk full, I/O error). */
  | "COMMIT_LOST"
  /** A fenced write found its account's lease held by another node or a newer epoch (postgres-leases.ts). */
  | "LEASE_LOST"
  /**
   * The database refused a value the write carried (PostgreSQL: a data exception such as an
   * integer out of range, or an index entry over its size limit). Retrying the same write fails
   * the same way.
   */
  | "VALUE_REFUSED";

const RETRYABLE: ReadonlySet<StoreErrorCode> = new Set<StoreErrorCode>([
  "DB_BUSY",
  "DB_UNAVAILABLE",
  "ACCOUNT_LOCKED",
]);

export class StoreError extends WxError<StoreErrorCode> {
  override readonly name = "StoreError";
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { cause: options?.cause, isRetryable: RETRYABLE.has(code) });
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

/** The SQLite result code of a better-sqlite3 error, if any (e.g. `SQLITE_CONSTRAINT_UNIQUE`). */
export function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Error && "code" in err && typeof err.code === "string") return err.code;
  return undefined;
}

/** Translate the SQLite errors callers can act on; anything else is rethrown as is. */
export function translateSqliteError(err: unknown, context: string): unknown {
  const code = sqliteCode(err);
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return new StoreError(
      "DB_BUSY",
      `${context}: the database is busy (another process holds a write lock for over 5 s); retry, or stop the other wxagent process`,
      { cause: err },
    );
  }
  return err;
}
