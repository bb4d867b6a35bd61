/**
 * The outbound half of the gateway's transport: what delivery needs from a chat platform. The iLink
 * implementation wraps the SDK; tests use a recording fake. One bubble is one call: a caption is sent
 * by delivery as its own text bubble before the file (docs/protocol.md §7.2), so `sendFile` has none.
 *
 * Every failure is a `TransportError` with a `kind` (../transport-error.ts): `throttled` (iLink -2)
 * backs the account off, `session-expired` (iLink -14) stops and leaves the bubble pending,
 * `retryable` is retried with backoff, `fatal` marks the bubble failed.
 */
import { redactText } from "../../util/logger.js";
import { type TransportErrorKind, transportErrorKind } from "../transport-error.js";

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

/** How delivery reacts to a failed send: the transport error's kind, or our own abort. */
export type SendErrorKind =
  | TransportErrorKind
  /** Our own signal was aborted (shutdown, /stop): the bubble stays pending. */
  | "aborted";

/**
 * Classify an error thrown by a transport. Every transport throws `TransportError` (its bridge
 * maps its own failures once); anything else is a bug in the transport and fails the bubble.
 */
export function classifySendError(err: unknown, signal?: AbortSignal): SendErrorKind {
  if (signal?.aborted) return "aborted";
  return transportErrorKind(err);
}

/** A log-safe one-line description of a send error (masked again: a fake or foreign transport may leak). */
export function describeSendError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return redactText(typeof code === "string" ? `${code}: ${err.message}` : err.message);
  }
  return redactText(String(err));
}
