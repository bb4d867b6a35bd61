import type { Command } from "commander";
import { allHealthFacts, type FixHints } from "../../ops/health.js";
import { type AccountJson, accountJson } from "../../ops/json.js";
import type { Store } from "../../store/types.js";
import { withExistingHome } from "../home.js";
import { printJson } from "../options.js";

/** A person at a terminal: name the command that logs in again. */
const CLI_FIX_HINTS: FixHints = {
  expired: "run `wxagent login` to scan a new QR code",
  disabled: "the account is disabled",
};

/** Every account with its health, in the shape `list_accounts` gives (works whether or not a gateway runs). */
export function accountsJson(store: Store, home: string, quotaPerToken: number): AccountJson[] {
  return allHealthFacts(store, { home, quotaPerToken, fixHints: CLI_FIX_HINTS, contactLimit: 20 }).map(
    accountJson,
  );
}

const time = (at: string | null): string => at ?? "never";

/** The polling part of an account's status line, as a person reads it. */
export function pollingText(a: AccountJson): string {
  const pid = a.poller ? `pid ${a.poller.pid}` : "";
  switch (a.polling) {
    case "ok":
      return `ok (${pid}${a.last_poll_at ? `, last answered ${a.last_poll_at}` : ", waiting for the first answer"})`;
    case "failing":
      return `FAILING (${pid}): ${a.poll_failures} failed in a row${a.last_poll_at ? `, last answered ${a.last_poll_at}` : ", none answered yet"}`;
    case "paused":
      return `paused (${a.state}: nothing is fetched until a new login)`;
    case "none":
      return "none (no process polls it)";
  }
}

export function defineStatus(cmd: Command): void {
  cmd
    .option("--json", "print {accounts: [...]}, the answer of list_accounts and GET /api/accounts")
    .action(async (opts: { json?: boolean }) => {
      await withExistingHome(({ store, paths, gateway }) => {
        const accounts = accountsJson(store, paths.home, gateway.quotaPerToken);
        if (opts.json) {
          printJson({ accounts });
          return;
        }
        if (accounts.length === 0) {
          process.stdout.write(
            "no accounts yet: run `wxagent login` (or `npm start` to try the simulator)\n",
          );
          return;
        }
        for (const a of accounts) {
          const flag = a.state === "expired" ? "EXPIRED" : a.state;
          process.stdout.write(
            `${a.account}  ${flag}  polling: ${pollingText(a)}${a.simulated ? "  (simulated)" : ""}\n`,
          );
          if (a.last_error && a.poll_failures > 0) {
            process.stdout.write(`  last error (${a.last_error_at}): ${a.last_error}\n`);
          }
          if (a.fix) process.stdout.write(`  fix: ${a.fix}\n`);
          process.stdout.write(
            `  last message ${time(a.last_message_at)}  owner ${a.owner ?? "none"}\n  queue ${a.queue}  sending ${a.sending}  outbox ${a.outbox}\n`,
          );
          if (a.schedules.active > 0 || a.schedules.held > 0) {
            const held = a.schedules.held
              ? `, ${a.schedules.held} firing(s) HELD until the contact writes (see \`wxagent schedule list\`)`
              : "";
            process.stdout.write(`  schedules ${a.schedules.active} active${held}\n`);
          }
          for (const c of a.contacts.slice(0, 10)) {
            process.stdout.write(
              `  · ${c.contact}  sends left ${c.sends_left}${c.outbox ? `  outbox ${c.outbox}` : ""}  seen ${c.last_seen_at}\n`,
            );
          }
        }
      });
    });
}
