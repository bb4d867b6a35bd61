import type { Command } from "commander";
import { readLeaseTtlMs } from "../../config/read.js";
import { DEFAULT_LEASE_TTL_MS } from "../../gateway/lease-keeper.js";
import { allHealthFacts, type FixHints } from "../../ops/health.js";
import { type AccountJson, accountJson } from "../../ops/json.js";
import type { AsyncStore } from "../../store/async.js";
import type { LeaseHolder } from "../../store/postgres-leases.js";
import { type ReadStore, withReadStore } from "../home.js";
import { printJson, writeText } from "../options.js";

/** A person at a terminal: name the command that logs in again. */
const CLI_FIX_HINTS: FixHints = {
  expired: "run `wxagent login` to scan a new QR code",
  disabled: "the account is disabled",
};

/** On PostgreSQL nobody polls an account whose lease no node holds (no lock file counts there). */
const NO_LEASE_FIX =
  "no gateway node holds this account's lease, so nobody polls it: the gateway does not run on PostgreSQL yet in this version (`wxagent start` needs SQLite)";

/**
 * Every account with its health, in the shape `list_accounts` gives (works whether or not a
 * gateway runs). `leases`: the lease table's rows on PostgreSQL, where they say who polls.
 */
export async function accountsJson(
  store: AsyncStore,
  home: string,
  quotaPerToken: number,
  leases?: readonly LeaseHolder[],
): Promise<AccountJson[]> {
  const facts = await allHealthFacts(store, {
    home,
    quotaPerToken,
    fixHints: leases ? { ...CLI_FIX_HINTS, noPoller: NO_LEASE_FIX } : CLI_FIX_HINTS,
    contactLimit: 20,
    ...(leases ? { leases } : {}),
  });
  return facts.map(accountJson);
}

/** `accountsJson` of a store opened by `withReadStore`: on PostgreSQL the leases are read once. */
export async function readAccounts(h: ReadStore): Promise<AccountJson[]> {
  const leases = await h.postgres?.leases.holders();
  return accountsJson(h.store, h.paths.home, h.gateway.quotaPerToken, leases);
}

const time = (at: string | null): string => at ?? "never";

/** The polling part of an account's status line, as a person reads it. */
export function pollingText(a: AccountJson): string {
  const node = a.poller?.node;
  const who = node ? `node ${node.id}` : a.poller ? `pid ${a.poller.pid}` : "";
  switch (a.polling) {
    case "ok":
      return `ok (${who}${a.last_poll_at ? `, last answered ${a.last_poll_at}` : ", waiting for the first answer"})`;
    case "failing":
      return `FAILING (${who}): ${a.poll_failures} failed in a row${a.last_poll_at ? `, last answered ${a.last_poll_at}` : ", none answered yet"}`;
    case "paused":
      return `paused (${a.state}: nothing is fetched until a new login)`;
    case "none":
      return "none (no process polls it)";
  }
}

/** On PostgreSQL: which node polls the account, from its lease. */
export function leaseText(a: AccountJson): string {
  const node = a.poller?.node;
  if (!node) return "no live lease: no node polls it";
  return `polled by node ${node.id} (lease epoch ${node.epoch}, expires ${node.expires_at})`;
}

function printAccount(a: AccountJson, onPostgres: boolean): void {
  const out = (line: string) => writeText(`${line}\n`);
  const flag = a.state === "expired" ? "EXPIRED" : a.state;
  out(`${a.account}  ${flag}  polling: ${pollingText(a)}${a.simulated ? "  (simulated)" : ""}`);
  if (onPostgres) out(`  ${leaseText(a)}`);
  if (a.last_error && a.poll_failures > 0) out(`  last error (${a.last_error_at}): ${a.last_error}`);
  if (a.fix) out(`  fix: ${a.fix}`);
  out(`  last message ${time(a.last_message_at)}  owner ${a.owner ?? "none"}`);
  out(`  queue ${a.queue}  sending ${a.sending}  outbox ${a.outbox}`);
  if (a.schedules.active > 0 || a.schedules.held > 0) {
    const held = a.schedules.held
      ? `, ${a.schedules.held} firing(s) HELD until the contact writes (see \`wxagent schedule list\`)`
      : "";
    out(`  schedules ${a.schedules.active} active${held}`);
  }
  for (const c of a.contacts.slice(0, 10)) {
    out(
      `  · ${c.contact}  sends left ${c.sends_left}${c.outbox ? `  outbox ${c.outbox}` : ""}  seen ${c.last_seen_at}`,
    );
  }
}

export function defineStatus(cmd: Command): void {
  cmd
    .option(
      "--json",
      "print {accounts: [...]}, the answer of list_accounts and GET /api/accounts (on PostgreSQL also the store and its live nodes)",
    )
    .action(async (opts: { json?: boolean }) => {
      await withReadStore(async (h) => {
        const accounts = await readAccounts(h);
        const pg = h.postgres;
        const nodes = pg
          ? await pg.leases.liveNodes(await readLeaseTtlMs(h.paths.configPath, DEFAULT_LEASE_TTL_MS))
          : undefined;
        if (opts.json) {
          printJson(pg ? { accounts, store: { kind: "postgres", url: pg.where }, nodes } : { accounts });
          return;
        }
        if (pg) {
          writeText(
            `store: PostgreSQL ${pg.where}\nlive nodes: ${nodes?.length ? nodes.join(", ") : "none"}\n`,
          );
        }
        if (accounts.length === 0) {
          process.stdout.write(
            "no accounts yet: run `wxagent login` (or `npm start` to try the simulator)\n",
          );
          return;
        }
        for (const a of accounts) printAccount(a, pg !== undefined);
      });
    });
}
