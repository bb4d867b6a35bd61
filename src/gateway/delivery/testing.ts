/**
 * A recording `OutboundTransport` for tests: every call is kept with the time it started (read from
 * the injected clock, so fake timers give exact timestamps), and a script decides which calls fail.
 */
import { TransportError, type TransportErrorKind } from "../transport-error.js";
import type { OutboundTransport } from "./transport.js";

export interface RecordedCall {
  kind: "text" | "file" | "typing";
  atMs: number;
  to: string;
  text?: string;
  filePath?: string;
  clientId?: string;
  contextToken?: string;
  status?: "start" | "stop";
}

export interface RecordingTransport extends OutboundTransport {
  readonly calls: RecordedCall[];
  /** Calls of one kind (default: text and file sends, not typing). */
  sends(to?: string): RecordedCall[];
}

export interface RecordingOptions {
  now?: () => number;
  /** Return (or resolve to) an error to make this call throw it; `n` counts calls from 1. */
  fail?: (call: RecordedCall, n: number) => unknown;
}

/**
 * The transport error a bridge throws for the SDK's `code`: `THROTTLED` (-2) is `throttled`,
 * `SESSION_EXPIRED` (-14) is `session-expired`, any other is `retryable` or `fatal` by `isRetryable`.
 */
export function transportError(
  code: string,
  isRetryable: boolean,
  message = `${code} from fake transport`,
): TransportError {
  const kind: TransportErrorKind =
    code === "THROTTLED"
      ? "throttled"
      : code === "SESSION_EXPIRED"
        ? "session-expired"
        : isRetryable
          ? "retryable"
          : "fatal";
  return new TransportError(kind, message, { code });
}

export function createRecordingTransport(options: RecordingOptions = {}): RecordingTransport {
  const now = options.now ?? Date.now;
  const calls: RecordedCall[] = [];
  let n = 0;
  const record = async (call: Omit<RecordedCall, "atMs">, signal: AbortSignal): Promise<void> => {
    if (signal.aborted) throw signal.reason;
    const full: RecordedCall = { ...call, atMs: now() };
    calls.push(full);
    n++;
    const err = await options.fail?.(full, n);
    if (err) throw err;
  };
  return {
    calls,
    sends: (to) => calls.filter((c) => c.kind !== "typing" && (to === undefined || c.to === to)),
    async sendText({ to, text, clientId, contextToken, signal }) {
      await record({ kind: "text", to, text, clientId, contextToken }, signal);
      return { messageId: `srv-${n}` };
    },
    async sendFile({ to, filePath, clientId, contextToken, signal }) {
      await record({ kind: "file", to, filePath, clientId, contextToken }, signal);
      return { messageId: `srv-${n}` };
    },
    async typing({ to, contextToken, status, signal }) {
      await record({ kind: "typing", to, contextToken, status }, signal);
    },
  };
}
