/**
 * Inbound dedup keys. `getupdates` can redeliver a message seconds later, sometimes with an empty
 * `message_id` and sometimes with a NEW one (docs/protocol.md §8.2.12; hermes #16182). So:
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

/**
 * JSON with object keys sorted at every depth, so field order on the wire never matters; keys in
 * `drop` are left out at any depth, as are undefined values. Iterative (an explicit stack): a
 * message nested 20 000 deep costs time, never the stack (the gateway refuses such a message before
 * it gets here; this holds without that too).
 */
export function canonicalJson(value: unknown, drop: ReadonlySet<string> = new Set()): string {
  const out: string[] = [];
  // Work items: a value still to write, or literal text (brackets, commas, keys).
  const stack: ({ v: unknown } | string)[] = [{ v: value }];
  for (let task = stack.pop(); task !== undefined; task = stack.pop()) {
    if (typeof task === "string") {
      out.push(task);
      continue;
    }
    const v = task.v;
    if (Array.isArray(v)) {
      out.push("[");
      stack.push("]");
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i] });
        if (i > 0) stack.push(",");
      }
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v)
        .filter(([k, x]) => x !== undefined && !drop.has(k))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      out.push("{");
      stack.push("}");
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i] as [string, unknown];
        stack.push({ v: x }, `${JSON.stringify(k)}:`);
        if (i > 0) stack.push(",");
      }
    } else {
      out.push(JSON.stringify(v) ?? "null");
    }
  }
  return out.join("");
}
