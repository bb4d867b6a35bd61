/**
 * Inbound dedup keys. `getupdates` can redeliver a message seconds later, sometimes with an empty
 * `message_id` and sometimes with a NEW one (docs/protocol.md §8.2.12; hermes #16182). So:
 * - `dedupKey`: the server id when there is one, else the content hash (the store keeps it UNIQUE).
 * - `contentKey`: always the content hash, to catch a redelivery under a new id.
 * The SDK's `Bot` and the gateway's poller both use these.
 * The hash covers the sender, the group, the message's `create_time_ms` and the items with their
 * volatile fields removed (ids, per-item times, media download parameters and keys, which the
 * server regenerates on redelivery). Including the message's create time is what keeps a user's
 * genuine repeat ("怎么样了" twice, hermes #36750) from being dropped: a repeat is a new message
 * with a new create time, a redelivery carries the original one.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../shared/canonical-json.js";
import type { WeixinMessage } from "./wire.js";

/** Keys dropped at any depth inside items before hashing. */
const VOLATILE_KEYS: ReadonlySet<string> = new Set([
  "msg_id",
  "create_time_ms",
  "update_time_ms",
  // CDNMedia: download parameters and keys are re-issued on redelivery.
  "encrypt_query_param",
  "full_url",
  "aes_key",
  // ImageItem: the hex key and URL travel with the media and change with it.
  "aeskey",
  "url",
]);

/**
 * The key a message is stored under: `id:<message_id>`, or its content key when it has no id.
 *
 * @example
 * import { dedupKey } from "wxagent/ilink";
 * dedupKey({ message_id: "7", from_user_id: "alice@im.wechat" }); // "id:7"
 */
export function dedupKey(msg: WeixinMessage): string {
  return msg.message_id ? `id:${msg.message_id}` : contentKey(msg);
}

/**
 * The content hash of a message (`hash:<sha256>`): the same for a redelivery, whatever its id.
 *
 * @example
 * import { contentKey } from "wxagent/ilink";
 * const key = contentKey({ from_user_id: "alice@im.wechat", create_time_ms: 1, item_list: [] });
 */
export function contentKey(msg: WeixinMessage): string {
  const basis = canonicalJson(
    {
      from: msg.from_user_id ?? "",
      group: msg.group_id ?? "",
      time: msg.create_time_ms ?? null,
      items: msg.item_list ?? [],
    },
    VOLATILE_KEYS,
  );
  return `hash:${createHash("sha256").update(basis).digest("hex")}`;
}
