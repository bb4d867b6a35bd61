import type { Command } from "commander";
import { allHealthFacts, type FixHints } from "../../ops/health.js";
import type { Store } from "../../store/types.js";
import { withHome } from "../home.js";

export interface ContactHealth {
  contact: string;
  sends_left: number;
  outbox: number;
  last_seen: string;
}

export interface AccountHealth {
  account: string;
  state: string;
  /** On a simulator (`npm start`'s embedded one, `wxagent sim`), not WeChat. */
  simulated: boolean;
  polling: string;
  last_poll: string;
  last_message: string;
  queue: number;
  outbound_pending: number;
  outbox: number;
  /** Active jobs; firings held until the contact writes (never a silent "sent"). */
  schedules: { active: number; held: number };
  fix?: string;
  contacts: ContactHealth[];
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : "-");

/** A person at a terminal: name the command that logs in again. */
const CLI_FIX_HINTS: FixHints = {
  expired: "run `wxagent login` to scan a new QR code",
  disabled: "the account is disabled",
};

/** Health of every account as the store knows it (works whether or not a gateway runs). */
export function collectHealth(store: Store, home: string, quotaPerToken: number): AccountHealth[] {
  return allHealthFacts(store, { home, quotaPerToken, fixHints: CLI_FIX_HINTS, contactLimit: 20 }).map(
    (f) => {
      const health: AccountHealth = {
        account: f.accountId,
        state: f.state,
        simulated: f.simulated,
        polling: f.polling ? `yes (pid ${f.polling.pid})` : "no",
        last_poll: iso(f.lastPollAtMs),
        last_message: iso(f.lastInboundAtMs),
        queue: f.queue,
        outbound_pending: f.sending,
        outbox: f.outbox,
        schedules: f.schedules,
        contacts: f.contacts.map((c) => ({
          contact: c.userId,
          sends_left: c.sendsLeft,
          outbox: c.outbox,
          last_seen: iso(c.lastSeenAtMs),
        })),
      };
      if (f.fix !== undefined) health.fix = f.fix;
      return health;
    },
  );
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("health of every account: polling, last message, expired (with the fix), queue, sends left")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withHome(({ store, paths, config }) => {
        const health = collectHealth(store, paths.home, config.gateway.quotaPerToken);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(health, null, 2)}\n`);
          return;
        }
        if (health.length === 0) {
          process.stdout.write(
            "no accounts yet: run `wxagent login` (or `npm start` to try the simulator)\n",
          );
          return;
        }
        for (const h of health) {
          const flag = h.state === "expired" ? "EXPIRED" : h.state;
          process.stdout.write(
            `${h.account}  ${flag}  polling: ${h.polling}${h.simulated ? "  (simulated)" : ""}\n`,
          );
          if (h.fix) process.stdout.write(`  fix: ${h.fix}\n`);
          process.stdout.write(
            `  last poll ${h.last_poll}  last message ${h.last_message}\n  queue ${h.queue}  sending ${h.outbound_pending}  outbox ${h.outbox}\n`,
          );
          if (h.schedules.active > 0 || h.schedules.held > 0) {
            const held = h.schedules.held
              ? `, ${h.schedules.held} firing(s) HELD until the contact writes (see \`wxagent schedule list\`)`
              : "";
            process.stdout.write(`  schedules ${h.schedules.active} active${held}\n`);
          }
          for (const c of h.contacts.slice(0, 10)) {
            process.stdout.write(
              `  · ${c.contact}  sends left ${c.sends_left}${c.outbox ? `  outbox ${c.outbox}` : ""}  seen ${c.last_seen}\n`,
            );
          }
        }
      });
    });
}
