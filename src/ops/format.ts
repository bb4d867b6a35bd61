/**
 * Stored rows as the plain JSON an MCP client or a REST caller reads: snake_case, ISO times beside
 * the epoch milliseconds, message items reduced to text and media descriptions. Context tokens,
 * bot tokens and AES keys never appear here.
 */
import { itemMedia } from "../ilink/inbound-media.js";
import { type MessageItem, MessageItemType } from "../ilink/wire.js";
import type { AsyncStore } from "../store/async.js";
import type { InboundMessage, OutboundMessage } from "../store/types.js";
import { iso } from "./json.js";
import { optionalAccount } from "./resolve.js";

export interface MediaDescription {
  /** Index into the message's items: pass it to `download_media` as `item_index`. */
  item_index: number;
  kind: "image" | "video" | "file" | "voice";
  name?: string;
  size_bytes?: number;
  /** WeChat's own transcript of a voice message. */
  transcript?: string;
  /** How long a voice message plays, as WeChat reports it. */
  duration_ms?: number;
  /** False for a voice message that carries no audio (only a transcript, or nothing): `download_media` has nothing to fetch. */
  downloadable?: false;
}

export interface MessageView {
  /** Store id: pass it to `download_media`, or as `after_id` to `wait_for_messages`. */
  id: number;
  account: string;
  direction: "in" | "out";
  /** The contact (sender of an inbound message, recipient of an outbound one). */
  contact: string;
  group?: string;
  text: string;
  media: MediaDescription[];
  at: string;
  at_ms: number;
  /** Outbound only: pending, sent, failed or deferred (waiting in the outbox). */
  state?: string;
  /** Why a message was refused, failed or deferred. */
  note?: string;
}

export { iso } from "./json.js";

function describeItem(item: MessageItem, index: number): { text?: string; media?: MediaDescription } {
  if (item.type === MessageItemType.TEXT) return { text: item.text_item?.text ?? "" };
  const found = itemMedia(item);
  if (item.type === MessageItemType.VOICE) {
    const transcript = item.voice_item?.text;
    const out: { text?: string; media?: MediaDescription } = {};
    // The transcript is what a model can use; a voice message is listed even without audio (it
    // was sent, and shows as a voice bubble), flagged when there is nothing to download.
    if (transcript) out.text = `[voice] ${transcript}`;
    const playtime = item.voice_item?.playtime;
    out.media = {
      item_index: index,
      kind: "voice",
      ...(transcript ? { transcript } : {}),
      ...(typeof playtime === "number" && playtime > 0 ? { duration_ms: playtime } : {}),
      ...(found ? {} : { downloadable: false as const }),
    };
    return out;
  }
  if (!found) return {};
  const media: MediaDescription = { item_index: index, kind: found.kind };
  if (item.type === MessageItemType.FILE) {
    if (item.file_item?.file_name) media.name = item.file_item.file_name;
    const len = Number(item.file_item?.len);
    if (Number.isFinite(len) && len > 0) media.size_bytes = len;
  }
  return { media };
}

export function inboundView(m: InboundMessage): MessageView {
  const texts: string[] = [];
  const media: MediaDescription[] = [];
  m.items.forEach((item, i) => {
    const d = describeItem(item, i);
    if (d.text !== undefined) texts.push(d.text);
    if (d.media) media.push(d.media);
  });
  const v: MessageView = {
    id: m.id,
    account: m.accountId,
    direction: "in",
    contact: m.fromUserId,
    text: texts.join("\n"),
    media,
    at: iso(m.receivedAtMs) as string,
    at_ms: m.receivedAtMs,
  };
  if (m.groupId) v.group = m.groupId;
  if (m.stateReason && (m.state === "refused" || m.state === "failed")) v.note = m.stateReason;
  return v;
}

export function outboundView(m: OutboundMessage): MessageView {
  const at = m.sentAtMs ?? m.createdAtMs;
  const v: MessageView = {
    id: m.id,
    account: m.accountId,
    direction: "out",
    contact: m.toUserId,
    text: m.kind === "text" ? (m.text ?? "") : "",
    media: [],
    at: iso(at) as string,
    at_ms: at,
    state: m.state,
  };
  if (m.kind === "file" && m.filePath) {
    v.media.push({ item_index: 0, kind: "file", name: m.filePath.split(/[\\/]/).pop() ?? m.filePath });
  }
  if (m.lastError && m.state !== "sent") v.note = m.lastError;
  return v;
}

export interface MessageFilter {
  /** An account id (an unknown one is UNKNOWN_ACCOUNT); default every account. */
  account?: string;
  contact?: string;
  sinceMs?: number;
  direction?: "in" | "out";
  limit: number;
}

/** The most recent `limit` messages, oldest first: `recent_messages` and `wxagent history`. */
export async function listMessages(
  store: Pick<AsyncStore, "accounts" | "inbound" | "outbound">,
  f: MessageFilter,
): Promise<MessageView[]> {
  const account = await optionalAccount(store, f.account);
  const filter = {
    ...(account ? { accountId: account.id } : {}),
    ...(f.contact ? { userId: f.contact } : {}),
    ...(f.sinceMs !== undefined ? { sinceMs: f.sinceMs } : {}),
    limit: f.limit,
  };
  const views: MessageView[] = [];
  if (f.direction !== "out") views.push(...(await store.inbound.list(filter)).map(inboundView));
  if (f.direction !== "in") views.push(...(await store.outbound.list(filter)).map(outboundView));
  views.sort((a, b) => b.at_ms - a.at_ms || b.id - a.id);
  return views.slice(0, f.limit).reverse();
}
