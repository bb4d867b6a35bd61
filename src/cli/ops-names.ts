/** The CLI's words for the operations and fields that ops messages name (see `Names`). */
import { isOpsError, type Names, type OpsError } from "../ops/errors.js";
import { CliError } from "./errors.js";

const COMMANDS: Record<string, string> = {
  list_accounts: "`wxagent status`",
  list_contacts: "`wxagent contacts`",
  recent_messages: "`wxagent history`",
  wait_for_messages: "`wxagent history`",
  send_text: "`wxagent send --text`",
  send_file: "`wxagent send --file`",
  login_start: "`wxagent login`",
  login_status: "`wxagent login`",
};

export const CLI_NAMES: Names = {
  op: (name) => COMMANDS[name] ?? `the MCP tool ${name} (\`wxagent mcp\`)`,
  field: (name) => `\`--${name.replace(/_/g, "-")}\``,
};

/** An operation's failure as the CLI reports it: its message in CLI words, and its code. */
export function opsFailure(err: OpsError): CliError {
  return new CliError(`${err.messageFor(CLI_NAMES)} [${err.code}]`);
}

/** Rethrow an OpsError as the CLI's error; anything else as it is. */
export function rethrowForCli(err: unknown): never {
  throw isOpsError(err) ? opsFailure(err) : err;
}
