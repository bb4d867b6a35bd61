/** Typed errors of the ACP agent: a stable `code`, whether retrying can help, and a message that names the fix. */

export type AcpErrorCode =
  /** The command could not be started (not found, not executable). */
  | "acp_spawn_failed"
  /** The process started but did not answer `initialize` in time, or answered with an error. */
  | "acp_initialize_failed"
  /** The agent speaks a protocol version this client does not. */
  | "acp_protocol_mismatch"
  /** The agent wants the user to log in before it creates sessions. */
  | "acp_auth_required"
  /** `session/new` failed. */
  | "acp_session_failed"
  /** The agent answered a prompt with an error. */
  | "acp_prompt_failed"
  /** The agent process exited while we were talking to it. */
  | "acp_process_exited"
  /** The agent did not answer in time. */
  | "acp_timeout"
  /** A file request named a path outside the contact's workspace. */
  | "acp_path_outside_workspace"
  /** The agent offers no session mode that keeps it within the contact's preset. */
  | "acp_mode_unfit"
  /** The agent would not switch to the mode the preset needs. */
  | "acp_mode_failed";

const RETRYABLE: ReadonlySet<AcpErrorCode> = new Set<AcpErrorCode>([
  "acp_process_exited",
  "acp_timeout",
  "acp_initialize_failed",
]);

export class AcpError extends Error {
  override readonly name = "AcpError";
  readonly code: AcpErrorCode;
  readonly isRetryable: boolean;

  constructor(code: AcpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.isRetryable = RETRYABLE.has(code);
  }
}

/** A readable message for any thrown value (JSON-RPC errors carry `message`, sometimes `data`). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err) return String(err.message);
  return String(err);
}

/** JSON-RPC error code of a failed ACP request, when there is one. */
export function rpcCode(err: unknown): number | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "number") {
    return err.code;
  }
  return undefined;
}
