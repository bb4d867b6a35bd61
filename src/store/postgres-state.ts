/**
 * Per-contact live state on PostgreSQL: context tokens with their send counts, agent sessions,
 * and history retention's deletes (the same rules as sqlite-state.ts and sqlite-history.ts).
 */
import type { Async } from "./async.js";
import type { Pq } from "./postgres-db.js";
import { parseJson } from "./sqlite-db.js";
import type { ContextTokenStore, HistoryStore, PruneBatch, SessionStore } from "./types.js";

export function createPgContextTokenStore(q: Pq): Async<ContextTokenStore> {
  return {
    async set(accountId, userId, token, atMs) {
      // Every inbound message opens a fresh quota, even when the server repeats the token.
      await q.run(
        `INSERT INTO context_tokens (account_id, user_id, token, send_count, updated_at_ms) VALUES ($1, $2, $3, 0, $4)
         ON CONFLICT (account_id, user_id) DO UPDATE SET
           token = excluded.token, send_count = 0, updated_at_ms = excluded.updated_at_ms`,
        [accountId, userId, token, atMs],
      );
    },
    async get(accountId, userId) {
      const r = await q.one("SELECT * FROM context_tokens WHERE account_id = $1 AND user_id = $2", [
        accountId,
        userId,
      ]);
      if (!r) return undefined;
      return {
        accountId: String(r.account_id),
        userId: String(r.user_id),
        token: String(r.token),
        sendCount: Number(r.send_count),
        updatedAtMs: Number(r.updated_at_ms),
      };
    },
    async countSend(accountId, userId) {
      const r = await q.one(
        `UPDATE context_tokens SET send_count = send_count + 1
         WHERE account_id = $1 AND user_id = $2 RETURNING send_count`,
        [accountId, userId],
      );
      return r ? Number(r.send_count) : 0;
    },
    async reserveSend(accountId, userId, quota) {
      // The row lock of the UPDATE serialises concurrent reservations; each re-checks the count
      // after the one before it commits (READ COMMITTED re-evaluates the WHERE on the new row).
      const r = await q.one(
        `UPDATE context_tokens SET send_count = send_count + 1
         WHERE account_id = $1 AND user_id = $2 AND send_count < $3 RETURNING send_count`,
        [accountId, userId, quota],
      );
      return r ? Number(r.send_count) : undefined;
    },
    async refundSend(accountId, userId, token) {
      await q.run(
        `UPDATE context_tokens SET send_count = send_count - 1
         WHERE account_id = $1 AND user_id = $2 AND token = $3 AND send_count > 0`,
        [accountId, userId, token],
      );
    },
    async clear(accountId) {
      await q.run("DELETE FROM context_tokens WHERE account_id = $1", [accountId]);
    },
  };
}

export function createPgSessionStore(q: Pq): Async<SessionStore> {
  return {
    async get(accountId, userId, agent) {
      const r = await q.one("SELECT * FROM sessions WHERE account_id = $1 AND user_id = $2 AND agent = $3", [
        accountId,
        userId,
        agent,
      ]);
      if (!r) return undefined;
      return {
        accountId: String(r.account_id),
        userId: String(r.user_id),
        agent: String(r.agent),
        data: parseJson<unknown>(r.data, null),
        updatedAtMs: Number(r.updated_at_ms),
      };
    },
    async put(accountId, userId, agent, data, atMs) {
      await q.run(
        `INSERT INTO sessions (account_id, user_id, agent, data, updated_at_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id, user_id, agent) DO UPDATE SET
           data = excluded.data, updated_at_ms = excluded.updated_at_ms`,
        [accountId, userId, agent, JSON.stringify(data ?? null), atMs],
      );
    },
    async remove(accountId, userId, agent) {
      await q.run("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2 AND agent = $3", [
        accountId,
        userId,
        agent,
      ]);
    },
  };
}

const FINISHED_INBOUND = ["done", "failed", "refused"];
const FINISHED_OUTBOUND = ["sent", "failed"];

export function createPgHistoryStore(q: Pq): Async<HistoryStore> {
  return {
    async olderId(table, accountId, belowId, n) {
      const t = table === "inbound" ? "inbound" : "outbound";
      const row = await q.one(
        `SELECT id FROM ${t} WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT 1 OFFSET $3`,
        [accountId, belowId, Math.max(0, Math.floor(n) - 1)],
      );
      return row ? Number(row.id) : undefined;
    },
    pruneBatch: (accountId, rule, limit) =>
      q.tx(async (t): Promise<PruneBatch> => {
        const cut = rule.cutoffs ?? { inboundId: 0, outboundId: 0 };
        // No age limit: a time before every row (BIGINT has no infinity).
        const beforeMs = rule.beforeMs ?? Number.MIN_SAFE_INTEGER;
        const take = Math.max(1, Math.floor(limit));
        // Bubbles first: an outbound row names its inbound (ON DELETE SET NULL would rewrite it).
        const outbound = await t.rows(
          `DELETE FROM outbound WHERE id IN (
             SELECT id FROM outbound
             WHERE account_id = $1 AND state = ANY($2::text[]) AND (id <= $3 OR created_at_ms < $4)
             ORDER BY id LIMIT $5)
           RETURNING id`,
          [accountId, FINISHED_OUTBOUND, cut.outboundId, beforeMs, take],
        );
        const inbound = await t.rows(
          `DELETE FROM inbound WHERE id IN (
             SELECT id FROM inbound i
             WHERE account_id = $1 AND state = ANY($2::text[]) AND (id <= $3 OR received_at_ms < $4)
               AND NOT EXISTS (SELECT 1 FROM outbound o
                               WHERE o.inbound_id = i.id AND o.state IN ('pending', 'deferred'))
             ORDER BY id LIMIT $5)
           RETURNING id`,
          [accountId, FINISHED_INBOUND, cut.inboundId, beforeMs, take],
        );
        return {
          inboundIds: inbound.map((r) => Number(r.id)).sort((a, b) => a - b),
          outbound: outbound.length,
        };
      }),
  };
}
