import type { Command } from "commander";
import { liveTokenLock } from "../../store/index.js";
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
  polling: string;
  last_poll: string;
  last_message: string;
  queue: number;
  outbound_pending: number;
  outbox: number;
  fix?: string;
  contacts: ContactHealth[];
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : "-");

/** Health of every account as the store knows it (works whether or not a gateway runs). */
export function collectHealth(store: Store, home: string, quotaPerToken: number): AccountHealth[] {
  return store.accounts.list().map((a) => {
    const lock = liveTokenLock(home, a.token || a.id);
    const contacts = store.contacts
      .list(a.id)
      .sort((x, y) => y.lastSeenAtMs - x.lastSeenAtMs)
      .slice(0, 20)
      .map((c) => {
        const tok = store.contextTokens.get(a.id, c.userId);
        return {
          contact: c.userId,
          sends_left: tok ? Math.max(0, quotaPerToken - tok.sendCount) : 0,
          outbox: store.outbound.deferred(a.id, c.userId).length,
          last_seen: iso(c.lastSeenAtMs),
        };
      });
    const health: AccountHealth = {
      account: a.id,
      state: a.state,
      polling: lock ? `yes (pid ${lock.pid})` : "no",
      last_poll: iso(a.lastPollAtMs),
      last_message: iso(a.lastInboundAtMs),
      queue: store.inbound.countByState(a.id, "pending") + store.inbound.countByState(a.id, "processing"),
      outbound_pending: store.outbound.countByState(a.id, "pending"),
      outbox: store.outbound.countByState(a.id, "deferred"),
      contacts,
    };
    if (a.state === "expired") health.fix = a.stateReason ?? "run `wxagent login` to scan a new QR code";
    else if (a.state === "disabled") health.fix = a.stateReason ?? "the account is disabled";
    return health;
  });
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
          process.stdout.write(`${h.account}  ${flag}  polling: ${h.polling}\n`);
          if (h.fix) process.stdout.write(`  fix: ${h.fix}\n`);
          process.stdout.write(
            `  last poll ${h.last_poll}  last message ${h.last_message}\n  queue ${h.queue}  sending ${h.outbound_pending}  outbox ${h.outbox}\n`,
          );
          for (const c of h.contacts.slice(0, 10)) {
            process.stdout.write(
              `  · ${c.contact}  sends left ${c.sends_left}${c.outbox ? `  outbox ${c.outbox}` : ""}  seen ${c.last_seen}\n`,
            );
          }
        }
      });
    });
}
