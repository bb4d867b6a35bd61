#!/usr/bin/env node
/**
 * The wxagent command line. The only module that touches process.exit and signals.
 * Exit codes: 0 ok, 1 failure, 2 usage.
 */
import { Command, CommanderError } from "commander";
import { registerAccounts } from "./commands/accounts.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerHistory } from "./commands/history.js";
import { registerLogin } from "./commands/login.js";
import { registerMcp } from "./commands/mcp.js";
import { registerPairing } from "./commands/pairing.js";
import { registerSchedule } from "./commands/schedule.js";
import { registerSend } from "./commands/send.js";
import { registerService } from "./commands/service.js";
import { registerSim } from "./commands/sim.js";
import { registerStart } from "./commands/start.js";
import { registerStatus } from "./commands/status.js";
import { CliError } from "./errors.js";

const program = new Command();
program
  .name("wxagent")
  .description("AI agents in personal WeChat over Tencent's iLink Bot API")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerStart(program);
registerSim(program);
registerLogin(program);
registerAccounts(program);
registerSend(program);
registerSchedule(program);
registerHistory(program);
registerStatus(program);
registerDoctor(program);
registerPairing(program);
registerMcp(program);
registerService(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with exit code 0.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof CliError) {
    process.stderr.write(`wxagent: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`wxagent: ${message}\n`);
  process.exit(1);
}
