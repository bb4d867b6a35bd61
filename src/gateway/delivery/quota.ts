/**
 * The per-context-token send quota (docs/protocol.md §8.2.1): about 10 bot messages fit
 * per inbound message. We count sends per (account, contact) in the store, keep the last slot for a
 * "reply anything to continue" note, and park the overflow in the durable outbox until the contact
 * writes again, when a fresh token re-arms it.
 */
import { type Lang, systemLanguage } from "../../shared/i18n.js";
import type {
  ContextTokenRecord,
  ContextTokenStore,
  OutboundMessage,
  OutboundStore,
} from "../../store/types.js";
import { gatewayWords } from "../texts.js";

export const DEFAULT_QUOTA_PER_TOKEN = 10;
/** Slots a progress note must leave free: one for the reply's first bubble, one for the note. */
export const DEFAULT_PROGRESS_RESERVE = 2;

export interface QuotaPlan {
  /** Bubbles to send now, in order. */
  sendNow: number;
  /** Whether the last free slot goes to the "reply anything to continue" note. */
  note: boolean;
  /** Bubbles to move to the outbox. */
  defer: number;
  /** Free slots before this plan. */
  remaining: number;
}

/**
 * Decide what fits. Everything fits → send all (the last slot may be used by content, nothing waits).
 * Otherwise send `remaining - 1`, spend the last slot on the note and defer the rest.
 */
export function planQuota(used: number, pendingCount: number, quotaPerToken: number): QuotaPlan {
  const remaining = Math.max(0, quotaPerToken - used);
  const pending = Math.max(0, pendingCount);
  if (pending <= remaining) return { sendNow: pending, note: false, defer: 0, remaining };
  if (remaining === 0) return { sendNow: 0, note: false, defer: pending, remaining };
  const sendNow = remaining - 1;
  return { sendNow, note: true, defer: pending - sendNow, remaining };
}

/** The note sent in the last slot, in the account's language. */
export function continueNote(waiting: number, lang: Lang = systemLanguage()): string {
  return gatewayWords(lang).continueNote({ waiting });
}

/**
 * Sends the contact's freshest context token still allows, or undefined when there is no token
 * (the bot cannot write to them at all). The one formula behind `/status`, `wxagent status`, the
 * admin UI and the send answers.
 */
export function sendsLeft(
  tokens: Pick<ContextTokenStore, "get">,
  quotaPerToken: number,
  accountId: string,
  userId: string,
): number | undefined {
  return sendsLeftOn(tokens.get(accountId, userId), quotaPerToken);
}

/** `sendsLeft` on a token already read (the async store's callers read it themselves). */
export function sendsLeftOn(
  token: Pick<ContextTokenRecord, "sendCount"> | undefined,
  quotaPerToken: number,
): number | undefined {
  return token ? Math.max(0, quotaPerToken - token.sendCount) : undefined;
}

export interface QuotaOptions {
  quotaPerToken?: number;
  progressReserve?: number;
}

export class SendQuota {
  readonly quotaPerToken: number;
  readonly progressReserve: number;

  constructor(
    private readonly store: { contextTokens: ContextTokenStore; outbound: OutboundStore },
    options: QuotaOptions = {},
  ) {
    this.quotaPerToken = options.quotaPerToken ?? DEFAULT_QUOTA_PER_TOKEN;
    this.progressReserve = options.progressReserve ?? DEFAULT_PROGRESS_RESERVE;
    if (!Number.isInteger(this.quotaPerToken) || this.quotaPerToken < 1) {
      throw new RangeError(`quotaPerToken must be a positive integer, got ${this.quotaPerToken}`);
    }
  }

  /** Sends already made with the contact's current token (0 when there is none: a proactive send). */
  used(accountId: string, userId: string): number {
    return this.store.contextTokens.get(accountId, userId)?.sendCount ?? 0;
  }

  remaining(accountId: string, userId: string): number {
    return sendsLeft(this.store.contextTokens, this.quotaPerToken, accountId, userId) ?? this.quotaPerToken;
  }

  /** The contact's latest context token: sends always use the freshest one. */
  token(accountId: string, userId: string): string | undefined {
    return this.store.contextTokens.get(accountId, userId)?.token;
  }

  plan(accountId: string, userId: string, pendingCount: number): QuotaPlan {
    return planQuota(this.used(accountId, userId), pendingCount, this.quotaPerToken);
  }

  /** A progress note may go only if it leaves room for the reply and its note. */
  allowsProgress(accountId: string, userId: string): boolean {
    return this.remaining(accountId, userId) > this.progressReserve;
  }

  /** Count one successful send against the current token. */
  countSend(accountId: string, userId: string): number {
    return this.store.contextTokens.countSend(accountId, userId);
  }

  /**
   * Does a -2 on the next send look like the quota rather than a burst throttle? True when this send
   * would take the last slot or beyond: retrying cannot help until the contact writes again.
   */
  looksExhausted(accountId: string, userId: string): boolean {
    return this.used(accountId, userId) >= this.quotaPerToken - 1;
  }

  /**
   * The contact wrote: record the token unless the store already holds it (the poller usually has,
   * and a second `set` would reset a count the current turn is already using).
   */
  recordInbound(accountId: string, userId: string, contextToken: string | undefined, atMs: number): void {
    if (!contextToken) return;
    if (this.store.contextTokens.get(accountId, userId)?.token === contextToken) return;
    this.store.contextTokens.set(accountId, userId, contextToken, atMs);
  }

  /** Re-arm the contact's outbox with the current token (client_ids kept); oldest first. */
  release(accountId: string, userId: string): OutboundMessage[] {
    const waiting = this.store.outbound.deferred(accountId, userId);
    if (waiting.length === 0) return [];
    const token = this.token(accountId, userId);
    this.store.outbound.release(
      waiting.map((m) => m.id),
      token,
    );
    return waiting.map((m) => ({ ...m, state: "pending", contextToken: token, lastError: undefined }));
  }

  /** `recordInbound` then `release`: the deferred bubbles to send after the contact's new message. */
  onInbound(
    accountId: string,
    userId: string,
    contextToken: string | undefined,
    atMs: number,
  ): OutboundMessage[] {
    this.recordInbound(accountId, userId, contextToken, atMs);
    return this.release(accountId, userId);
  }

  /** Bubbles waiting in the contact's outbox. */
  backlog(accountId: string, userId: string): number {
    return this.store.outbound.deferred(accountId, userId).length;
  }
}
