/**
 * Inbound dedup keys. `getupdates` can redeliver a message seconds later, sometimes with an empty
 * `message_id` and sometimes with a NEW one (field notes §12; hermes #16182). So:
 * - `dedupKey`: the server id when there is one, else the content hash. Stored UNIQUE per account.
 * - `contentKey`: always the content hash, for the gateway to catch a redelivery under a new id.
 * The hash covers the sender, the group, the message's `create_time_ms` and the items with their
 * volatile fields removed (ids, per-item times, media download parameters and keys, which the
 * server regenerates on redelivery). Including the message's create time is what keeps a user's
 * genuine repeat ("怎么样了" twice, hermes #36750) from being dropped: a repeat is a new message
 * with a new create time, a redelivery carries the original one.
 */
import { createHash } from "node:crypto";
import type { WeixinMessage } from "../ilink/wire.js";
import type { NewInbound } from "./types.js";

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

export function dedupKey(msg: WeixinMessage): string {
  return msg.message_id ? `id:${msg.message_id}` : contentKey(msg);
}

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

export function contentKey(msg: WeixinMessage): string {
  const basis = canonicalJson({
    from: msg.from_user_id ?? "",
    group: msg.group_id ?? "",
    time: msg.create_time_ms ?? null,
    items: (msg.item_list ?? []).map(strip),
  });
  return `hash:${createHash("sha256").update(basis).digest("hex")}`;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!VOLATILE_KEYS.has(k) && v !== undefined) out[k] = strip(v);
    }
    return out;
  }
  return value;
}

/** JSON with object keys sorted at every depth, so field order on the wire never matters. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
