/**
 * Quotes that carry only an id. Older WeChat clients put the quoted content inline (`ref_msg.title`,
 * `ref_msg.message_item`); newer ones may send just `ref_msg.svr_id`, the server id of the quoted
 * message (docs/protocol.md §6.3, §14). The gateway already keeps every message both ways, so the
 * quote is restored from the store: a message the contact sent (inbound, by its `message_id`) or
 * a bubble we sent (outbound, by the `message_id` sendmessage returned). `partial_text` (a quoted
 * fragment) narrows the text to the fragment. A quote resolves only inside the conversation it is
 * quoted in (same account, same contact, same group): an id names nothing of another contact's.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import type { MediaRef, QuotedMessage } from "../agent/types.js";
import { mediaKindFromFileName } from "../ilink/mime.js";
import type { PartialText } from "../ilink/wire.js";
import type { AsyncStore } from "../store/async.js";
import type { InboundMessage, OutboundMessage } from "../store/types.js";
import { conversationKey, describeContent, quoteOf } from "./inbound.js";
import { inboundMediaDir } from "./media/inbound.js";

/** What the agent is told when the quoted message is not in the store (older than our records). */
export const QUOTE_NOT_FOUND = "[the quoted message is not in wxagent's records, so its content is unknown]";

/** Longest quoted text handed on; a quote is context, not the message. */
const MAX_QUOTE_CHARS = 4000;

export interface QuoteSources {
  inbound: Pick<AsyncStore["inbound"], "byMessageId" | "get">;
  outbound: Pick<AsyncStore["outbound"], "byServerMessageId">;
}

/** The quote of a message whose first `ref_msg` names its target by id only, restored from the store. */
export async function restoreQuote(
  store: QuoteSources,
  message: Pick<InboundMessage, "accountId" | "fromUserId" | "groupId" | "items">,
  options: { mediaDir?: string } = {},
): Promise<QuotedMessage | undefined> {
  // The quote is the first item with a ref_msg (§6.3); one with inline content needs no lookup.
  const item = message.items.find((i) => i.ref_msg);
  const ref = item?.ref_msg;
  if (!item || !ref || quoteOf(item) !== undefined) return undefined;
  const id = ref.svr_id ?? ref.message_item?.msg_id;
  if (!id) return undefined;
  const here = conversationKey(message.accountId, message.fromUserId, message.groupId);
  const inbound = await store.inbound.byMessageId(message.accountId, String(id));
  if (inbound && conversationKey(inbound.accountId, inbound.fromUserId, inbound.groupId) === here) {
    return fromInbound(inbound, ref.partial_text, options.mediaDir);
  }
  const outbound = await store.outbound.byServerMessageId(message.accountId, String(id));
  if (outbound && (await outboundConversation(store, outbound)) === here)
    return fromOutbound(outbound, ref.partial_text);
  // Another conversation's message reads exactly like a missing one: nothing of it leaks.
  return { text: QUOTE_NOT_FOUND };
}

/** The conversation a bubble we sent belongs to: that of the message it answered, else its addressee. */
async function outboundConversation(store: QuoteSources, o: OutboundMessage): Promise<string> {
  const answered = o.inboundId === undefined ? undefined : await store.inbound.get(o.inboundId);
  return answered
    ? conversationKey(answered.accountId, answered.fromUserId, answered.groupId)
    : conversationKey(o.accountId, o.toUserId);
}

function fromInbound(m: InboundMessage, partial: PartialText | undefined, mediaDir?: string): QuotedMessage {
  const content = describeContent(m, MAX_QUOTE_CHARS);
  const q: QuotedMessage = {};
  if (content.text) q.text = partial ? selectPartial(content.text, partial) : content.text;
  const media = content.media[0];
  if (media) {
    // Inbound media was saved under the message's own directory when it arrived.
    const path = mediaDir ? firstFile(inboundMediaDir(mediaDir, m.accountId, m.id)) : undefined;
    q.media = path ? { ...media, path } : { ...media, error: "the quoted media is no longer kept" };
  }
  return q.text !== undefined || q.media !== undefined ? q : { text: QUOTE_NOT_FOUND };
}

function fromOutbound(o: OutboundMessage, partial: PartialText | undefined): QuotedMessage {
  if (o.kind === "text") {
    const text = (o.text ?? "").slice(0, MAX_QUOTE_CHARS);
    return { text: partial ? selectPartial(text, partial) : text };
  }
  const path = o.filePath ?? "";
  const name = basename(path);
  const media: MediaRef = existsSync(path)
    ? { kind: mediaKindFromFileName(name), name, path }
    : {
        kind: mediaKindFromFileName(name),
        name,
        error: "the quoted file is no longer at the path it was sent from",
      };
  return o.caption ? { text: o.caption, media } : { media };
}

function firstFile(dir: string): string | undefined {
  try {
    const name = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort()[0];
    return name === undefined ? undefined : join(dir, name);
  } catch {
    return undefined;
  }
}

/**
 * The fragment `partial_text` selects (§6.3): from the `startindex`-th occurrence of `start` to the
 * `endindex`-th occurrence of `end`, the latter counted (a) across the whole text or (b) from just
 * after the start match. With `quotemd5` the candidate whose MD5 matches wins (none: the whole
 * text); without it, the first candidate. No candidate: the whole text.
 */
export function selectPartial(text: string, partial: PartialText): string {
  // Wire data: anything may arrive in these fields.
  const { start, end } = partial;
  if (typeof start !== "string" || typeof end !== "string" || !start || !end) return text;
  const s = nthIndexOf(text, start, indexOf(partial.startindex), 0);
  if (s < 0) return text;
  const candidates: string[] = [];
  const add = (e: number): void => {
    if (e < s) return;
    const c = text.slice(s, e + end.length);
    if (!candidates.includes(c)) candidates.push(c);
  };
  add(nthIndexOf(text, end, indexOf(partial.endindex), 0));
  add(nthIndexOf(text, end, indexOf(partial.endindex), s + start.length));
  if (typeof partial.quotemd5 === "string" && partial.quotemd5 !== "") {
    const want = partial.quotemd5.toLowerCase();
    return candidates.find((c) => createHash("md5").update(c, "utf8").digest("hex") === want) ?? text;
  }
  return candidates[0] ?? text;
}

/** A 0-based occurrence index from the wire: a non-negative integer, else 0. */
function indexOf(v: unknown): number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? Math.min(v, 10_000) : 0;
}

function nthIndexOf(text: string, needle: string, n: number, from: number): number {
  let at = from - 1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) return -1;
  }
  return at;
}
