import { WxError } from "../shared/wx-error.js";

/** `USAGE`: the command line is wrong (exit 2); `COMMAND_FAILED`: the command ran and failed (exit 1). */
export type CliErrorCode = "USAGE" | "COMMAND_FAILED";

/** A failure the CLI reports in one line, with the exit code it implies (1 failure, 2 usage). */
export class CliError extends WxError<CliErrorCode> {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(exitCode === 2 ? "USAGE" : "COMMAND_FAILED", message);
  }
}

export function usage(message: string): CliError {
  return new CliError(message, 2);
}

/** SDK error codes that a new login fixes (the SDK's own message names `loginWithQr()`). */
const LOGIN_FIXES = new Set(["SESSION_EXPIRED", "HTTP_401", "HTTP_403"]);

/** The CLI's own way out for an error from a layer below, appended where the CLI prints it ("" if none). */
export function cliHint(err: unknown): string {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === "string" && LOGIN_FIXES.has(code) ? "; from the command line: `wxagent login`" : "";
}
