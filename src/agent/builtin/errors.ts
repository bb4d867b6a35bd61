/** Errors of the built-in agent: a stable `code`, `isRetryable`, and a message safe to show. */
import { WxError } from "../../shared/wx-error.js";

export type BuiltinAgentErrorCode =
  | "CONFIG_INVALID"
  | "NO_API_KEY"
  | "MODEL_ERROR"
  | "MODEL_UNREACHABLE"
  | "TURN_ABORTED"
  | "TURN_TIMEOUT";

const RETRYABLE: ReadonlySet<BuiltinAgentErrorCode> = new Set(["MODEL_UNREACHABLE"]);

export class BuiltinAgentError extends WxError<BuiltinAgentErrorCode> {
  override readonly name = "BuiltinAgentError";
  constructor(code: BuiltinAgentErrorCode, message: string, options?: { isRetryable?: boolean }) {
    // No `cause`: provider errors carry request bodies and headers; only redacted text is kept.
    super(code, message, { isRetryable: options?.isRetryable ?? RETRYABLE.has(code) });
  }
}
