/**
 * The getupdates backoff, for the SDK's `Bot` and the gateway's poller: after a failed poll wait
 * `retryDelayMs` (2 s), and every `failuresBeforeLongDelay`-th failure in a row (the 3rd, 6th, …)
 * `longDelayMs` (30 s) instead. These are the official client's numbers, without jitter
 * (docs: ilink-protocol.md, MAX_CONSECUTIVE_FAILURES / BACKOFF_DELAY_MS).
 */

/** The backoff's three numbers. */
export interface BackoffOptions {
  /** Delay after a failure (default 2000). */
  retryDelayMs: number;
  /** Delay after `failuresBeforeLongDelay` failures in a row (default 30 000); the count then restarts. */
  longDelayMs: number;
  failuresBeforeLongDelay: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  retryDelayMs: 2_000,
  longDelayMs: 30_000,
  failuresBeforeLongDelay: 3,
});

/** The wait after the `failuresInARow`-th failed poll in a row (1 for the first). */
export function backoffDelayMs(failuresInARow: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const long = failuresInARow > 0 && failuresInARow % Math.max(1, options.failuresBeforeLongDelay) === 0;
  return long ? options.longDelayMs : options.retryDelayMs;
}
