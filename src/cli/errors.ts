import { WxError } from "../ilink/wx-error.js";

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
