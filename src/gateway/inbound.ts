/**
 * From raw `getupdates` elements to rows for the store, and from stored rows to agent input.
 * Everything here is pure: bad input becomes a `skip` with a reason, never a throw.
 */
import { createHash } from "node:crypto";
import type { MediaRef, QuotedMessage } from "../agent/types.js";
import { type MessageItem, MessageItemType, MessageType, type WeixinMessage } from "../ilink/wire.js";
import { MAX_WIRE_DEPTH, nestsDeeperThan } from "../shared/json-depth.js";
import { contentKey, dedupKey } from "../store/dedup.js";
import type { InboundMessage, NewInbound } from "../store/types.js";
import { boundInbound, readCutNote } from "./inbound-bounds.js";

/**
 * `refused`: a message from a contact that cannot be taken (malformed): stored as a `refused` row
 * so it shows in history and status, never dispatched, and the cursor moves past it.
 */
export type Normalized =
  /** `cuts`: what of the message was over the bounds of inbound-bounds.ts and cut (for a warning). */
  | { ok: true; inbound: NewInbound; cuts?: string[] }
  | { ok: false; reason: string; level: "debug" | "warn"; refused?: NewInbound };

/** Validate one element of `msgs`. Only user messages pass; bot echoes are dropped quietly. */
export function normalizeInbound(raw: unknown): Normalized {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: "message is not an object", level: "warn" };
  }
  const head = raw as WeixinMessage;
  if (head.message_type === MessageType.BOT) return { ok: false, reason: "bot echo", level: "debug" };
  // A missing message_type is read as a user message (the official client never checks it).
  if (head.message_type !== undefined && head.message_type !== MessageType.USER) {
    return {
      ok: false,
      reason: `message_type ${String(head.message_type)} is not a user message`,
      level: "warn",
    };
  }
  if (typeof head.from_user_id !== "string" || head.from_user_id === "") {
    return { ok: false, reason: "message has no from_user_id", level: "warn" };
  }
  const longId = overlongId(head);
  if (longId) {
    const reason = `malformed message: its ${longId} is longer than ${MAX_ID_BYTES} bytes (an iLink id is far shorter)`;
    const refused = refusedInbound(raw, reason);
    return refused ? { ok: false, reason, level: "warn", refused } : { ok: false, reason, level: "warn" };
  }
  // Before anything walks it (hash, store, logs): a 20 000-deep array would throw in every one.
  if (nestsDeeperThan(raw, MAX_WIRE_DEPTH)) {
    const reason = `malformed message: nested deeper than ${MAX_WIRE_DEPTH} levels`;
    return { ok: false, reason, level: "warn", refused: refusedInbound(raw, reason) };
  }
  // Before it is hashed, stored or shown to anyone: a message of megabytes costs every contact.
  const { message: m, cuts } = boundInbound(raw as WeixinMessage);
  const items = Array.isArray(m.item_list)
    ? m.item_list.filter((i): i is MessageItem => typeof i === "object" && i !== null)
    : [];
  const messageId = typeof m.message_id === "string" && m.message_id !== "" ? m.message_id : undefined;
  const clean: WeixinMessage = { ...m, item_list: items };
  if (messageId === undefined) delete clean.message_id;
  const inbound: NewInbound = { fromUserId: String(m.from_user_id), dedupKey: dedupKey(clean), items };
  if (messageId) inbound.messageId = messageId;
  if (typeof m.group_id === "string" && m.group_id !== "") inbound.groupId = m.group_id;
  if (typeof m.context_token === "string" && m.context_token !== "") inbound.contextToken = m.context_token;
  const createTimeMs = timeMs(m.create_time_ms);
  if (createTimeMs !== undefined) inbound.createTimeMs = createTimeMs;
  return cuts.length > 0 ? { ok: true, inbound, cuts } : { ok: true, inbound };
}

/**
 * The longest id (`from_user_id`, `group_id`, `message_id`) taken, in UTF-8 bytes. Real ones are
 * a few dozen characters. Ids are keys the store indexes, and PostgreSQL refuses an index entry
 * over about 2.7 KB: one server-sent id of 4096 CJK characters made every write of its poll fail,
 * so the account retried that poll for ever.
 */
export const MAX_ID_BYTES = 512;

const ID_FIELDS = ["from_user_id", "group_id", "message_id"] as const;

/** The first id field of `m` over MAX_ID_BYTES, if any. */
function overlongId(m: WeixinMessage): (typeof ID_FIELDS)[number] | undefined {
  return ID_FIELDS.find((k) => {
    const v = m[k];
    // Below the bound in characters is below it in bytes too only for ASCII: measure the rest.
    return typeof v === "string" && v.length > MAX_ID_BYTES / 3 && Buffer.byteLength(v) > MAX_ID_BYTES;
  });
}

/**
 * A time in milliseconds as the store keeps it: a safe integer, 0 or more. Anything else (1.5,
 * -1, 2^64, NaN as a string) is read as no time at all: the store's integer column refuses it.
 */
function timeMs(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/**
 * The record of a message that was refused as malformed: only its top-level scalars are read (so
 * this cannot throw on any input), no items are kept. Keyed by its server id when it has one (a
 * redelivery is dropped), else by a hash of sender, group, time and seq. Undefined without a sender
 * (or with one too long to be an id); an overlong group or message id is left out.
 */
export function refusedInbound(raw: unknown, reason: string): NewInbound | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const str = (v: unknown): string | undefined =>
    typeof v === "string" && v !== "" && Buffer.byteLength(v) <= MAX_ID_BYTES ? v : undefined;
  const num = (v: unknown): number | undefined =>
    typeof v === "number" && Number.isFinite(v) ? v : undefined;
  const fromUserId = str(m.from_user_id);
  if (fromUserId === undefined) return undefined;
  const messageId = str(m.message_id);
  const groupId = str(m.group_id);
  const createTimeMs = timeMs(m.create_time_ms);
  const basis = JSON.stringify([fromUserId, groupId ?? "", createTimeMs ?? null, num(m.seq) ?? null]);
  const row: NewInbound = {
    fromUserId,
    dedupKey: messageId
      ? dedupKey({ message_id: messageId })
      : `refused:${createHash("sha256").update(basis).digest("hex")}`,
    items: [],
    refusedReason: reason,
  };
  if (messageId) row.messageId = messageId;
  if (groupId) row.groupId = groupId;
  if (createTimeMs !== undefined) row.createTimeMs = createTimeMs;
  return row;
}

/** The store's content hash of a message (a redelivery under a new or empty id has the same one). */
export function contentKeyOf(
  m: Pick<NewInbound, "fromUserId" | "groupId" | "createTimeMs" | "items">,
): string {
  const wire: WeixinMessage = { from_user_id: m.fromUserId, item_list: m.items };
  if (m.groupId !== undefined) wire.group_id = m.groupId;
  if (m.createTimeMs !== undefined) wire.create_time_ms = m.createTimeMs;
  return contentKey(wire);
}

/** The conversation a message belongs to: the group when there is one, else the sender. */
export function conversationKey(accountId: string, fromUserId: string, groupId?: string): string {
  return groupId ? `${accountId}\u0000g:${groupId}` : `${accountId}\u0000u:${fromUserId}`;
}

/** Text of the first TEXT item (the one slash commands are read from, docs/protocol.md §11). */
export function firstText(items: readonly MessageItem[]): string | undefined {
  for (const item of items) {
    if (item.type === MessageItemType.TEXT && typeof item.text_item?.text === "string")
      return item.text_item.text;
  }
  return undefined;
}

/** A copy of the message whose first TEXT item reads `text` (the policy removed a group mention). */
export function withFirstText<M extends Pick<InboundMessage, "items">>(message: M, text: string): M {
  let done = false;
  const items = message.items.map((item) => {
    if (done || item.type !== MessageItemType.TEXT || typeof item.text_item?.text !== "string") return item;
    done = true;
    return { ...item, text_item: { ...item.text_item, text } };
  });
  return { ...message, items };
}

const KNOWN_TYPES = new Set<number>(Object.values(MessageItemType));

export interface TurnContent {
  text: string;
  media: MediaRef[];
  quote?: QuotedMessage;
  /** Item types we do not understand, for one clear log line. */
  unknownTypes: number[];
  truncatedChars: number;
}

/** Build the agent-facing text, media and quote of a stored message. Texts over `maxTextChars` are cut. */
export function describeContent(msg: Pick<InboundMessage, "items">, maxTextChars: number): TurnContent {
  const texts: string[] = [];
  const media: MediaRef[] = [];
  const unknownTypes: number[] = [];
  let quote: QuotedMessage | undefined;
  // Characters cut when the message came in (inbound-bounds.ts), added to the count below.
  let cutBefore = 0;
  const addText = (t: string) => {
    const read = readCutNote(t);
    cutBefore += read.cutChars;
    texts.push(read.text);
  };
  for (const item of msg.items) {
    const type = item.type ?? 0;
    if (item.ref_msg && !quote) quote = quoteOf(item);
    if (type === MessageItemType.TEXT) {
      if (typeof item.text_item?.text === "string") addText(item.text_item.text);
      continue;
    }
    const ref = mediaOf(item);
    if (ref) {
      media.push(ref);
      if (ref.kind === "voice" && ref.transcript) addText(ref.transcript);
      continue;
    }
    if (!KNOWN_TYPES.has(type) || type === MessageItemType.NONE) {
      unknownTypes.push(type);
      texts.push(`[unsupported message item type ${type}]`);
    }
  }
  let text = texts.join("\n");
  let truncatedChars = cutBefore;
  if (text.length > maxTextChars) {
    truncatedChars += text.length - maxTextChars;
    text = text.slice(0, maxTextChars);
  }
  if (truncatedChars > 0)
    text = `${text}\n[… ${truncatedChars} more characters cut: the message was too long]`;
  const out: TurnContent = { text, media, unknownTypes, truncatedChars };
  if (quote) out.quote = quote;
  return out;
}

/** A media item as the agent sees it before any download (the gateway may fill `path` later). */
export function mediaOf(item: MessageItem): MediaRef | undefined {
  switch (item.type) {
    case MessageItemType.IMAGE: {
      const ref: MediaRef = { kind: "image", mime: "image/*" };
      const size = item.image_item?.hd_size ?? item.image_item?.mid_size;
      if (typeof size === "number") ref.size = size;
      return ref;
    }
    case MessageItemType.FILE: {
      const ref: MediaRef = { kind: "file" };
      if (item.file_item?.file_name) ref.name = item.file_item.file_name;
      const len = Number(item.file_item?.len);
      if (Number.isFinite(len) && len >= 0 && item.file_item?.len !== undefined) ref.size = len;
      return ref;
    }
    case MessageItemType.VIDEO: {
      const ref: MediaRef = { kind: "video", mime: "video/mp4" };
      if (typeof item.video_item?.video_size === "number") ref.size = item.video_item.video_size;
      return ref;
    }
    case MessageItemType.VOICE: {
      const ref: MediaRef = { kind: "voice" };
      if (item.voice_item?.text) ref.transcript = item.voice_item.text;
      return ref;
    }
    default:
      return undefined;
  }
}

/**
 * The quote an item carries inline (older clients: `ref_msg.title` and `ref_msg.message_item`),
 * or undefined when it carries none, e.g. only `ref_msg.svr_id` (see quotes.ts).
 */
export function quoteOf(item: MessageItem): QuotedMessage | undefined {
  const ref = item.ref_msg;
  if (!ref) return undefined;
  const q: QuotedMessage = {};
  const inner = ref.message_item;
  const parts = [ref.title, inner?.text_item?.text].filter(
    (p): p is string => typeof p === "string" && p !== "",
  );
  if (parts.length > 0) q.text = parts.join(" | ");
  const m = inner ? mediaOf(inner) : undefined;
  if (m) q.media = m;
  return q.text !== undefined || q.media !== undefined ? q : undefined;
}
