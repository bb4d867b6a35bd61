/**
 * Outbound bubbles and the durable outbox on PostgreSQL: a whole reply is recorded with its
 * client_ids in one transaction before the first bubble goes out (as sqlite-outbound.ts).
 */
import type { Async } from "./async.js";
import { StoreError } from "./errors.js";
import { type Pq, pgCode, pgLimit, pgWhere } from "./postgres-db.js";
import type { Row } from "./sqlite-db.js";
import { toOutbound } from "./sqlite-outbound.js";
import type { NewOutbound, OutboundMessage, OutboundState, OutboundStore } from "./types.js";

const INSERT = `INSERT INTO outbound (account_id, to_user_id, inbound_id, seq, client_id, kind, text, file_path,
                                      caption, context_token, state, attempts, created_at_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12) RETURNING *`;

async function insertOne(q: Pq, m: NewOutbound, atMs: number): Promise<OutboundMessage> {
  try {
    const row = await q.one(INSERT, [
      m.accountId,
      m.toUserId,
      m.inboundId ?? null,
      m.seq,
      m.clientId,
      m.kind,
      m.text ?? null,
      m.filePath ?? null,
      m.caption ?? null,
      m.contextToken ?? null,
      m.state ?? "pending",
      atMs,
    ]);
    return toOutbound(row as Row);
  } catch (err) {
    if (pgCode(err) === "23505") {
      throw new StoreError(
        "DUPLICATE_CLIENT_ID",
        `client_id ${m.clientId} is already recorded; generate a fresh client_id per bubble (retries reuse the stored one)`,
        { cause: err },
      );
    }
    throw err;
  }
}

export function createPgOutboundStore(q: Pq): Async<OutboundStore> {
  const change = async (sql: string, params: unknown[], id: number): Promise<void> => {
    if ((await q.run(sql, params)) === 0) {
      throw new StoreError("NOT_FOUND", `outbound message ${id} does not exist; it may have been pruned`);
    }
  };
  const byState = async (accountId: string, state: OutboundState, userId?: string) => {
    const rows =
      userId === undefined
        ? await q.rows("SELECT * FROM outbound WHERE account_id = $1 AND state = $2 ORDER BY id", [
            accountId,
            state,
          ])
        : await q.rows(
            "SELECT * FROM outbound WHERE account_id = $1 AND to_user_id = $2 AND state = $3 ORDER BY id",
            [accountId, userId, state],
          );
    return rows.map(toOutbound);
  };

  return {
    // One row is atomic by itself: no transaction around the common case, a one-bubble reply.
    async enqueue(messages, atMs) {
      const [only] = messages;
      if (messages.length === 1 && only) return [await insertOne(q, only, atMs)];
      return q.tx(async (t) => {
        const out: OutboundMessage[] = [];
        for (const m of messages) out.push(await insertOne(t, m, atMs));
        return out;
      });
    },
    markSent: (id, atMs, serverMessageId) =>
      change(
        "UPDATE outbound SET state = 'sent', sent_at_ms = $1, server_message_id = $2, last_error = NULL WHERE id = $3",
        [atMs, serverMessageId ?? null, id],
        id,
      ),
    markFailed: (id, error) =>
      change("UPDATE outbound SET state = 'failed', last_error = $1 WHERE id = $2", [error, id], id),
    defer: (id, reason) =>
      change("UPDATE outbound SET state = 'deferred', last_error = $1 WHERE id = $2", [reason, id], id),
    bumpAttempt: (id, error) =>
      change(
        "UPDATE outbound SET attempts = attempts + 1, last_error = COALESCE($1, last_error) WHERE id = $2",
        [error ?? null, id],
        id,
      ),
    pending: (accountId) => byState(accountId, "pending"),
    deferred: (accountId, userId) => byState(accountId, "deferred", userId),
    async release(ids, contextToken) {
      // One statement: all of them re-armed, or none.
      await q.run(
        `UPDATE outbound SET state = 'pending', context_token = $1, last_error = NULL
         WHERE id = ANY($2::bigint[]) AND state = 'deferred'`,
        [contextToken ?? null, ids],
      );
    },
    async forInbound(inboundId) {
      const rows = await q.rows("SELECT * FROM outbound WHERE inbound_id = $1 ORDER BY seq, id", [inboundId]);
      return rows.map(toOutbound);
    },
    async byServerMessageId(accountId, serverMessageId) {
      const row = await q.one(
        "SELECT * FROM outbound WHERE account_id = $1 AND server_message_id = $2 ORDER BY id DESC LIMIT 1",
        [accountId, serverMessageId],
      );
      return row ? toOutbound(row) : undefined;
    },
    async list(filter) {
      const w = pgWhere([
        ["account_id = ?", filter.accountId],
        ["to_user_id = ?", filter.userId],
        ["created_at_ms >= ?", filter.sinceMs],
      ]);
      const rows = await q.rows(`SELECT * FROM outbound ${w.sql} ORDER BY id DESC LIMIT $${w.next}`, [
        ...w.params,
        pgLimit(filter.limit),
      ]);
      return rows.map(toOutbound);
    },
    async countByState(accountId, state) {
      const row = await q.one("SELECT COUNT(*) AS n FROM outbound WHERE account_id = $1 AND state = $2", [
        accountId,
        state,
      ]);
      return Number(row?.n ?? 0);
    },
  };
}
