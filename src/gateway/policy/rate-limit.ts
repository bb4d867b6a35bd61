/**
 * Sliding-window rate limiting for inbound messages, with "tell them once per window".
 *
 * A sliding log (the accept times within the window) rather than a token bucket: with limits of
 * 10 a minute the log is tiny, and it gives an exact "you can write again in N s" to tell the
 * contact. Only accepted messages are logged: a refused message does not push the window out,
 * so the promised time holds however hard the contact keeps typing.
 *
 * State is in memory and per process: a restart forgets it, which errs on the side of answering.
 * Outbound pacing (spacing, `-2` backoff, the context-token quota) is delivery's job, not this.
 */
import type { RateRule } from "./profile.js";

export type RateResult =
  | { limited: false }
  | {
      limited: true;
      /** When the oldest counted message leaves the window, i.e. the next one would be accepted. */
      retryAfterMs: number;
    };

interface Window {
  /** Accept times, oldest first, all within the last `windowMs`. */
  hits: number[];
  windowMs: number;
}

export class SlidingWindowLimiter {
  readonly #windows = new Map<string, Window>();
  #sinceSweep = 0;

  /** Would a message for `key` be accepted now? Records nothing. */
  check(key: string, rule: RateRule, nowMs: number): RateResult {
    const w = this.#windows.get(key);
    if (!w) return { limited: false };
    prune(w, rule.windowMs, nowMs);
    if (w.hits.length < rule.count) return { limited: false };
    const oldest = w.hits[w.hits.length - rule.count] ?? nowMs;
    return { limited: true, retryAfterMs: Math.max(0, oldest + rule.windowMs - nowMs) };
  }

  /** Count an accepted message (after `check` said it is not limited). */
  record(key: string, rule: RateRule, nowMs: number): void {
    this.#maybeSweep(nowMs);
    let w = this.#windows.get(key);
    if (!w) {
      w = { hits: [], windowMs: rule.windowMs };
      this.#windows.set(key, w);
    }
    w.windowMs = rule.windowMs;
    w.hits.push(nowMs);
    prune(w, rule.windowMs, nowMs);
  }

  /** Keys tracked (tests and status). */
  get size(): number {
    return this.#windows.size;
  }

  /** Forget idle keys now and then, so one-off contacts do not accumulate. */
  #maybeSweep(nowMs: number): void {
    this.#sinceSweep += 1;
    if (this.#sinceSweep < 1000) return;
    this.#sinceSweep = 0;
    for (const [key, w] of this.#windows) {
      const last = w.hits[w.hits.length - 1] ?? 0;
      if (last + w.windowMs <= nowMs) this.#windows.delete(key);
    }
  }
}

/**
 * "Tell them once": the first refusal of a spell is answered, the rest stay silent until the
 * time promised in that answer has passed.
 */
export class NoticeGate {
  readonly #quietUntil = new Map<string, number>();

  /** True when `key` should be told now; it then stays quiet for `quietForMs`. */
  shouldTell(key: string, nowMs: number, quietForMs: number): boolean {
    const until = this.#quietUntil.get(key);
    if (until !== undefined && nowMs < until) return false;
    if (this.#quietUntil.size > 10_000) {
      for (const [k, t] of this.#quietUntil) if (t <= nowMs) this.#quietUntil.delete(k);
    }
    this.#quietUntil.set(key, nowMs + quietForMs);
    return true;
  }
}

function prune(w: Window, windowMs: number, nowMs: number): void {
  let drop = 0;
  while (drop < w.hits.length && (w.hits[drop] ?? 0) + windowMs <= nowMs) drop += 1;
  if (drop > 0) w.hits.splice(0, drop);
}

/** Whole seconds, rounded up, never 0: "I'll pick up again in 1 s" beats "in 0 s". */
export function secondsOf(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
