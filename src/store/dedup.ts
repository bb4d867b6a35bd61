/**
 * Inbound dedup keys for the store: the keys themselves are the SDK's (`ilink/dedup.ts`, shared with
 * `Bot`); here a wire message becomes the row `InboundStore.recordPoll` takes.
 */
import { dedupKey } from "../ilink/dedup.js";
import type { WeixinMessage } from "../ilink/wire.js";
import type { NewInbound } from "./types.js";

export { contentKey, dedupKey } from "../ilink/dedup.js";
export { canonicalJson } from "../shared/canonical-json.js";

/**
 * A wire message as `InboundStore.recordPoll` takes it. A missing sender becomes "" (the gateway
 * decides whether to refuse such a message); an empty `message_id` is left out.
 */
export function toNewInbound(msg: WeixinMessage): NewInbound {
  return {
    fromUserId: msg.from_user_id ?? "",
    groupId: msg.group_id || undefined,
    messageId: msg.message_id || undefined,
    dedupKey: dedupKey(msg),
    contextToken: msg.context_token || undefined,
    createTimeMs: msg.create_time_ms,
    items: msg.item_list ?? [],
  };
}
