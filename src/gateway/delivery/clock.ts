/**
 * Time as delivery sees it. The default reads `Date.now()` and waits with `setTimeout`, so tests can
 * drive every spacing, backoff and typing delay with `vi.useFakeTimers()`; another clock can be
 * injected where fake timers do not reach.
 */
import { sleep } from "../../shared/sleep.js";

export interface Clock {
  now(): number;
  /** Resolve after `ms`; reject with the signal's reason when it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Run `fn` after `ms` unless the returned cancel is called first (no promise, no signal). */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => (ms <= 0 && !signal?.aborted ? Promise.resolve() : sleep(ms, signal)),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
