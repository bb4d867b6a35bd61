/** Errors of the built-in agent: a stable `code`, `isRetryable`, and a message safe to show. */

export type BuiltinAgentErrorCode =
  | "CONFIG_INVALID"
  | "NO_API_KEY"
  | "MODEL_ERROR"
  | "MODEL_UNREACHABLE"
  | "TURN_ABORTED"
  | "TURN_TIMEOUT";

const RETRYABLE: ReadonlySet<BuiltinAgentErrorCode> = new Set(["MODEL_UNREACHABLE"]);

export class BuiltinAgentError extends Error {
  override readonly name = "BuiltinAgentError";
  readonly isRetryable: boolean;
  constructor(
    readonly code: BuiltinAgentErrorCode,
    message: string,
    options?: { isRetryable?: boolean },
  ) {
    // No `cause`: provider errors carry request bodies and headers; only redacted text is kept.
    super(message);
    this.isRetryable = options?.isRetryable ?? RETRYABLE.has(code);
  }
}

/** A tool refused by policy or by the user; its message is what the model reads. */
export class ToolRefusedError extends Error {
  override readonly name = "ToolRefusedError";
}
