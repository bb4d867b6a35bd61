/**
 * Inbound messages and the poll cursor. `recordPoll` is the heart of "nothing is lost, nothing is
 * doubled": the new messages and the new `get_updates_buf` are committed together, before any
 * dispatch, so a crash either replays the whole batch from the old cursor (and dedup drops what
 * was already stored) or finds it all stored.
 */
import type { MessageItem } from "../ilink/wire.js";
import { dedupKey } from "./dedup.js";
import { StoreError } from "./errors.js";
import { type Db, limitValue, optNum, optStr, parseJson, type Row, whereClause } from "./sqlite-db.js";
import type { CursorStore, InboundMessage, InboundState, InboundStore, NewInbound } from "./types.js";

export function toInbound(r: Row): InboundMessage {
  return {
    id: Number(r.id),
    accountId: String(r.account_id),
    fromUserId: String(r.from_user_id),
    groupId: optStr(r.group_id),
    messageId: optStr(r.message_id),
    dedupKey: String(r.dedup_key),
    contextToken: optStr(r.context_token),
    createTimeMs: optNum(r.create_time_ms),
    items: parseJson<MessageItem[]>(r.items, []),
    state: String(r.state) as InboundState,
    stateReason: optStr(r.state_reason),
    receivedAtMs: Number(r.received_at_ms),
  };
}

export function createCursorStore(d: Db): CursorStore {
  return {
    get(accountId) {
      const row = d.stmt("SELECT cursor FROM cursors WHERE account_id = ?").get(accountId) as Row | undefined;
      return row ? String(row.cursor) : "";
    },
    set(accountId, cursor) {
      saveCursor(d, accountId, cursor, d.now());
    },
  };
}

function saveCursor(d: Db, accountId: string, cursor: string, atMs: number): void {
  d.stmt(
    `INSERT INTO cursors (account_id, cursor, updated_at_ms) VALUES (?, ?, ?)
     ON CONFLICT (account_id) DO UPDATE SET cursor = excluded.cursor, updated_at_ms = excluded.updated_at_ms`,
  ).run(accountId, cursor, atMs);
}

export function createInboundStore(d: Db): InboundStore {
  const insert = (accountId: string, m: NewInbound, atMs: number): number | undefined => {
    // ON CONFLICT names the dedup key only: any other constraint failure still throws and
    // rolls the whole poll back (INSERT OR IGNORE would swallow it silently).
    const res = d
      .stmt(
        `INSERT INTO inbound (account_id, from_user_id, group_id, message_id, dedup_key, context_token,
                              create_time_ms, items, state, state_reason, received_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, dedup_key) DO NOTHING`,
      )
      .run(
        accountId,
        m.fromUserId,
        m.groupId ?? null,
        m.messageId || null,
        m.dedupKey,
        m.contextToken ?? null,
        m.createTimeMs ?? null,
        JSON.stringify(m.items),
        m.refusedReason === undefined ? "pending" : "refused",
        m.refusedReason ?? null,
        atMs,
      );
    return res.changes === 1 ? Number(res.lastInsertRowid) : undefined;
  };

  const get = (id: number): InboundMessage | undefined => {
    const row = d.stmt("SELECT * FROM inbound WHERE id = ?").get(id) as Row | undefined;
    return row ? toInbound(row) : undefined;
  };

  const recordPoll = d.db.transaction(
    (accountId: string, cursor: string | undefined, messages: NewInbound[], atMs: number) => {
      const ids: { id: number; m: NewInbound }[] = [];
      for (const m of messages) {
        const id = insert(accountId, m, atMs);
        if (id !== undefined) ids.push({ id, m });
      }
      // An empty cursor means "no change" on the wire; never overwrite a good one with it.
      if (cursor) saveCursor(d, accountId, cursor, atMs);
      return ids;
    },
  );

  return {
    recordPoll(accountId, cursor, messages, atMs) {
      // The rows as inserted, without reading them back (one per message, hot path).
      return recordPoll(accountId, cursor, messages, atMs).map(
        ({ id, m }): InboundMessage => ({
          id,
          accountId,
          fromUserId: m.fromUserId,
          groupId: m.groupId,
          messageId: m.messageId || undefined,
          dedupKey: m.dedupKey,
          contextToken: m.contextToken,
          createTimeMs: m.createTimeMs,
          items: m.items,
          state: m.refusedReason === undefined ? "pending" : "refused",
          stateReason: m.refusedReason,
          receivedAtMs: atMs,
        }),
      );
    },
    setState(id, state, reason) {
      const res = d
        .stmt("UPDATE inbound SET state = ?, state_reason = ? WHERE id = ?")
        .run(state, reason ?? null, id);
      if (res.changes === 0) {
        throw new StoreError("NOT_FOUND", `inbound message ${id} does not exist; it may have been pruned`);
      }
    },
    replaceItems(id, items) {
      const res = d.stmt("UPDATE inbound SET items = ? WHERE id = ?").run(JSON.stringify(items), id);
      if (res.changes === 0) {
        throw new StoreError("NOT_FOUND", `inbound message ${id} does not exist; it may have been pruned`);
      }
    },
    unfinished(accountId) {
      const rows = d
        .stmt("SELECT * FROM inbound WHERE account_id = ? AND state IN ('pending', 'processing') ORDER BY id")
        .all(accountId) as Row[];
      return rows.map(toInbound);
    },
    get,
    byMessageId(accountId, messageId) {
      // A message with a server id is stored under the dedup key of that id.
      const row = d
        .stmt("SELECT * FROM inbound WHERE account_id = ? AND dedup_key = ?")
        .get(accountId, dedupKey({ message_id: messageId })) as Row | undefined;
      return row ? toInbound(row) : undefined;
    },
    list(filter) {
      const w = whereClause([
        ["account_id = ?", filter.accountId],
        ["from_user_id = ?", filter.userId],
        ["received_at_ms >= ?", filter.sinceMs],
      ]);
      const rows = d
        .stmt(`SELECT * FROM inbound ${w.sql} ORDER BY id DESC LIMIT ?`)
        .all(...w.params, limitValue(filter.limit)) as Row[];
      return rows.map(toInbound);
    },
    countByState(accountId, state) {
      const row = d
        .stmt(
          state === "pending" || state === "processing"
            ? // The open states' partial index applies only where the query names them literally.
              "SELECT COUNT(*) AS n FROM inbound WHERE account_id = ? AND state IN ('pending', 'processing') AND state = ?"
            : "SELECT COUNT(*) AS n FROM inbound WHERE account_id = ? AND state = ?",
        )
        .get(accountId, state) as Row;
      return Number(row.n);
    },
  };
}
