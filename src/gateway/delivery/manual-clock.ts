/**
 * A clock that moves only when told (tests and scripted runs): `advance(ms)` runs every timer and
 * sleep that falls due on the way, in time order, letting promise callbacks settle between them,
 * so a day of scheduled firings replays in milliseconds.
 */
import type { Clock } from "./clock.js";

interface Timer {
  atMs: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Set<Timer>();

  constructor(startMs: number) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): () => void {
    const timer: Timer = { atMs: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        cancel();
        reject(signal?.reason);
      };
      const cancel = this.after(ms, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Timers waiting (for tests that check nothing is left armed). */
  get pending(): number {
    return this.#timers.size;
  }

  /** Move time forward by `ms`, firing due timers in order; `settle` lets async work run between them. */
  async advance(ms: number, settle: () => Promise<void> = flush): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      await settle();
      const next = [...this.#timers].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)[0];
      if (!next || next.atMs > until) break;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.atMs);
      next.fn();
    }
    this.#now = until;
    await settle();
  }

  /** Jump to an absolute time (forward only). */
  advanceTo(ms: number, settle?: () => Promise<void>): Promise<void> {
    return this.advance(Math.max(0, ms - this.#now), settle);
  }
}

/** Let pending promise callbacks and I/O callbacks of this turn run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}
