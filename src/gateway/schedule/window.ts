/**
 * A contact's send window: WeChat lets a bot write to someone only within about 24 h of their last
 * message, and about 10 times per message (field notes §8.2 items 1 and 3). The store knows both:
 * the context token's time is the last inbound message, its send count the quota used.
 */
import type { AsyncStore } from "../../store/async.js";
import { sendsLeftOn } from "../delivery/quota.js";

export const DEFAULT_WINDOW_MS = 24 * 3_600_000;

export interface SendWindow {
  /** When the contact last wrote (undefined: never, or not since a re-login). */
  lastInboundAtMs?: number;
  /** When the bot can no longer write to them (undefined: it cannot now). */
  closesAtMs?: number;
  open: boolean;
  /** Sends left on the current token (0 without one). */
  sendsLeft: number;
  /** Bubbles already waiting in the contact's outbox. */
  outbox: number;
}

export async function sendWindow(
  store: Pick<AsyncStore, "contextTokens" | "outbound">,
  accountId: string,
  userId: string,
  nowMs: number,
  o: { windowMs: number; quotaPerToken: number },
): Promise<SendWindow> {
  const token = await store.contextTokens.get(accountId, userId);
  const outbox = (await store.outbound.deferred(accountId, userId)).length;
  if (!token) return { open: false, sendsLeft: 0, outbox };
  const closesAtMs = token.updatedAtMs + o.windowMs;
  const left = sendsLeftOn(token, o.quotaPerToken) ?? 0;
  return {
    lastInboundAtMs: token.updatedAtMs,
    closesAtMs,
    open: nowMs < closesAtMs,
    sendsLeft: left,
    outbox,
  };
}

/** Why a firing cannot go now, or undefined when it can be tried. */
export function holdReason(w: SendWindow): string | undefined {
  if (w.lastInboundAtMs === undefined)
    return "the contact has not written since the bot could last reach them; held until they write";
  if (!w.open) return "the contact's 24 h window is closed; held until they write again";
  if (w.sendsLeft === 0)
    return "the send quota of the contact's last message is spent; held until they write again";
  return undefined;
}
