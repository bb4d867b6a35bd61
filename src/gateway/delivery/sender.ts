/**
 * Sending one recorded bubble, politely. Bubbles to one contact are spaced (WeChat orders them by
 * arrival, and ~3 sends a second draws -2); retryable failures back off; -2 backs off per ACCOUNT
 * with growing waits and never retries early, because retrying while penalised stretches the
 * penalty from about an hour to many (docs/protocol.md §8.2.2). Every wait is abortable.
 */
import { sequentialize } from "../../shared/sequentialize.js";
import type { AsyncStore } from "../../store/async.js";
import type { OutboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import { TransportError } from "../transport-error.js";
import type { Clock } from "./clock.js";
import type { Reservation } from "./quota.js";
import { classifySendError, describeSendError, type OutboundTransport } from "./transport.js";

export const DEFAULT_SPACING_MS = 1000;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 4000, 8000, 16_000];
export const DEFAULT_THROTTLE_DELAYS_MS: readonly number[] = [5000, 15_000, 60_000, 300_000];

export type SendOutcome =
  | { status: "sent"; messageId?: string }
  /** Marked failed in the store (non-retryable, or retries spent). */
  | { status: "failed"; error: string }
  /** -2 that will not clear by waiting (quota spent, or backoff spent): the caller defers it. */
  | { status: "throttled"; error: string }
  /** -14: left pending; the account needs a new login. */
  | { status: "session-expired"; error: string }
  /** Our signal was aborted: left pending for `resumePending`. */
  | { status: "aborted" };

/** A keyed promise chain: tasks with one key run in order, different keys run in parallel. */
export class KeyedQueue {
  readonly #seq = sequentialize((key: string) => key);

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.#seq.run(key, task);
  }

  /** Resolves when every task queued so far has settled. */
  idle(): Promise<void> {
    return this.#seq.idle();
  }

  get activeKeys(): number {
    return this.#seq.activeKeys;
  }
}

export interface SenderOptions {
  transportFor(accountId: string): OutboundTransport;
  /** Where a bubble's attempts and outcome are recorded (fenced by the lease on shared accounts). */
  outboundOf(
    bubble: OutboundMessage,
  ): Pick<AsyncStore["outbound"], "bumpAttempt" | "markFailed" | "markSent">;
  /** `Store.durable`: a bubble leaves only once its record is committed. */
  durable(): Promise<void>;
  clock: Clock;
  logger: Logger;
  spacingMs: number;
  retryDelaysMs: readonly number[];
  throttleDelaysMs: readonly number[];
  /** The token to send with (the contact's freshest one, else the bubble's own). */
  tokenFor(bubble: OutboundMessage): Promise<string | undefined>;
  /** True when a -2 now (with this bubble's slot reserved) would be the per-token quota, not a burst throttle. */
  looksExhausted(bubble: OutboundMessage): Promise<boolean>;
  /** Take the bubble's slot of the quota before its first attempt (`ok: false`: spent, by any process). */
  reserve(bubble: OutboundMessage): Promise<Reservation>;
  /** Give the slot back: the bubble was not sent after all. */
  refund(bubble: OutboundMessage, reservation: Reservation): Promise<void>;
  /** See DeliveryOptions.mayAct: false leaves the bubble pending (status `aborted`). */
  mayAct?(accountId: string): boolean;
}

/** The platform's own hint of a throttle's length, when its bridge knows one (iLink gives none). */
const retryAfterOf = (err: unknown): number | undefined =>
  err instanceof TransportError ? err.retryAfterMs : undefined;

/** `#attempt` found the account's lease gone: nothing was sent, the bubble stays pending. */
const NOT_HELD = Symbol("lease not held");

export const contactKey = (accountId: string, userId: string): string => `${accountId}\u0000${userId}`;

export class BubbleSender {
  readonly #lastSendAtMs = new Map<string, number>();
  readonly #accountHoldUntilMs = new Map<string, number>();
  readonly #accountThrottleLevel = new Map<string, number>();

  constructor(private readonly o: SenderOptions) {}

  /**
   * Send one bubble that is already recorded; the stored clientId is reused on every attempt. Its
   * slot of the quota is reserved first and given back unless it is sent.
   */
  async send(bubble: OutboundMessage, signal: AbortSignal): Promise<SendOutcome> {
    if (!this.#mayAct(bubble)) return { status: "aborted" };
    const reservation = await this.o.reserve(bubble);
    if (!reservation.ok) {
      return { status: "throttled", error: "send quota for this context token is spent" };
    }
    let outcome: SendOutcome;
    try {
      outcome = await this.#send(bubble, signal);
    } catch (err) {
      await this.o.refund(bubble, reservation).catch(() => {});
      throw err;
    }
    if (outcome.status !== "sent") await this.o.refund(bubble, reservation);
    return outcome;
  }

  async #send(bubble: OutboundMessage, signal: AbortSignal): Promise<SendOutcome> {
    const { clock, logger } = this.o;
    const outbound = this.o.outboundOf(bubble);
    const key = contactKey(bubble.accountId, bubble.toUserId);
    // Only failures log: the child logger is built on the first one, not for every bubble sent.
    let child: Logger | undefined;
    const log = (): Logger =>
      (child ??= logger.child({
        accountId: bubble.accountId,
        outboundId: bubble.id,
        clientId: bubble.clientId,
      }));
    let retries = 0;
    let throttles = 0;

    for (;;) {
      try {
        await this.#waitTurn(key, bubble.accountId, signal);
      } catch {
        return { status: "aborted" };
      }
      let messageId: string | undefined;
      try {
        const attempt = await this.#attempt(bubble, signal);
        if (attempt === NOT_HELD) return { status: "aborted" };
        messageId = attempt;
      } catch (err) {
        this.#lastSendAtMs.set(key, clock.now());
        const kind = classifySendError(err, signal);
        const error = describeSendError(err);
        if (kind === "aborted") return { status: "aborted" };
        await outbound.bumpAttempt(bubble.id, error);
        if (kind === "session-expired") {
          log().error({ error }, "send stopped: session expired; the bubble stays pending until re-login");
          return { status: "session-expired", error };
        }
        if (kind === "throttled") {
          if (await this.o.looksExhausted(bubble)) {
            log().warn(
              { error },
              "send quota for this context token is spent; deferring until the contact writes",
            );
            return { status: "throttled", error };
          }
          const delayMs = this.#throttle(bubble.accountId, retryAfterOf(err));
          throttles++;
          if (throttles > this.o.throttleDelaysMs.length) {
            log().warn({ error, throttles }, "still throttled after backing off; deferring to the outbox");
            return { status: "throttled", error };
          }
          log().warn({ error, delayMs }, "throttled (-2); holding sends on this account");
          continue;
        }
        if (kind === "retryable") {
          const delayMs = this.o.retryDelaysMs[retries];
          if (delayMs !== undefined) {
            retries++;
            log().warn({ error, delayMs, retries }, "send failed; retrying with the same client_id");
            try {
              await clock.sleep(delayMs, signal);
            } catch {
              return { status: "aborted" };
            }
            continue;
          }
        }
        await outbound.markFailed(bubble.id, error);
        log().error({ error, kind }, "send failed; bubble marked failed");
        return { status: "failed", error };
      }
      const now = clock.now();
      this.#lastSendAtMs.set(key, now);
      this.#accountThrottleLevel.delete(bubble.accountId);
      try {
        await outbound.markSent(bubble.id, now, messageId);
      } catch (err) {
        // It went out: its slot stays spent. Unrecorded, it stays pending and a resume sends it
        // again with the same client_id.
        log().error({ err: describeSendError(err) }, "sent, but recording it failed");
      }
      return messageId === undefined ? { status: "sent" } : { status: "sent", messageId };
    }
  }

  #mayAct(bubble: OutboundMessage): boolean {
    if (!this.o.mayAct || this.o.mayAct(bubble.accountId)) return true;
    this.o.logger.info(
      { accountId: bubble.accountId, outboundId: bubble.id },
      "lease not held: the bubble stays pending for the account's next holder",
    );
    return false;
  }

  /** One send; NOT_HELD (nothing sent) when the account's lease went while it got ready. */
  async #attempt(
    bubble: OutboundMessage,
    signal: AbortSignal,
  ): Promise<string | undefined | typeof NOT_HELD> {
    // With group commit the bubble's row (its client_id) may still be in this turn's transaction:
    // a crash after the send but before the commit would make the replay send it again unseen.
    await this.o.durable();
    const contextToken = await this.o.tokenFor(bubble);
    // Looked at last, after the awaits above: the request leaves right after this.
    if (!this.#mayAct(bubble)) return NOT_HELD;
    const transport = this.o.transportFor(bubble.accountId);
    const base = { to: bubble.toUserId, contextToken, clientId: bubble.clientId, signal };
    const call =
      bubble.kind === "file"
        ? transport.sendFile({ ...base, filePath: bubble.filePath ?? "" })
        : transport.sendText({ ...base, text: bubble.text ?? "" });
    return (await call).messageId;
  }

  /** Wait for the contact's spacing and the account's throttle hold, whichever ends later. */
  async #waitTurn(key: string, accountId: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const now = this.o.clock.now();
      const last = this.#lastSendAtMs.get(key);
      const spacingUntil = last === undefined ? now : last + this.o.spacingMs;
      const until = Math.max(spacingUntil, this.#accountHoldUntilMs.get(accountId) ?? now);
      if (until <= now) return;
      await this.o.clock.sleep(until - now, signal);
    }
  }

  /** Escalate the account's throttle level and set its hold (at least `retryAfterMs`); returns the wait. */
  #throttle(accountId: string, retryAfterMs = 0): number {
    const delays = this.o.throttleDelaysMs;
    const level = this.#accountThrottleLevel.get(accountId) ?? 0;
    const delayMs = Math.max(delays[Math.min(level, delays.length - 1)] ?? 0, retryAfterMs);
    this.#accountThrottleLevel.set(accountId, level + 1);
    this.#accountHoldUntilMs.set(accountId, this.o.clock.now() + delayMs);
    return delayMs;
  }
}
