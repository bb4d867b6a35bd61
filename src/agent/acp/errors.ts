/** Typed errors of the ACP agent: a stable `code`, whether retrying can help, and a message that names the fix. */
import { WxError } from "../../shared/wx-error.js";

export type AcpErrorCode =
  /** The command could not be started (not found, not executable). */
  | "ACP_SPAWN_FAILED"
  /** The process started but did not answer `initialize` in time, or answered with an error. */
  | "ACP_INITIALIZE_FAILED"
  /** The agent speaks a protocol version this client does not. */
  | "ACP_PROTOCOL_MISMATCH"
  /** The agent wants the user to log in before it creates sessions. */
  | "ACP_AUTH_REQUIRED"
  /** `session/new` failed. */
  | "ACP_SESSION_FAILED"
  /** The agent answered a prompt with an error. */
  | "ACP_PROMPT_FAILED"
  /** The agent process exited while we were talking to it. */
  | "ACP_PROCESS_EXITED"
  /** The agent did not answer in time. */
  | "ACP_TIMEOUT"
  /** A file request named a path outside the contact's workspace. */
  | "ACP_PATH_OUTSIDE_WORKSPACE"
  /** The agent offers no session mode that keeps it within the contact's preset. */
  | "ACP_MODE_UNFIT"
  /** The agent would not switch to the mode the preset needs. */
  | "ACP_MODE_FAILED";

const RETRYABLE: ReadonlySet<AcpErrorCode> = new Set<AcpErrorCode>([
  "ACP_PROCESS_EXITED",
  "ACP_TIMEOUT",
  "ACP_INITIALIZE_FAILED",
]);

export class AcpError extends WxError<AcpErrorCode> {
  override readonly name = "AcpError";
  constructor(code: AcpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { cause: options?.cause, isRetryable: RETRYABLE.has(code) });
  }
}

/** JSON-RPC error code of a failed ACP request, when there is one. */
export function rpcCode(err: unknown): number | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "number") {
    return err.code;
  }
  return undefined;
}
