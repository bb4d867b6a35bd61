/**
 * The per-context-token send quota (docs/protocol.md §8.2.1): about 10 bot messages fit
 * per inbound message. We count sends per (account, contact) in the store, keep the last slot for a
 * "reply anything to continue" note, and park the overflow in the durable outbox until the contact
 * writes again, when a fresh token re-arms it.
 */
import { type Lang, systemLanguage } from "../../shared/i18n.js";
import type { AsyncStore } from "../../store/async.js";
import type { ContextTokenRecord, OutboundMessage } from "../../store/types.js";
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
export async function sendsLeft(
  tokens: Pick<AsyncStore["contextTokens"], "get">,
  quotaPerToken: number,
  accountId: string,
  userId: string,
): Promise<number | undefined> {
  return sendsLeftOn(await tokens.get(accountId, userId), quotaPerToken);
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

/** The tables the quota counts in (either store, through the async interface). */
export type QuotaTables = Pick<AsyncStore, "contextTokens" | "outbound">;

/** A slot taken for one send: `token` is what it was counted on (give it back with `refund`). */
export type Reservation = { ok: true; token?: string } | { ok: false };

export class SendQuota {
  readonly quotaPerToken: number;
  readonly progressReserve: number;

  constructor(
    private readonly store: QuotaTables,
    options: QuotaOptions = {},
  ) {
    this.quotaPerToken = options.quotaPerToken ?? DEFAULT_QUOTA_PER_TOKEN;
    this.progressReserve = options.progressReserve ?? DEFAULT_PROGRESS_RESERVE;
    if (!Number.isInteger(this.quotaPerToken) || this.quotaPerToken < 1) {
      throw new RangeError(`quotaPerToken must be a positive integer, got ${this.quotaPerToken}`);
    }
  }

  /** Sends already made with the contact's current token (0 when there is none: a proactive send). */
  async used(accountId: string, userId: string): Promise<number> {
    return (await this.store.contextTokens.get(accountId, userId))?.sendCount ?? 0;
  }

  async remaining(accountId: string, userId: string): Promise<number> {
    return (
      sendsLeftOn(await this.store.contextTokens.get(accountId, userId), this.quotaPerToken) ??
      this.quotaPerToken
    );
  }

  /** The contact's latest context token: sends always use the freshest one. */
  async token(accountId: string, userId: string): Promise<string | undefined> {
    return (await this.store.contextTokens.get(accountId, userId))?.token;
  }

  async plan(accountId: string, userId: string, pendingCount: number): Promise<QuotaPlan> {
    return planQuota(await this.used(accountId, userId), pendingCount, this.quotaPerToken);
  }

  /** A progress note may go only if it leaves room for the reply and its note. */
  async allowsProgress(accountId: string, userId: string): Promise<boolean> {
    return (await this.remaining(accountId, userId)) > this.progressReserve;
  }

  /**
   * Take one slot on the contact's current token before a send: one conditional update in the
   * store, so two processes sending to one contact never spend the same slot (`ok: false`: the
   * quota is spent). With no token there is nothing to count against (a proactive send). `on`:
   * the tables to reserve in (a lease holder's fenced ones).
   */
  async reserve(accountId: string, userId: string, on: QuotaTables = this.store): Promise<Reservation> {
    const current = await on.contextTokens.get(accountId, userId);
    if (!current) return { ok: true };
    const count = await on.contextTokens.reserveSend(accountId, userId, this.quotaPerToken);
    return count === undefined ? { ok: false } : { ok: true, token: current.token };
  }

  /** Give back a reserved slot whose send did not go out (nothing when a new token came since). */
  async refund(accountId: string, userId: string, reservation: Reservation): Promise<void> {
    if (reservation.ok && reservation.token !== undefined)
      await this.store.contextTokens.refundSend(accountId, userId, reservation.token);
  }

  /**
   * Does a -2 on a send holding a reserved slot look like the quota rather than a burst throttle?
   * True when that send took the last slot or beyond: retrying cannot help until the contact
   * writes again.
   */
  async looksExhausted(accountId: string, userId: string): Promise<boolean> {
    return (await this.used(accountId, userId)) >= this.quotaPerToken;
  }

  /**
   * The contact wrote: record the token unless the store already holds it (the poller usually has,
   * and a second `set` would reset a count the current turn is already using).
   */
  async recordInbound(
    accountId: string,
    userId: string,
    contextToken: string | undefined,
    atMs: number,
  ): Promise<void> {
    if (!contextToken) return;
    if ((await this.store.contextTokens.get(accountId, userId))?.token === contextToken) return;
    await this.store.contextTokens.set(accountId, userId, contextToken, atMs);
  }

  /** Re-arm the contact's outbox with the current token (client_ids kept); oldest first. */
  async release(accountId: string, userId: string): Promise<OutboundMessage[]> {
    const waiting = await this.store.outbound.deferred(accountId, userId);
    if (waiting.length === 0) return [];
    const token = await this.token(accountId, userId);
    await this.store.outbound.release(
      waiting.map((m) => m.id),
      token,
    );
    return waiting.map((m) => ({ ...m, state: "pending", contextToken: token, lastError: undefined }));
  }

  /** Bubbles waiting in the contact's outbox. */
  async backlog(accountId: string, userId: string): Promise<number> {
    return (await this.store.outbound.deferred(accountId, userId)).length;
  }
}
