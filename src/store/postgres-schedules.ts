/**
 * Scheduled jobs and their runs on PostgreSQL. `claim` is the compare-and-set of sqlite-schedules.ts:
 * the UPDATE that moves the job's next run takes its row lock, so of two nodes claiming one firing
 * the second re-reads the moved row, matches nothing and gets undefined.
 */
import type { Async } from "./async.js";
import { type Pq, pgLimit, pgWhere } from "./postgres-db.js";
import type { ScheduleStore } from "./schedule-types.js";
import { toJob, toRun } from "./sqlite-schedules.js";
import type { OutboundState } from "./types.js";

export function createPgScheduleStore(q: Pq): Async<ScheduleStore> {
  const get = async (id: number) => {
    const r = await q.one("SELECT * FROM schedule_jobs WHERE id = $1", [id]);
    return r ? toJob(r) : undefined;
  };
  const getRun = async (id: number) => {
    const r = await q.one("SELECT * FROM schedule_runs WHERE id = $1", [id]);
    return r ? toRun(r) : undefined;
  };

  return {
    async create(job, atMs) {
      const r = await q.one(
        `INSERT INTO schedule_jobs (account_id, user_id, group_id, kind, at_ms, cron, tz, action, body,
           caption, created_by, state, next_run_at_ms, runs, created_at_ms, updated_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12, 0, $13, $13) RETURNING *`,
        [
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
        ],
      );
      if (!r) throw new Error("INSERT … RETURNING gave no row");
      return toJob(r);
    },
    get,
    async list(filter = {}) {
      const w = pgWhere([
        ["account_id = ?", filter.accountId],
        ["user_id = ?", filter.userId],
        ["state = ?", filter.state],
      ]);
      const rows = await q.rows(`SELECT * FROM schedule_jobs ${w.sql} ORDER BY id DESC LIMIT $${w.next}`, [
        ...w.params,
        pgLimit(filter.limit),
      ]);
      return rows.map(toJob);
    },
    async cancel(id, atMs) {
      const n = await q.run(
        `UPDATE schedule_jobs SET state = 'cancelled', next_run_at_ms = NULL, updated_at_ms = $1
         WHERE id = $2 AND state = 'active'`,
        [atMs, id],
      );
      return n > 0;
    },
    async due(atMs, limit) {
      const rows = await q.rows(
        `SELECT * FROM schedule_jobs WHERE state = 'active' AND next_run_at_ms <= $1
         ORDER BY next_run_at_ms, id LIMIT $2`,
        [atMs, pgLimit(limit)],
      );
      return rows.map(toJob);
    },
    async nextRunAtMs() {
      const r = await q.one("SELECT MIN(next_run_at_ms) AS next FROM schedule_jobs WHERE state = 'active'");
      return r?.next === null || r?.next === undefined ? undefined : Number(r.next);
    },
    claim: (jobId, expected, next, run, atMs) =>
      q.tx(async (t) => {
        const job = await t.one(
          `UPDATE schedule_jobs SET next_run_at_ms = $1, state = $2, last_run_at_ms = $3, runs = runs + 1,
             updated_at_ms = $4
           WHERE id = $5 AND state = 'active' AND next_run_at_ms = $3
           RETURNING account_id, user_id`,
          [next ?? null, next === undefined ? "done" : "active", expected, atMs, jobId],
        );
        if (!job) return undefined;
        const r = await t.one(
          `INSERT INTO schedule_runs (job_id, account_id, user_id, scheduled_at_ms, claimed_at_ms, state, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job_id, scheduled_at_ms) DO NOTHING RETURNING *`,
          [jobId, job.account_id, job.user_id, expected, atMs, run.state, run.reason ?? null],
        );
        if (!r) throw new Error(`firing ${expected} of job ${jobId} was already recorded`);
        return toRun(r);
      }),
    async reschedule(jobId, next, atMs) {
      await q.run(
        `UPDATE schedule_jobs SET next_run_at_ms = $1, state = $2, updated_at_ms = $3
         WHERE id = $4 AND state = 'active'`,
        [next ?? null, next === undefined ? "done" : "active", atMs, jobId],
      );
    },
    async updateRun(id, patch) {
      // COALESCE keeps what the patch leaves out, in one statement (no read-then-write race).
      await q.run(
        `UPDATE schedule_runs SET state = COALESCE($1, state), reason = COALESCE($2, reason),
           outbound_ids = COALESCE($3, outbound_ids), finished_at_ms = COALESCE($4::bigint, finished_at_ms)
         WHERE id = $5`,
        [
          patch.state ?? null,
          patch.reason ?? null,
          patch.outboundIds === undefined ? null : JSON.stringify(patch.outboundIds),
          patch.finishedAtMs ?? null,
          id,
        ],
      );
    },
    getRun,
    async runBubbles(id) {
      const rows = await q.rows(
        `SELECT o.state FROM schedule_runs r
           CROSS JOIN LATERAL jsonb_array_elements_text(r.outbound_ids::jsonb) AS j(value)
           JOIN outbound o ON o.id = j.value::bigint
         WHERE r.id = $1 ORDER BY o.id`,
        [id],
      );
      return rows.map((r) => String(r.state) as OutboundState);
    },
    async runs(filter = {}) {
      const w = pgWhere([
        ["job_id = ?", filter.jobId],
        ["account_id = ?", filter.accountId],
        ["user_id = ?", filter.userId],
        ["state = ?", filter.state],
      ]);
      const rows = await q.rows(`SELECT * FROM schedule_runs ${w.sql} ORDER BY id DESC LIMIT $${w.next}`, [
        ...w.params,
        pgLimit(filter.limit),
      ]);
      return rows.map(toRun);
    },
  };
}
