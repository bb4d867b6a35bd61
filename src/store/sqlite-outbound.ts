/**
 * Outbound bubbles and the durable outbox. A whole reply is recorded (with its client_ids)
 * before the first bubble goes out, so a retry after a crash reuses the same client_id and the
 * server can recognise it. Deferred bubbles (over the per-context quota) wait here until the
 * contact writes again; `release` re-arms them without changing their client_id.
 */
import { StoreError, sqliteCode } from "./errors.js";
import { type Db, limitValue, optNum, optStr, type Row, whereClause } from "./sqlite-db.js";
import type { NewOutbound, OutboundMessage, OutboundState, OutboundStore } from "./types.js";

export function toOutbound(r: Row): OutboundMessage {
  return {
    id: Number(r.id),
    accountId: String(r.account_id),
    toUserId: String(r.to_user_id),
    inboundId: optNum(r.inbound_id),
    seq: Number(r.seq),
    clientId: String(r.client_id),
    kind: String(r.kind) as OutboundMessage["kind"],
    text: optStr(r.text),
    filePath: optStr(r.file_path),
    caption: optStr(r.caption),
    contextToken: optStr(r.context_token),
    state: String(r.state) as OutboundState,
    attempts: Number(r.attempts),
    lastError: optStr(r.last_error),
    createdAtMs: Number(r.created_at_ms),
    sentAtMs: optNum(r.sent_at_ms),
    serverMessageId: optStr(r.server_message_id),
  };
}

export function createOutboundStore(d: Db): OutboundStore {
  const mustChange = (changes: number, id: number): void => {
    if (changes === 0) {
      throw new StoreError("NOT_FOUND", `outbound message ${id} does not exist; it may have been pruned`);
    }
  };

  const insertAll = (messages: NewOutbound[], atMs: number): number[] => {
    const ins = d.stmt(
      `INSERT INTO outbound (account_id, to_user_id, inbound_id, seq, client_id, kind, text, file_path,
                             caption, context_token, state, attempts, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
    );
    return messages.map((m) => {
      try {
        const res = ins.run(
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
        );
        return Number(res.lastInsertRowid);
      } catch (err) {
        if (sqliteCode(err) === "SQLITE_CONSTRAINT_UNIQUE") {
          throw new StoreError(
            "DUPLICATE_CLIENT_ID",
            `client_id ${m.clientId} is already recorded; generate a fresh client_id per bubble (retries reuse the stored one)`,
            { cause: err },
          );
        }
        throw err;
      }
    });
  };
  const insertAllAtomically = d.db.transaction(insertAll);
  // One row is atomic by itself: no savepoint around the common case, a one-bubble reply.
  const enqueue = (messages: NewOutbound[], atMs: number): number[] =>
    messages.length === 1 ? insertAll(messages, atMs) : insertAllAtomically(messages, atMs);

  // The open states are queried with their literal value, so SQLite uses their partial indexes.
  const pending = (accountId: string): OutboundMessage[] =>
    (
      d
        .stmt("SELECT * FROM outbound WHERE account_id = ? AND state = 'pending' ORDER BY id")
        .all(accountId) as Row[]
    ).map(toOutbound);
  const deferred = (accountId: string, userId: string): OutboundMessage[] =>
    (
      d
        .stmt(
          "SELECT * FROM outbound WHERE account_id = ? AND to_user_id = ? AND state = 'deferred' ORDER BY id",
        )
        .all(accountId, userId) as Row[]
    ).map(toOutbound);

  const release = d.db.transaction((ids: number[], contextToken: string | undefined) => {
    const upd = d.stmt(
      `UPDATE outbound SET state = 'pending', context_token = ?, last_error = NULL
       WHERE id = ? AND state = 'deferred'`,
    );
    for (const id of ids) upd.run(contextToken ?? null, id);
  });

  return {
    enqueue(messages, atMs) {
      const ids = enqueue(messages, atMs);
      // The rows as inserted, without reading them back (one bubble per reply chunk, hot path).
      return messages.map(
        (m, i): OutboundMessage => ({
          id: ids[i] as number,
          accountId: m.accountId,
          toUserId: m.toUserId,
          inboundId: m.inboundId,
          seq: m.seq,
          clientId: m.clientId,
          kind: m.kind,
          text: m.text,
          filePath: m.filePath,
          caption: m.caption,
          contextToken: m.contextToken,
          state: m.state ?? "pending",
          attempts: 0,
          lastError: undefined,
          createdAtMs: atMs,
          sentAtMs: undefined,
          serverMessageId: undefined,
        }),
      );
    },
    markSent(id, atMs, serverMessageId) {
      const res = d
        .stmt(
          "UPDATE outbound SET state = 'sent', sent_at_ms = ?, server_message_id = ?, last_error = NULL WHERE id = ?",
        )
        .run(atMs, serverMessageId ?? null, id);
      mustChange(res.changes, id);
    },
    markFailed(id, error) {
      const res = d.stmt("UPDATE outbound SET state = 'failed', last_error = ? WHERE id = ?").run(error, id);
      mustChange(res.changes, id);
    },
    defer(id, reason) {
      const res = d
        .stmt("UPDATE outbound SET state = 'deferred', last_error = ? WHERE id = ?")
        .run(reason, id);
      mustChange(res.changes, id);
    },
    bumpAttempt(id, error) {
      const res = d
        .stmt(
          "UPDATE outbound SET attempts = attempts + 1, last_error = COALESCE(?, last_error) WHERE id = ?",
        )
        .run(error ?? null, id);
      mustChange(res.changes, id);
    },
    pending,
    deferred,
    release(ids, contextToken) {
      release(ids, contextToken);
    },
    forInbound(inboundId) {
      const rows = d
        .stmt("SELECT * FROM outbound WHERE inbound_id = ? ORDER BY seq, id")
        .all(inboundId) as Row[];
      return rows.map(toOutbound);
    },
    byServerMessageId(accountId, serverMessageId) {
      const row = d
        .stmt(
          "SELECT * FROM outbound WHERE account_id = ? AND server_message_id = ? ORDER BY id DESC LIMIT 1",
        )
        .get(accountId, serverMessageId) as Row | undefined;
      return row ? toOutbound(row) : undefined;
    },
    list(filter) {
      const w = whereClause([
        ["account_id = ?", filter.accountId],
        ["to_user_id = ?", filter.userId],
        ["created_at_ms >= ?", filter.sinceMs],
      ]);
      const rows = d
        .stmt(`SELECT * FROM outbound ${w.sql} ORDER BY id DESC LIMIT ?`)
        .all(...w.params, limitValue(filter.limit)) as Row[];
      return rows.map(toOutbound);
    },
    countByState(accountId, state) {
      const row = d
        .stmt(
          state === "pending" || state === "deferred"
            ? // The open states' partial indexes apply only where the query names the state literally.
              `SELECT COUNT(*) AS n FROM outbound WHERE account_id = ? AND state = '${state}' AND state = ?`
            : "SELECT COUNT(*) AS n FROM outbound WHERE account_id = ? AND state = ?",
        )
        .get(accountId, state) as Row;
      return Number(row.n);
    },
  };
}
