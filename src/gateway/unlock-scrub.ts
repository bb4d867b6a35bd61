/**
 * A `/unlock <passphrase>` never reaches the store: the poller replaces the passphrase before the
 * message is written (whatever the sender's admission: a contact not yet admitted is refused
 * later, after its message is stored), and keeps the real text in memory only, beside the row it
 * hands to dispatch. A replay after a restart finds only `/unlock [redacted]` and asks again.
 */
import { type MessageItem, MessageItemType } from "../ilink/wire.js";
import type { InboundMessage, NewInbound } from "../store/types.js";
import { contentKeyOf } from "./inbound.js";

export const REDACTED_UNLOCK = "/unlock [redacted]";

/** `/unlock` with an argument, after at most a short prefix (a group mention such as `@bot `). */
const UNLOCK_WITH_ARG = /^([^\n/]{0,64}?)\/unlock(?:\s+)(\S[\s\S]*)$/iu;

const held = new WeakMap<object, string>();

/** The text without its passphrase, or undefined when it holds none. */
export function scrubUnlockText(text: string): string | undefined {
  const m = UNLOCK_WITH_ARG.exec(text.trimStart());
  if (!m) return undefined;
  return `${m[1] ?? ""}${REDACTED_UNLOCK}`;
}

/**
 * `inbound` with the passphrase of a `/unlock` replaced (in every text item: a client may repeat
 * it), and the original first text when one was replaced. A content-hash dedup key is recomputed,
 * so not even a hash of the passphrase is kept.
 */
export function scrubUnlock(inbound: NewInbound): { inbound: NewInbound; original?: string } {
  let original: string | undefined;
  const items = inbound.items.map((item): MessageItem => {
    if (item.type !== MessageItemType.TEXT) return item;
    const text = item.text_item?.text;
    if (typeof text !== "string") return item;
    const clean = scrubUnlockText(text);
    if (clean === undefined) return item;
    original ??= text;
    return { ...item, text_item: { ...item.text_item, text: clean } };
  });
  if (original === undefined) return { inbound };
  const next: NewInbound = { ...inbound, items };
  if (next.dedupKey.startsWith("hash:")) next.dedupKey = contentKeyOf(next);
  return { inbound: next, original };
}

/** Keep the real text of a scrubbed row in memory, for dispatch. */
export function holdOriginalText(row: InboundMessage, text: string): void {
  held.set(row, text);
}

/** The real text of a scrubbed row, once (it is forgotten when read). */
export function takeOriginalText(row: InboundMessage): string | undefined {
  const text = held.get(row);
  held.delete(row);
  return text;
}
