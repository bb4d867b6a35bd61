/**
 * Delivery's types and limits: what a reply is, what came of it, the knobs, and the two-step
 * record-then-send shape (delivery.ts builds the delivery on them).
 */
import type { Lang } from "../../shared/i18n.js";
import type { AsyncStore } from "../../store/async.js";
import type { OutboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import type { Clock } from "./clock.js";
import { DEFAULT_PROGRESS_RESERVE, DEFAULT_QUOTA_PER_TOKEN } from "./quota.js";
import { DEFAULT_RETRY_DELAYS_MS, DEFAULT_SPACING_MS, DEFAULT_THROTTLE_DELAYS_MS } from "./sender.js";
import { DEFAULT_CHUNK_CHARS } from "./split.js";
import type { TransportSource } from "./transport.js";
import { DEFAULT_TYPING_REFRESH_MS, DEFAULT_TYPING_START_AFTER_MS, type TypingController } from "./typing.js";

export interface DeliveryLimits {
  /** Max code points per text bubble (default 2000). */
  chunkChars: number;
  /** Min gap between two bubbles to one contact (default 1000 ms). */
  spacingMs: number;
  /** Sends allowed per context token (default 10). */
  quotaPerToken: number;
  /** Free slots a progress note must leave (default 2: the reply's first bubble and the note). */
  progressReserve: number;
  /** Waits before retrying a retryable failure (network, 5xx); then the bubble is marked failed. */
  retryDelaysMs: readonly number[];
  /** Waits after -2 on an account; when spent, the bubble goes to the outbox. */
  throttleDelaysMs: readonly number[];
  typingStartAfterMs: number;
  typingRefreshMs: number;
  /**
   * How long after a contact's last message the bot may still write to them (WeChat: 24 h,
   * field notes §11). A question to someone whose window has closed is held at once instead of
   * being tried: each try draws -2, whose back-off holds the whole account's sends.
   */
  windowMs: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = {
  chunkChars: DEFAULT_CHUNK_CHARS,
  spacingMs: DEFAULT_SPACING_MS,
  quotaPerToken: DEFAULT_QUOTA_PER_TOKEN,
  progressReserve: DEFAULT_PROGRESS_RESERVE,
  retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
  throttleDelaysMs: DEFAULT_THROTTLE_DELAYS_MS,
  typingStartAfterMs: DEFAULT_TYPING_START_AFTER_MS,
  typingRefreshMs: DEFAULT_TYPING_REFRESH_MS,
  windowMs: 24 * 3_600_000,
};

export interface DeliveryOptions {
  store: Pick<AsyncStore, "outbound" | "contextTokens" | "durable">;
  /** One transport, or one per account. */
  transport: TransportSource;
  clock?: Clock;
  limits?: Partial<DeliveryLimits>;
  logger?: Logger;
  /** iLink -14 while sending: the gateway marks the account expired. Bubbles stay pending. */
  onSessionExpired?(accountId: string, error: string): void;
  /** The language of an account's own notes (the "reply anything to continue" note); default the system's. */
  languageFor?(accountId: string): Lang;
  /**
   * Shared accounts: whether this node may send for the account now (it holds the lease), looked
   * at before every attempt. When not, the bubble stays pending for the lease's next holder.
   */
  mayAct?(accountId: string): boolean;
  /**
   * Shared accounts: the store a reply to the account is recorded on (fenced by this node's lease,
   * so a turn that outlived its lease records nothing). Throws when the lease is not held.
   */
  recordOn?(accountId: string): Pick<AsyncStore, "outbound" | "contextTokens">;
}

export interface ReplyToDeliver {
  accountId: string;
  toUserId: string;
  /** The inbound message answered (absent for proactive sends). */
  inboundId?: number;
  contextToken?: string;
  text: string;
  /** Sent after the text; a caption goes as its own text bubble just before its file. */
  files?: readonly { path: string; caption?: string }[];
  /** Send the text as written: no markdown filtering (an approval question shows a command exactly). */
  verbatim?: boolean;
  /**
   * Not queued behind bubbles waiting in the outbox (an approval question must not wait on them),
   * and held at once when the recipient's 24 h window has closed (it goes when they write).
   */
  priority?: boolean;
  /**
   * Record straight into the outbox with this reason, trying nothing now (the contact's 24 h
   * window is closed): sent after the contact's next message, like any overflow.
   */
  hold?: string;
  /** `deliverReply` calls it with the bubbles once they are recorded (before any is sent). */
  onRecorded?(bubbles: readonly OutboundMessage[]): void;
}

/** A reply's bubbles recorded by `recordReply`, not yet sent. */
export interface RecordedReply {
  bubbles: readonly OutboundMessage[];
  /** Send them in the contact's order; call once the transaction that recorded them has committed. */
  send(signal: AbortSignal): Promise<DeliveryResult>;
  /** That transaction rolled back (the bubbles were never stored): forget them. Call instead of `send`. */
  drop(): void;
}

export interface DeliveryResult {
  sent: number;
  deferred: number;
  failed: number;
  /** Left pending by an abort or a session expiry; `resumePending` picks them up. */
  pending: number;
  noteSent: boolean;
  sessionExpired: boolean;
  /** A progress note dropped because it would eat the reply's slots. */
  skipped: boolean;
}

export interface Delivery {
  /** Record the reply's bubbles and send them in the contact's order. */
  deliverReply(reply: ReplyToDeliver, signal: AbortSignal): Promise<DeliveryResult>;
  /**
   * The same in two steps, for a caller that records inside its own transaction: the bubbles are
   * recorded on `on` (its `tx`; held in the outbox when `reply.hold` says why), and `send` queues
   * them once that transaction has committed (`drop` instead, when it rolled back).
   */
  recordReply(
    on: Pick<AsyncStore, "outbound" | "contextTokens">,
    reply: ReplyToDeliver,
  ): Promise<RecordedReply>;
  /** A progress note: coalesced per contact (latest wins) and sent only if the quota leaves room. */
  progress(note: Omit<ReplyToDeliver, "files">, signal: AbortSignal): Promise<DeliveryResult>;
  /** The contact wrote: record its token and send the outbox, within the new quota. */
  onInbound(
    inbound: { accountId: string; userId: string; contextToken?: string },
    signal: AbortSignal,
  ): Promise<DeliveryResult>;
  /** Crash recovery: send the account's pending bubbles with their recorded client_ids. */
  resumePending(accountId: string, signal: AbortSignal, onQueued?: () => void): Promise<DeliveryResult>;
  /** A started typing indicator for one turn; call `stop()` when the turn ends. */
  typing(target: { accountId: string; toUserId: string; contextToken?: string }): TypingController;
  /** Resolves when every queued send has settled (for a graceful stop). */
  idle(): Promise<void>;
}

export const emptyResult = (): DeliveryResult => ({
  sent: 0,
  deferred: 0,
  failed: 0,
  pending: 0,
  noteSent: false,
  sessionExpired: false,
  skipped: false,
});

export function addResult(a: DeliveryResult, b: DeliveryResult): DeliveryResult {
  return {
    sent: a.sent + b.sent,
    deferred: a.deferred + b.deferred,
    failed: a.failed + b.failed,
    pending: a.pending + b.pending,
    noteSent: a.noteSent || b.noteSent,
    sessionExpired: a.sessionExpired || b.sessionExpired,
    skipped: a.skipped && b.skipped,
  };
}
