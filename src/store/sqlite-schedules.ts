/**
 * Scheduled jobs and their runs on SQLite. `claim` is a compare-and-set on the job's next run plus
 * the insert of the run row (unique per job and firing time) in one transaction: whichever caller
 * commits first owns the firing; a second one (a replay, another process) gets undefined.
 */

import type {
  RunState,
  ScheduleAction,
  ScheduleCreator,
  ScheduleJob,
  ScheduleKind,
  ScheduleRun,
  ScheduleState,
  ScheduleStore,
} from "./schedule-types.js";
import { type Db, limitValue, optNum, optStr, parseJson, type Row, whereClause } from "./sqlite-db.js";
import type { OutboundState } from "./types.js";

export function toJob(r: Row): ScheduleJob {
  const job: ScheduleJob = {
    id: Number(r.id),
    accountId: String(r.account_id),
    userId: String(r.user_id),
    kind: String(r.kind) as ScheduleKind,
    tz: String(r.tz),
    action: String(r.action) as ScheduleAction,
    body: String(r.body),
    createdBy: String(r.created_by) as ScheduleCreator,
    state: String(r.state) as ScheduleState,
    runs: Number(r.runs),
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
  };
  const opt = {
    groupId: optStr(r.group_id),
    atMs: optNum(r.at_ms),
    cron: optStr(r.cron),
    caption: optStr(r.caption),
    nextRunAtMs: optNum(r.next_run_at_ms),
    lastRunAtMs: optNum(r.last_run_at_ms),
  };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (job as unknown as Row)[k] = v;
  return job;
}

export function toRun(r: Row): ScheduleRun {
  const run: ScheduleRun = {
    id: Number(r.id),
    jobId: Number(r.job_id),
    accountId: String(r.account_id),
    userId: String(r.user_id),
    scheduledAtMs: Number(r.scheduled_at_ms),
    claimedAtMs: Number(r.claimed_at_ms),
    state: String(r.state) as RunState,
    outboundIds: parseJson<number[]>(r.outbound_ids, []),
  };
  const reason = optStr(r.reason);
  if (reason !== undefined) run.reason = reason;
  const finished = optNum(r.finished_at_ms);
  if (finished !== undefined) run.finishedAtMs = finished;
  return run;
}

export function createScheduleStore(d: Db): ScheduleStore {
  const get = (id: number): ScheduleJob | undefined => {
    const r = d.stmt("SELECT * FROM schedule_jobs WHERE id = ?").get(id) as Row | undefined;
    return r ? toJob(r) : undefined;
  };
  const getRun = (id: number): ScheduleRun | undefined => {
    const r = d.stmt("SELECT * FROM schedule_runs WHERE id = ?").get(id) as Row | undefined;
    return r ? toRun(r) : undefined;
  };

  const claim = d.db.transaction(
    (
      jobId: number,
      expected: number,
      next: number | undefined,
      run: { state: RunState; reason?: string },
      atMs: number,
    ): ScheduleRun | undefined => {
      const moved = d
        .stmt(
          `UPDATE schedule_jobs SET next_run_at_ms = ?, state = ?, last_run_at_ms = ?, runs = runs + 1,
             updated_at_ms = ?
           WHERE id = ? AND state = 'active' AND next_run_at_ms = ?`,
        )
        .run(next ?? null, next === undefined ? "done" : "active", expected, atMs, jobId, expected);
      if (moved.changes === 0) return undefined;
      const job = get(jobId) as ScheduleJob;
      const res = d
        .stmt(
          `INSERT INTO schedule_runs (job_id, account_id, user_id, scheduled_at_ms, claimed_at_ms, state, reason)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, scheduled_at_ms) DO NOTHING`,
        )
        .run(jobId, job.accountId, job.userId, expected, atMs, run.state, run.reason ?? null);
      if (res.changes === 0) throw new Error(`firing ${expected} of job ${jobId} was already recorded`);
      return getRun(Number(res.lastInsertRowid));
    },
  );

  return {
    create(job, atMs) {
      const res = d
        .stmt(
          `INSERT INTO schedule_jobs (account_id, user_id, group_id, kind, at_ms, cron, tz, action, body,
             caption, created_by, state, next_run_at_ms, runs, created_at_ms, updated_at_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, 0, ?, ?)`,
        )
        .run(
          job.accountId,
          job.userId,
          job.groupId ?? null,
          job.kind,
          job.atMs ?? null,
          job.cron ?? null,
          job.tz,
          job.action,
          job.body,
          job.caption ?? null,
          job.createdBy,
          job.nextRunAtMs,
          atMs,
          atMs,
        );
      return get(Number(res.lastInsertRowid)) as ScheduleJob;
    },
    get,
    list(filter = {}) {
      const w = whereClause([
        ["account_id = ?", filter.accountId],
        ["user_id = ?", filter.userId],
        ["state = ?", filter.state],
      ]);
      const rows = d
        .stmt(`SELECT * FROM schedule_jobs ${w.sql} ORDER BY id DESC LIMIT ?`)
        .all(...w.params, limitValue(filter.limit)) as Row[];
      return rows.map(toJob);
    },
    cancel(id, atMs) {
      const res = d
        .stmt(
          `UPDATE schedule_jobs SET state = 'cancelled', next_run_at_ms = NULL, updated_at_ms = ?
           WHERE id = ? AND state = 'active'`,
        )
        .run(atMs, id);
      return res.changes > 0;
    },
    due(atMs, limit) {
      const rows = d
        .stmt(
          `SELECT * FROM schedule_jobs WHERE state = 'active' AND next_run_at_ms <= ?
           ORDER BY next_run_at_ms, id LIMIT ?`,
        )
        .all(atMs, limitValue(limit)) as Row[];
      return rows.map(toJob);
    },
    nextRunAtMs() {
      const r = d
        .stmt("SELECT MIN(next_run_at_ms) AS next FROM schedule_jobs WHERE state = 'active'")
        .get() as Row | undefined;
      return optNum(r?.next);
    },
    claim: (jobId, expected, next, run, atMs) => claim(jobId, expected, next, run, atMs),
    reschedule(jobId, next, atMs) {
      d.stmt(
        `UPDATE schedule_jobs SET next_run_at_ms = ?, state = ?, updated_at_ms = ?
         WHERE id = ? AND state = 'active'`,
      ).run(next ?? null, next === undefined ? "done" : "active", atMs, jobId);
    },
    updateRun(id, patch) {
      const run = getRun(id);
      if (!run) return;
      d.stmt(
        "UPDATE schedule_runs SET state = ?, reason = ?, outbound_ids = ?, finished_at_ms = ? WHERE id = ?",
      ).run(
        patch.state ?? run.state,
        patch.reason ?? run.reason ?? null,
        JSON.stringify(patch.outboundIds ?? run.outboundIds),
        patch.finishedAtMs ?? run.finishedAtMs ?? null,
        id,
      );
    },
    getRun,
    runBubbles(id) {
      const rows = d
        .stmt(
          `SELECT o.state FROM schedule_runs r, json_each(r.outbound_ids) j
             JOIN outbound o ON o.id = j.value WHERE r.id = ? ORDER BY o.id`,
        )
        .all(id) as Row[];
      return rows.map((r) => String(r.state) as OutboundState);
    },
    runs(filter = {}) {
      const w = whereClause([
        ["job_id = ?", filter.jobId],
        ["account_id = ?", filter.accountId],
        ["user_id = ?", filter.userId],
        ["state = ?", filter.state],
      ]);
      const rows = d
        .stmt(`SELECT * FROM schedule_runs ${w.sql} ORDER BY id DESC LIMIT ?`)
        .all(...w.params, limitValue(filter.limit)) as Row[];
      return rows.map(toRun);
    },
  };
}
