/**
 * The outbound half of the gateway's transport: what delivery needs from a chat platform. The iLink
 * implementation wraps the SDK; tests use a recording fake. One bubble is one call: a caption is sent
 * by delivery as its own text bubble before the file (docs/protocol.md §7.2), so `sendFile` has none.
 *
 * Errors are matched by shape, not by class, so this file does not depend on the SDK: anything thrown
 * with a string `code` and a boolean `isRetryable` is understood (the SDK's `ILinkError` is).
 */
import { redactText } from "../../util/logger.js";

export interface SendTextArgs {
  to: string;
  text: string;
  contextToken?: string;
  /** Recorded before the first attempt; every retry reuses it so the server can de-duplicate. */
  clientId: string;
  signal: AbortSignal;
}

export interface SendFileArgs {
  to: string;
  /** Local path; the transport uploads it and sends one media item. */
  filePath: string;
  contextToken?: string;
  clientId: string;
  signal: AbortSignal;
}

export interface TypingArgs {
  to: string;
  contextToken?: string;
  status: "start" | "stop";
  signal: AbortSignal;
}

export interface OutboundTransport {
  sendText(args: SendTextArgs): Promise<{ messageId?: string }>;
  sendFile(args: SendFileArgs): Promise<{ messageId?: string }>;
  typing(args: TypingArgs): Promise<void>;
}

/** Delivery is multi-account; a transport is usually bound to one account's token. */
export type TransportSource = OutboundTransport | ((accountId: string) => OutboundTransport);

/** How delivery reacts to a failed send. */
export type SendErrorKind =
  /** iLink -2: quota spent, burst throttle or stale token. Back off, never hammer. */
  | "throttled"
  /** iLink -14: the account needs a new QR login. Stop; the bubble stays pending. */
  | "session-expired"
  /** Network, timeout, 5xx: retry with backoff. */
  | "retryable"
  /** Anything else: the bubble is marked failed. */
  | "fatal"
  /** Our own signal was aborted (shutdown, /stop): the bubble stays pending. */
  | "aborted";

const THROTTLED_CODES = new Set(["THROTTLED", "ILINK_RATE_LIMITED", "RATE_LIMITED"]);
const SESSION_CODES = new Set(["SESSION_EXPIRED", "ILINK_SESSION_EXPIRED", "STALE_TOKEN"]);

/** Classify an error thrown by a transport (duck-typed on `code`, `isRetryable`, `ret`/`errcode`). */
export function classifySendError(err: unknown, signal?: AbortSignal): SendErrorKind {
  if (signal?.aborted) return "aborted";
  if (typeof err !== "object" || err === null) return "fatal";
  const e = err as {
    code?: unknown;
    isRetryable?: unknown;
    ret?: unknown;
    errcode?: unknown;
    name?: unknown;
  };
  const code = typeof e.code === "string" ? e.code : undefined;
  if ((code && SESSION_CODES.has(code)) || e.ret === -14 || e.errcode === -14) return "session-expired";
  if ((code && THROTTLED_CODES.has(code)) || e.ret === -2 || e.errcode === -2) return "throttled";
  if (e.name === "AbortError" && signal?.aborted) return "aborted";
  if (e.isRetryable === true) return "retryable";
  return "fatal";
}

/** A log-safe one-line description of a send error (masked again: a fake or foreign transport may leak). */
export function describeSendError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return redactText(typeof code === "string" ? `${code}: ${err.message}` : err.message);
  }
  return redactText(String(err));
}
