/**
 * What the table modules share: the connection, a cache of prepared statements (each SQL text is
 * prepared once per connection), the clock, and small row-mapping helpers.
 */
import type Database from "better-sqlite3";

export interface Db {
  readonly db: Database.Database;
  /** The prepared statement for `sql`, prepared on first use and cached. */
  stmt(sql: string): Database.Statement;
  now(): number;
}

export function createDb(db: Database.Database, now: () => number): Db {
  const cache = new Map<string, Database.Statement>();
  return {
    db,
    now,
    stmt(sql) {
      let s = cache.get(sql);
      if (!s) {
        s = db.prepare(sql);
        cache.set(sql, s);
      }
      return s;
    },
  };
}

/** A row as better-sqlite3 returns it: column name → value. */
export type Row = Record<string, unknown>;

/** SQL NULL → undefined, so optional fields are absent rather than null. */
export function optStr(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

export function optNum(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== "string") return fallback;
  return JSON.parse(text) as T;
}

/**
 * `WHERE` clause and parameters from optional filters. Column names are fixed by the callers;
 * only values are bound.
 */
export function whereClause(conds: Array<[sql: string, value: unknown]>): { sql: string; params: unknown[] } {
  const used = conds.filter(([, v]) => v !== undefined);
  return {
    sql: used.length ? `WHERE ${used.map(([s]) => s).join(" AND ")}` : "",
    params: used.map(([, v]) => v),
  };
}

/** SQLite reads a negative LIMIT as "no limit". */
export function limitValue(limit: number | undefined): number {
  return limit === undefined || limit < 0 ? -1 : Math.floor(limit);
}
