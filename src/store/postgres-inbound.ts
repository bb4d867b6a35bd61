/**
 * Inbound messages and the poll cursor on PostgreSQL. `recordPoll` inserts the new messages and
 * saves the cursor in one transaction, as on SQLite (sqlite-inbound.ts).
 */
import type { Async } from "./async.js";
import { dedupKey } from "./dedup.js";
import { StoreError } from "./errors.js";
import { type Pq, pgLimit, pgWhere } from "./postgres-db.js";
import { toInbound } from "./sqlite-inbound.js";
import type { CursorStore, InboundMessage, InboundStore, NewInbound } from "./types.js";

function saveCursor(q: Pq, accountId: string, cursor: string, atMs: number): Promise<number> {
  return q.run(
    `INSERT INTO cursors (account_id, cursor, updated_at_ms) VALUES ($1, $2, $3)
     ON CONFLICT (account_id) DO UPDATE SET cursor = excluded.cursor, updated_at_ms = excluded.updated_at_ms`,
    [accountId, cursor, atMs],
  );
}

export function createPgCursorStore(q: Pq): Async<CursorStore> {
  return {
    async get(accountId) {
      const row = await q.one("SELECT cursor FROM cursors WHERE account_id = $1", [accountId]);
      return row ? String(row.cursor) : "";
    },
    async set(accountId, cursor) {
      await saveCursor(q, accountId, cursor, q.now());
    },
  };
}

/** The first key of recordPoll's per-account advisory lock ("wxin"). */
const RECORD_POLL_LOCK = 0x7778696e;

const gone = (id: number) =>
  new StoreError("NOT_FOUND", `inbound message ${id} does not exist; it may have been pruned`);

export function createPgInboundStore(q: Pq): Async<InboundStore> {
  const insert = (t: Pq, accountId: string, m: NewInbound, atMs: number) =>
    // ON CONFLICT names the dedup key only: any other constraint failure still throws and rolls
    // the whole poll back.
    t.one(
      `INSERT INTO inbound (account_id, from_user_id, group_id, message_id, dedup_key, context_token,
                            create_time_ms, items, state, state_reason, received_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (account_id, dedup_key) DO NOTHING
       RETURNING *`,
      [
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
      ],
    );

  return {
    recordPoll: (accountId, cursor, messages, atMs) =>
      q.tx(async (t) => {
        // One poll of an account at a time: two writers inserting overlapping batches in different
        // orders would deadlock on the dedup index (and interleave their ids, which are the replay
        // order). With leases only one node polls an account; this makes it safe regardless.
        await t.one("SELECT pg_advisory_xact_lock($1, hashtext($2))", [RECORD_POLL_LOCK, accountId]);
        const fresh: InboundMessage[] = [];
        for (const m of messages) {
          const row = await insert(t, accountId, m, atMs);
          if (row) fresh.push(toInbound(row));
        }
        // An empty cursor means "no change" on the wire; never overwrite a good one with it.
        if (cursor) await saveCursor(t, accountId, cursor, atMs);
        return fresh;
      }),
    async setState(id, state, reason) {
      const n = await q.run("UPDATE inbound SET state = $1, state_reason = $2 WHERE id = $3", [
        state,
        reason ?? null,
        id,
      ]);
      if (n === 0) throw gone(id);
    },
    async replaceItems(id, items) {
      const n = await q.run("UPDATE inbound SET items = $1 WHERE id = $2", [JSON.stringify(items), id]);
      if (n === 0) throw gone(id);
    },
    async unfinished(accountId) {
      const rows = await q.rows(
        "SELECT * FROM inbound WHERE account_id = $1 AND state IN ('pending', 'processing') ORDER BY id",
        [accountId],
      );
      return rows.map(toInbound);
    },
    async get(id) {
      const row = await q.one("SELECT * FROM inbound WHERE id = $1", [id]);
      return row ? toInbound(row) : undefined;
    },
    async byMessageId(accountId, messageId) {
      // A message with a server id is stored under the dedup key of that id.
      const row = await q.one("SELECT * FROM inbound WHERE account_id = $1 AND dedup_key = $2", [
        accountId,
        dedupKey({ message_id: messageId }),
      ]);
      return row ? toInbound(row) : undefined;
    },
    async list(filter) {
      const w = pgWhere([
        ["account_id = ?", filter.accountId],
        ["from_user_id = ?", filter.userId],
        ["received_at_ms >= ?", filter.sinceMs],
      ]);
      const rows = await q.rows(`SELECT * FROM inbound ${w.sql} ORDER BY id DESC LIMIT $${w.next}`, [
        ...w.params,
        pgLimit(filter.limit),
      ]);
      return rows.map(toInbound);
    },
    async countByState(accountId, state) {
      const row = await q.one("SELECT COUNT(*) AS n FROM inbound WHERE account_id = $1 AND state = $2", [
        accountId,
        state,
      ]);
      return Number(row?.n ?? 0);
    },
  };
}
