/**
 * The SDK's durable inbox (`durable({ store })` of `wxagent/ilink`) on wxagent's store: a `Bot`
 * records each message as an inbound row of `accountId` (deduplicated by the store's unique
 * dedupKey, as the gateway's are), marks it done once its handlers ended, and replays the
 * unfinished rows on the next start. The SDK itself never loads this file, nor better-sqlite3.
 */
import type { DurableInbox, InboxEntry } from "../ilink/durable.js";
import { MessageType, type WeixinMessage } from "../ilink/wire.js";
import { type AsyncStore, toAsyncStore } from "./async.js";
import { toNewInbound } from "./dedup.js";
import type { InboundMessage, Store } from "./types.js";

export interface StoreBotInboxOptions {
  now?: () => number;
}

/** A `DurableInbox` over `store` (a SQLite one is wrapped with `toAsyncStore`), for the bot of `accountId`. */
export function storeBotInbox(
  store: Store | AsyncStore,
  accountId: string,
  options: StoreBotInboxOptions = {},
): DurableInbox {
  const db = toAsyncStore(store);
  const now = options.now ?? Date.now;
  return {
    async record(message) {
      const [row] = await db.inbound.recordPoll(accountId, undefined, [toNewInbound(message)], now());
      await db.durable();
      return row?.state === "pending" ? String(row.id) : undefined;
    },
    async markDone(id) {
      await db.inbound.setState(Number(id), "done");
    },
    async unfinished(): Promise<InboxEntry[]> {
      return (await db.inbound.unfinished(accountId)).map((row) => ({
        id: String(row.id),
        message: wireOf(row),
      }));
    },
  };
}

/** The stored row as the wire message it came from (the fields handlers read). */
function wireOf(row: InboundMessage): WeixinMessage {
  const m: WeixinMessage = {
    message_type: MessageType.USER,
    from_user_id: row.fromUserId,
    item_list: row.items,
  };
  if (row.groupId !== undefined) m.group_id = row.groupId;
  if (row.messageId !== undefined) m.message_id = row.messageId;
  if (row.contextToken !== undefined) m.context_token = row.contextToken;
  if (row.createTimeMs !== undefined) m.create_time_ms = row.createTimeMs;
  return m;
}
