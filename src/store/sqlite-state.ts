/**
 * Per-contact live state: the latest context token with the number of sends made on it, and
 * agent sessions (opaque JSON per account, contact and agent).
 */
import { type Db, parseJson, type Row } from "./sqlite-db.js";
import type { ContextTokenRecord, ContextTokenStore, SessionRecord, SessionStore } from "./types.js";

export function createContextTokenStore(d: Db): ContextTokenStore {
  return {
    set(accountId, userId, token, atMs) {
      // Every inbound message opens a fresh quota, even when the server repeats the token.
      d.stmt(
        `INSERT INTO context_tokens (account_id, user_id, token, send_count, updated_at_ms) VALUES (?, ?, ?, 0, ?)
         ON CONFLICT (account_id, user_id) DO UPDATE SET
           token = excluded.token, send_count = 0, updated_at_ms = excluded.updated_at_ms`,
      ).run(accountId, userId, token, atMs);
    },
    get(accountId, userId): ContextTokenRecord | undefined {
      const r = d
        .stmt("SELECT * FROM context_tokens WHERE account_id = ? AND user_id = ?")
        .get(accountId, userId) as Row | undefined;
      if (!r) return undefined;
      return {
        accountId: String(r.account_id),
        userId: String(r.user_id),
        token: String(r.token),
        sendCount: Number(r.send_count),
        updatedAtMs: Number(r.updated_at_ms),
      };
    },
    /** Returns 0 (and counts nothing) when the contact has no token: a proactive send. */
    countSend(accountId, userId) {
      const r = d
        .stmt(
          `UPDATE context_tokens SET send_count = send_count + 1
           WHERE account_id = ? AND user_id = ? RETURNING send_count`,
        )
        .get(accountId, userId) as Row | undefined;
      return r ? Number(r.send_count) : 0;
    },
    reserveSend(accountId, userId, quota) {
      const r = d
        .stmt(
          `UPDATE context_tokens SET send_count = send_count + 1
           WHERE account_id = ? AND user_id = ? AND send_count < ? RETURNING send_count`,
        )
        .get(accountId, userId, quota) as Row | undefined;
      return r ? Number(r.send_count) : undefined;
    },
    refundSend(accountId, userId, token) {
      d.stmt(
        `UPDATE context_tokens SET send_count = send_count - 1
         WHERE account_id = ? AND user_id = ? AND token = ? AND send_count > 0`,
      ).run(accountId, userId, token);
    },
    clear(accountId) {
      d.stmt("DELETE FROM context_tokens WHERE account_id = ?").run(accountId);
    },
  };
}

export function createSessionStore(d: Db): SessionStore {
  return {
    get(accountId, userId, agent): SessionRecord | undefined {
      const r = d
        .stmt("SELECT * FROM sessions WHERE account_id = ? AND user_id = ? AND agent = ?")
        .get(accountId, userId, agent) as Row | undefined;
      if (!r) return undefined;
      return {
        accountId: String(r.account_id),
        userId: String(r.user_id),
        agent: String(r.agent),
        data: parseJson<unknown>(r.data, null),
        updatedAtMs: Number(r.updated_at_ms),
      };
    },
    put(accountId, userId, agent, data, atMs) {
      d.stmt(
        `INSERT INTO sessions (account_id, user_id, agent, data, updated_at_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, user_id, agent) DO UPDATE SET
           data = excluded.data, updated_at_ms = excluded.updated_at_ms`,
      ).run(accountId, userId, agent, JSON.stringify(data ?? null), atMs);
    },
    remove(accountId, userId, agent) {
      d.stmt("DELETE FROM sessions WHERE account_id = ? AND user_id = ? AND agent = ?").run(
        accountId,
        userId,
        agent,
      );
    },
  };
}
