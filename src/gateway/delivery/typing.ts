/**
 * The typing indicator for one turn (docs/protocol.md §9). A turn quick enough not to be noticed sends
 * no typing at all (each call is a request, and requests draw throttling); a longer one shows typing
 * after `startAfterMs`, refreshes it every `refreshMs` (WeChat drops it after a few seconds), and
 * cancels it at the end. Typing is cosmetic: its errors are logged, never thrown.
 */
import type { Logger } from "../../util/logger.js";
import { type Clock, systemClock } from "./clock.js";
import { describeSendError, type OutboundTransport } from "./transport.js";

export const DEFAULT_TYPING_START_AFTER_MS = 1500;
export const DEFAULT_TYPING_REFRESH_MS = 5000;

const TURN_ENDED = new Error("typing stopped: the turn ended");

export interface TypingTarget {
  to: string;
  contextToken?: string;
}

export interface TypingOptions {
  startAfterMs?: number;
  refreshMs?: number;
  clock?: Clock;
  logger: Logger;
}

export class TypingController {
  readonly #startAfterMs: number;
  readonly #refreshMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** Cancels the wait before the first "start" (most turns end within it). */
  #cancelWait: (() => void) | undefined;
  /** Created only once typing shows: a turn that ends sooner allocates no signal and no loop. */
  #ctl: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #startSent = false;
  #stopped: Promise<void> | undefined;

  constructor(
    private readonly transport: OutboundTransport,
    private readonly target: TypingTarget,
    options: TypingOptions,
  ) {
    this.#startAfterMs = options.startAfterMs ?? DEFAULT_TYPING_START_AFTER_MS;
    this.#refreshMs = options.refreshMs ?? DEFAULT_TYPING_REFRESH_MS;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
  }

  /** Begin the turn's clock; idempotent. */
  start(): this {
    if (this.#cancelWait || this.#ctl || this.#stopped) return this;
    this.#cancelWait = this.#clock.after(this.#startAfterMs, () => {
      this.#ctl = new AbortController();
      this.#loop = this.#run(this.#ctl.signal);
    });
    return this;
  }

  /** True once a "start" has been sent (so `stop()` will send a cancel). */
  get shown(): boolean {
    return this.#startSent;
  }

  /** End the turn: no more refreshes, and a cancel if typing was ever shown. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#cancelWait?.();
    if (!this.#ctl) return;
    // A shared reason: `abort()` without one builds a DOMException (with a stack) for every turn.
    this.#ctl.abort(TURN_ENDED);
    await this.#loop;
    // Cancel even when the turn itself was aborted: its own signal must not keep typing on screen.
    if (this.#startSent) await this.#call("stop", new AbortController().signal);
  }

  async #run(signal: AbortSignal): Promise<void> {
    try {
      while (!signal.aborted) {
        // Set before the call: a start in flight when stop() comes may still reach the server.
        this.#startSent = true;
        await this.#call("start", signal);
        await this.#clock.sleep(this.#refreshMs, signal);
      }
    } catch {
      // Aborted by stop(): nothing to do.
    }
  }

  async #call(status: "start" | "stop", signal: AbortSignal): Promise<void> {
    try {
      await this.transport.typing({ ...this.target, status, signal });
    } catch (err) {
      if (status === "start" && signal.aborted) return;
      this.#logger.debug({ error: describeSendError(err), status }, "typing indicator call failed");
    }
  }
}
