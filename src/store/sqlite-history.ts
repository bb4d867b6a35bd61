/**
 * History retention: deletes finished messages past an account's age or count limit, one small
 * batch at a time, oldest first. Only finished rows go: an inbound message still pending or
 * processing, or one whose reply still waits in the outbox, is kept; so is every outbound bubble
 * not yet sent (pending or deferred). The caller (gateway/retention.ts) removes media files.
 */
import type { Db, Row } from "./sqlite-db.js";
import type { HistoryStore, PruneBatch, PruneRule } from "./types.js";

const FINISHED_INBOUND = "'done', 'failed', 'refused'";
const FINISHED_OUTBOUND = "'sent', 'failed'";

export function createHistoryStore(d: Db): HistoryStore {
  return {
    olderId(table, accountId, belowId, n) {
      // Walks n entries of the (account_id, id) index from belowId down; no table rows are read.
      const row = d
        .stmt(`SELECT id FROM ${table} WHERE account_id = ? AND id < ? ORDER BY id DESC LIMIT 1 OFFSET ?`)
        .get(accountId, belowId, Math.max(0, Math.floor(n) - 1)) as Row | undefined;
      return row ? Number(row.id) : undefined;
    },
    pruneBatch(accountId: string, rule: PruneRule, limit: number): PruneBatch {
      const cut = rule.cutoffs ?? { inboundId: 0, outboundId: 0 };
      const beforeMs = rule.beforeMs ?? Number.NEGATIVE_INFINITY;
      const take = Math.max(1, Math.floor(limit));
      /**
       * Finished rows the rule no longer keeps, oldest first: the (account_id, id) index walked from
       * the oldest row, where nearly every row is finished, until `take` are found.
       */
      const oldest = (sql: string, cutId: number): number[] =>
        (d.stmt(sql).all(accountId, cutId, beforeMs, take) as Row[]).map((r) => Number(r.id));
      const inboundIds = oldest(
        `SELECT id FROM inbound
         WHERE account_id = ? AND state IN (${FINISHED_INBOUND}) AND (id <= ? OR received_at_ms < ?)
           AND NOT EXISTS (SELECT 1 FROM outbound o
                           WHERE o.inbound_id = inbound.id AND o.state IN ('pending', 'deferred'))
         ORDER BY id LIMIT ?`,
        cut.inboundId,
      );
      const outboundIds = oldest(
        `SELECT id FROM outbound
         WHERE account_id = ? AND state IN (${FINISHED_OUTBOUND}) AND (id <= ? OR created_at_ms < ?)
         ORDER BY id LIMIT ?`,
        cut.outboundId,
      );
      const delInbound = d.stmt("DELETE FROM inbound WHERE id = ?");
      const delOutbound = d.stmt("DELETE FROM outbound WHERE id = ?");
      d.db.transaction(() => {
        // Bubbles first: an outbound row names its inbound (ON DELETE SET NULL would rewrite it).
        for (const id of outboundIds) delOutbound.run(id);
        for (const id of inboundIds) delInbound.run(id);
      })();
      return { inboundIds, outbound: outboundIds.length };
    },
  };
}
