/**
 * What the PostgreSQL table modules share: `Pq`, one way to run statements whether on the pool
 * (each statement autocommits on whichever connection is free) or on one connection inside a
 * transaction, where `tx` nests as a savepoint.
 *
 * Driver: `pg` (node-postgres 8) rather than `postgres` (porsager 3): it brings its own pool
 * (pg-pool) with per-client checkout, which is what explicit transactions need; it is the mature,
 * most used driver (pg-boss and most tools build on it); it is pure JavaScript (the optional
 * pg-native binding is not used), so nothing compiles at install; and it supports Node 20.
 */
import type pg from "pg";
import { StoreError } from "./errors.js";
import type { Row } from "./sqlite-db.js";

export interface Pq {
  rows(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  one(sql: string, params?: readonly unknown[]): Promise<Row | undefined>;
  /** Rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** `fn` in one transaction (BEGIN on a connection of its own) or, inside one, a savepoint. */
  tx<T>(fn: (q: Pq) => Promise<T>): Promise<T>;
  now(): number;
}

type Queryable = pg.Pool | pg.PoolClient;

/**
 * PostgreSQL refuses U+0000 in text ("invalid byte sequence"), where SQLite keeps it: every text
 * parameter loses its NULs here, the one boundary all PostgreSQL statements pass (JSON columns are
 * unaffected: JSON.stringify writes a NUL as the six characters `\u0000`).
 */
export function stripNul(value: unknown): unknown {
  if (typeof value === "string") return value.includes("\0") ? value.replaceAll("\0", "") : value;
  if (Array.isArray(value) && value.some((v) => typeof v === "string" && v.includes("\0"))) {
    return value.map(stripNul);
  }
  return value;
}

/** Each SQL text gets one statement name, so every connection parses it once and reuses the plan. */
const names = new Map<string, string>();
function named(sql: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  if (!params) return { text: sql };
  let name = names.get(sql);
  if (!name) {
    name = `wx${names.size + 1}`;
    names.set(sql, name);
  }
  return { name, text: sql, values: params.map(stripNul) };
}

function make(on: Queryable, now: () => number, tx: Pq["tx"]): Pq {
  const rows = async (sql: string, params?: readonly unknown[]): Promise<Row[]> =>
    (await on.query(named(sql, params))).rows as Row[];
  return {
    rows,
    one: async (sql, params) => (await rows(sql, params))[0],
    run: async (sql, params) => (await on.query(named(sql, params))).rowCount ?? 0,
    tx,
    now,
  };
}

/** Statements on the pool; `tx` checks out a connection for BEGIN … COMMIT. */
export function poolPq(pool: pg.Pool, now: () => number): Pq {
  return make(pool, now, async (fn) => {
    const client = await pool.connect();
    let broken = false;
    // The server may end the connection while it is checked out (idle_in_transaction_session_timeout
    // after this process was frozen, a restart): the query in flight fails, and the 'error' the
    // client emits then must not be unhandled (it would end the process).
    const dropped = (): void => {
      broken = true;
    };
    client.on("error", dropped);
    try {
      await client.query("BEGIN");
      try {
        const result = await fn(clientPq(client, now, 1));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw err;
      }
    } catch (err) {
      if (pgCode(err) === undefined) broken = true; // a dropped connection: never reuse it
      throw err;
    } finally {
      client.off("error", dropped);
      client.release(broken);
    }
  });
}

/** Statements on one connection already in a transaction; `tx` is a savepoint. */
export function clientPq(client: pg.PoolClient, now: () => number, depth: number): Pq {
  return make(client, now, async (fn) => {
    const sp = `wx_sp_${depth}`;
    await client.query(`SAVEPOINT ${sp}`);
    try {
      const result = await fn(clientPq(client, now, depth + 1));
      await client.query(`RELEASE SAVEPOINT ${sp}`);
      return result;
    } catch (err) {
      await client.query(`ROLLBACK TO SAVEPOINT ${sp}`);
      await client.query(`RELEASE SAVEPOINT ${sp}`);
      throw err;
    }
  });
}

/** The SQLSTATE of a server error (e.g. `23505`), undefined for anything else. */
export function pgCode(err: unknown): string | undefined {
  if (
    err instanceof Error &&
    "code" in err &&
    typeof err.code === "string" &&
    /^[0-9A-Z]{5}$/.test(err.code)
  ) {
    return err.code;
  }
  return undefined;
}

/** Translate the PostgreSQL errors callers can act on into StoreErrors; anything else as is. */
export function translatePgError(err: unknown, context: string): unknown {
  if (err instanceof StoreError) return err;
  const code = pgCode(err);
  if (code === "40001" || code === "40P01" || code === "55P03") {
    return new StoreError(
      "DB_BUSY",
      `${context}: PostgreSQL aborted the transaction (${code}: a deadlock or a lock conflict with another wxagent process); retry`,
      { cause: err },
    );
  }
  // Class 22 (data exception: out of range, bad syntax for the type) and 54000 (program limit:
  // an index entry too large) come from the values, not the moment: the same write fails again.
  if (code?.startsWith("22") || code === "54000") {
    return new StoreError(
      "VALUE_REFUSED",
      `${context}: PostgreSQL refused a value of this write (${code}: ${(err as Error).message}); it fails the same way if retried`,
      { cause: err },
    );
  }
  const sys = err instanceof Error && "code" in err ? String(err.code) : "";
  const lost =
    code?.startsWith("08") ||
    code === "57P01" ||
    code === "57P02" ||
    code === "57P03" ||
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"].includes(sys) ||
    (err instanceof Error && /Connection terminated|connection timeout/i.test(err.message));
  if (lost) {
    return new StoreError(
      "DB_UNAVAILABLE",
      `${context}: the PostgreSQL server cannot be reached (${(err as Error).message}); check that it runs and that "store" in config.json names it`,
      { cause: err },
    );
  }
  return err;
}

/** `WHERE` clause with `$n` placeholders from optional filters (column names fixed by callers). */
export function pgWhere(
  conds: Array<[sql: string, value: unknown]>,
  first = 1,
): { sql: string; params: unknown[]; next: number } {
  const used = conds.filter(([, v]) => v !== undefined);
  let n = first;
  const parts = used.map(([s]) => s.replace("?", () => `$${n++}`));
  return { sql: parts.length ? `WHERE ${parts.join(" AND ")}` : "", params: used.map(([, v]) => v), next: n };
}

/** LIMIT NULL is "no limit" in PostgreSQL. */
export function pgLimit(limit: number | undefined): number | null {
  return limit === undefined || limit < 0 ? null : Math.floor(limit);
}
