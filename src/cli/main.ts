#!/usr/bin/env node
/**
 * The wxagent command line. The only module that touches process.exit and signals.
 * Exit codes: 0 ok, 1 failure, 2 usage.
 *
 * Start-up is kept short: this file loads commander and nothing else, and the module that
 * defines a command (with what it imports: the store, the gateway, the simulator …) is loaded
 * only when that command runs. `wxagent --help` and `wxagent status` so skip the gateway, the
 * admin UI and the config schema (`npm run bench:cli` measures them).
 */
import { Command, CommanderError } from "commander";
import { VERSION } from "../shared/version.js";
import { messageOf } from "../shared/wx-error.js";
import { CliError, cliHint } from "./errors.js";

type Define = (cmd: Command) => void;

interface Entry {
  name: string;
  description: string;
  load(): Promise<Define>;
}

/** Every command, in the order `--help` lists them. */
const COMMANDS: readonly Entry[] = [
  {
    name: "start",
    description: "the gateway daemon: one long-poll per account, one agent turn per inbound message",
    load: async () => (await import("./commands/start.js")).defineStart,
  },
  {
    name: "sim",
    description: "run the local iLink simulator (server + CDN + chat page + control API)",
    load: async () => (await import("./commands/sim.js")).defineSim,
  },
  {
    name: "login",
    description: "QR login in the terminal; saves the account",
    load: async () => (await import("./commands/login.js")).defineLogin,
  },
  {
    name: "accounts",
    description: "list accounts with health; add one from known credentials; remove one",
    load: async () => (await import("./commands/accounts.js")).defineAccounts,
  },
  {
    name: "contacts",
    description: "who wrote to the bot, and whether it can write to them now",
    load: async () => (await import("./commands/contacts.js")).defineContacts,
  },
  {
    name: "send",
    description: "a proactive send through a logged-in account (the contact must have written first)",
    load: async () => (await import("./commands/send.js")).defineSend,
  },
  {
    name: "schedule",
    description: "scheduled and proactive messages: list, add, cancel (fired by `wxagent start`)",
    load: async () => (await import("./commands/schedule.js")).defineSchedule,
  },
  {
    name: "history",
    description: "messages exchanged, newest last",
    load: async () => (await import("./commands/history.js")).defineHistory,
  },
  {
    name: "status",
    description: "health of every account: polling, last message, expired (with the fix), queue, sends left",
    load: async () => (await import("./commands/status.js")).defineStatus,
  },
  {
    name: "doctor",
    description: "a checklist of what is wrong and how to fix it",
    load: async () => (await import("./commands/doctor.js")).defineDoctor,
  },
  {
    name: "pairing",
    description: "pairing requests from unknown contacts: list, approve, deny",
    load: async () => (await import("./commands/pairing.js")).definePairing,
  },
  {
    name: "mcp",
    description: "MCP server: WeChat as tools for any MCP client (stdio by default)",
    load: async () => (await import("./commands/mcp.js")).defineMcp,
  },
  {
    name: "service",
    description: "run `wxagent start` as a user service (systemd on Linux, launchd on macOS)",
    load: async () => (await import("./commands/service.js")).defineService,
  },
];

/** The command the arguments name (`wxagent help X` names X), if any. */
function commandNamed(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  return words[0] === "help" ? words[1] : words[0];
}

const program = new Command();
program
  .name("wxagent")
  .description("AI agents in personal WeChat over Tencent's iLink Bot API")
  .version(VERSION)
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

try {
  const wanted = commandNamed(process.argv.slice(2));
  for (const entry of COMMANDS) {
    // Every command is listed; only the one that runs is defined in full.
    const cmd = program.command(entry.name).description(entry.description);
    if (entry.name === wanted) (await entry.load())(cmd);
  }
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with exit code 0.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  // The message may quote a server's or a contact's text: shown, never acted on by the terminal.
  // Loaded here: `--help` loads nothing but commander and this file (test/cli/startup.test.ts).
  const { showInvisible } = await import("../shared/invisible.js");
  if (err instanceof CliError) {
    process.stderr.write(showInvisible(`wxagent: ${err.message}\n`));
    process.exit(err.exitCode);
  }
  process.stderr.write(showInvisible(`wxagent: ${messageOf(err)}${cliHint(err)}\n`));
  process.exit(1);
}
