/**
 * The one error a transport throws (the port is in `transport.ts`, the outbound half in
 * `delivery/transport.ts`). A bridge maps its own failures to it once, in its transport, and the
 * poller and delivery switch on `kind` alone:
 *
 * - `session-expired`: the account needs a new login (iLink -14). The poller marks the account
 *   expired and stops; delivery leaves the bubble pending.
 * - `throttled`: the platform refused the send for now (iLink -2: quota spent, burst throttle, stale
 *   context token). Delivery backs the account off, at least `retryAfterMs` when the bridge knows it.
 * - `retryable`: network, timeout, 5xx: retried with backoff.
 * - `fatal`: anything else: the bubble is marked failed (a poll is still backed off and retried).
 *
 * `code` is the bridge's own stable code (iLink's `THROTTLED`, `NETWORK`, `HTTP_500`, …), kept so
 * log lines and stored errors read as before.
 */
import { WxError } from "../shared/wx-error.js";

export type TransportErrorKind = "session-expired" | "throttled" | "retryable" | "fatal";

export interface TransportErrorOptions {
  /** The bridge's code (default: the kind's own, e.g. `SESSION_EXPIRED`). */
  code?: string;
  /** `throttled` only: the earliest the platform takes a send again, when it says so. */
  retryAfterMs?: number;
  cause?: unknown;
}

const DEFAULT_CODES: Record<TransportErrorKind, string> = {
  "session-expired": "SESSION_EXPIRED",
  throttled: "THROTTLED",
  retryable: "TRANSPORT_RETRYABLE",
  fatal: "TRANSPORT_FATAL",
};

export class TransportError extends WxError<string> {
  override name = "TransportError";
  readonly kind: TransportErrorKind;
  readonly retryAfterMs: number | undefined;

  constructor(kind: TransportErrorKind, message: string, options: TransportErrorOptions = {}) {
    super(options.code ?? DEFAULT_CODES[kind], message, {
      cause: options.cause,
      isRetryable: kind === "throttled" || kind === "retryable",
    });
    this.kind = kind;
    this.retryAfterMs = kind === "throttled" ? options.retryAfterMs : undefined;
  }
}

/** The kind of anything a transport threw: a TransportError's own; a foreign error is `fatal`. */
export function transportErrorKind(err: unknown): TransportErrorKind {
  return err instanceof TransportError ? err.kind : "fatal";
}
