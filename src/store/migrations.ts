/**
 * Numbered schema migrations. Migration N (1-based) is `MIGRATIONS[N - 1]`; the database's
 * `PRAGMA user_version` records how many have been applied. Never edit a released entry:
 * append a new one. Each pending migration runs in the same transaction as its version bump,
 * so a crash mid-upgrade leaves the database at the previous version.
 */
import type Database from "better-sqlite3";
import { StoreError } from "./errors.js";

export const MIGRATIONS: readonly string[] = [
  // 1: the initial schema.
  `
  CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    base_url          TEXT NOT NULL,
    cdn_base_url      TEXT NOT NULL,
    token             TEXT NOT NULL,
    owner_user_id     TEXT,
    name              TEXT,
    state             TEXT NOT NULL CHECK (state IN ('active', 'expired', 'disabled')),
    state_reason      TEXT,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    last_inbound_at_ms INTEGER,
    last_poll_at_ms   INTEGER
  );

  CREATE TABLE contacts (
    account_id        TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    name              TEXT,
    preset            TEXT,
    settings          TEXT NOT NULL DEFAULT '{}',
    first_seen_at_ms  INTEGER NOT NULL,
    last_seen_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (account_id, user_id)
  );

  CREATE TABLE cursors (
    account_id        TEXT PRIMARY KEY,
    cursor            TEXT NOT NULL,
    updated_at_ms     INTEGER NOT NULL
  );

  CREATE TABLE inbound (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        TEXT NOT NULL,
    from_user_id      TEXT NOT NULL,
    group_id          TEXT,
    message_id        TEXT,
    dedup_key         TEXT NOT NULL,
    context_token     TEXT,
    create_time_ms    INTEGER,
    items             TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'processing', 'done', 'failed', 'refused')),
    state_reason      TEXT,
    received_at_ms    INTEGER NOT NULL,
    UNIQUE (account_id, dedup_key)
  );
  CREATE INDEX inbound_by_state ON inbound (account_id, state, id);
  CREATE INDEX inbound_by_user ON inbound (account_id, from_user_id, id);

  CREATE TABLE outbound (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        TEXT NOT NULL,
    to_user_id        TEXT NOT NULL,
    inbound_id        INTEGER REFERENCES inbound (id) ON DELETE SET NULL,
    seq               INTEGER NOT NULL,
    client_id         TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL CHECK (kind IN ('text', 'file')),
    text              TEXT,
    file_path         TEXT,
    caption           TEXT,
    context_token     TEXT,
    state             TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'sent', 'failed', 'deferred')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    created_at_ms     INTEGER NOT NULL,
    sent_at_ms        INTEGER,
    server_message_id TEXT
  );
  CREATE INDEX outbound_by_state ON outbound (account_id, state, id);
  CREATE INDEX outbound_by_user ON outbound (account_id, to_user_id, state, id);
  CREATE INDEX outbound_by_inbound ON outbound (inbound_id, seq);

  CREATE TABLE context_tokens (
    account_id        TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    token             TEXT NOT NULL,
    send_count        INTEGER NOT NULL DEFAULT 0,
    updated_at_ms     INTEGER NOT NULL,
    PRIMARY KEY (account_id, user_id)
  );

  CREATE TABLE sessions (
    account_id        TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    agent             TEXT NOT NULL,
    data              TEXT NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    PRIMARY KEY (account_id, user_id, agent)
  );
  `,
  // 2: quotes that carry only the quoted message's server id (ref_msg.svr_id) find our own replies.
  `
  CREATE INDEX outbound_by_server_id ON outbound (account_id, server_message_id)
    WHERE server_message_id IS NOT NULL;
  `,
  // 3: an account's rows in id order, for history retention's count limit and the newest-first
  // history lists (both walked the whole table, rows and all, without it).
  `
  CREATE INDEX inbound_by_account ON inbound (account_id, id);
  CREATE INDEX outbound_by_account ON outbound (account_id, id);
  `,
  // 4: an account that lives on a simulator (its state is in the simulator's memory): answered
  // openly, and forgotten once its simulator is gone. Logins made before against a simulator on
  // this machine (plain http on loopback, its CDN under /c2c: iLink itself is https) are marked.
  `
  ALTER TABLE accounts ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0;
  UPDATE accounts SET simulated = 1
   WHERE cdn_base_url = base_url || '/c2c'
     AND (base_url LIKE 'http://127.0.0.1:%' OR base_url LIKE 'http://localhost:%' OR base_url LIKE 'http://[::1]:%');
  `,
  // 5: scheduled jobs and their firings. A firing is claimed (its run row inserted and the job's
  // next run moved on) in one transaction, so a crash or a second process never fires it twice.
  `
  CREATE TABLE schedule_jobs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    group_id          TEXT,
    kind              TEXT NOT NULL CHECK (kind IN ('once', 'cron')),
    at_ms             INTEGER,
    cron              TEXT,
    tz                TEXT NOT NULL,
    action            TEXT NOT NULL CHECK (action IN ('text', 'file', 'prompt')),
    body              TEXT NOT NULL,
    caption           TEXT,
    created_by        TEXT NOT NULL CHECK (created_by IN ('operator', 'contact', 'agent')),
    state             TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'done', 'cancelled')),
    next_run_at_ms    INTEGER,
    last_run_at_ms    INTEGER,
    runs              INTEGER NOT NULL DEFAULT 0,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL
  );
  CREATE INDEX schedule_jobs_due ON schedule_jobs (state, next_run_at_ms);
  CREATE INDEX schedule_jobs_by_contact ON schedule_jobs (account_id, user_id, state);

  CREATE TABLE schedule_runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id            INTEGER NOT NULL REFERENCES schedule_jobs (id) ON DELETE CASCADE,
    account_id        TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    scheduled_at_ms   INTEGER NOT NULL,
    claimed_at_ms     INTEGER NOT NULL,
    state             TEXT NOT NULL
                      CHECK (state IN ('running', 'sent', 'held', 'skipped', 'failed')),
    reason            TEXT,
    outbound_ids      TEXT NOT NULL DEFAULT '[]',
    finished_at_ms    INTEGER,
    UNIQUE (job_id, scheduled_at_ms)
  );
  CREATE INDEX schedule_runs_by_state ON schedule_runs (state, id);
  CREATE INDEX schedule_runs_by_contact ON schedule_runs (account_id, user_id, id);
  `,
  // 6: what polling achieves, written by the process that polls, read by status/doctor anywhere.
  `
  ALTER TABLE accounts ADD COLUMN poll_failures INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE accounts ADD COLUMN last_poll_error TEXT;
  ALTER TABLE accounts ADD COLUMN last_poll_error_at_ms INTEGER;
  `,
  // 7: fewer index pages written per message (bench/wal.ts counts them). Only open rows are indexed
  // by state (partial indexes: tiny, and a row leaves them when it is finished), and a bubble's
  // state left the per-contact index, so marking it sent no longer moves its entry there. History
  // retention finds finished rows oldest first through (account_id, id).
  `
  DROP INDEX inbound_by_state;
  CREATE INDEX inbound_open ON inbound (account_id, id) WHERE state IN ('pending', 'processing');
  DROP INDEX outbound_by_state;
  DROP INDEX outbound_by_user;
  CREATE INDEX outbound_by_user ON outbound (account_id, to_user_id, id);
  CREATE INDEX outbound_pending ON outbound (account_id, id) WHERE state = 'pending';
  CREATE INDEX outbound_deferred ON outbound (account_id, to_user_id, id) WHERE state = 'deferred';
  `,
  // 8: nothing on SQLite (PostgreSQL's 8 adds nodes and leases: one SQLite process polls every
  // account under its file lock). Kept so both stores stand at the same version number.
  `SELECT 1;`,
];

export function schemaVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Bring `db` up to `migrations.length`. Returns the versions applied (empty when current).
 * `migrations` is a parameter so tests can prove an upgrade from an older version.
 */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): number[] {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new StoreError(
      "SCHEMA_TOO_NEW",
      `database schema version ${current} is newer than this wxagent knows (${migrations.length}); upgrade wxagent or point WXAGENT_HOME elsewhere`,
    );
  }
  const applied: number[] = [];
  for (let version = current + 1; version <= migrations.length; version++) {
    const sql = migrations[version - 1] ?? "";
    db.transaction(() => {
      db.exec(sql);
      // PRAGMA takes no bound parameters; `version` is an integer we computed.
      db.pragma(`user_version = ${version}`);
    })();
    applied.push(version);
  }
  return applied;
}
