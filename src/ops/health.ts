/**
 * Account health, computed once (the store's traffic facts from gateway/account-facts.ts, plus
 * polling, state and the fix to show): the facts behind `wxagent status` (CLI), `list_accounts` (MCP
 * and REST) and the admin UI's account cards. Those three are views that rename and format these
 * facts and never read the store for health themselves, so they cannot drift apart on what
 * "queue", "outbox" or "sends left" mean. Reads only the store (where the polling process records
 * each answered and failed poll) and who polls: the poller lock files on SQLite (one machine), the
 * lease table on PostgreSQL (read once by the caller: `HealthOptions.leases`), so it works whether
 * or not a gateway runs in this process. No zod here: `wxagent status` loads this module.
 */
import { hostname } from "node:os";
import { type ContactHealthFacts, contactFacts, trafficFacts } from "../gateway/account-facts.js";
import { isLoopbackBind } from "../shared/loopback.js";
import type { AsyncStore } from "../store/async.js";
import { liveTokenLock } from "../store/lock.js";
import type { LeaseHolder } from "../store/postgres-leases.js";
import type { Account, AccountState } from "../store/types.js";

export {
  type ContactHealthFacts,
  type ContactSendFacts,
  contactFacts,
  contactSendFacts,
} from "../gateway/account-facts.js";

/** The gateway node holding an account's live lease (PostgreSQL). */
export interface PollingNode {
  id: string;
  /** The lease's epoch: it rises each time the account passes to another node. */
  epoch: number;
  /** When the lease runs out unless the node renews it (ISO 8601, the server's clock). */
  expires_at: string;
}

export interface PollingInfo {
  /** The lock holder's pid; null on PostgreSQL, where a node's lease says who polls. */
  pid: number | null;
  /** The holder's command line (shortened, secrets redacted); null on PostgreSQL. */
  command: string | null;
  /** This very process polls the account. */
  this_process: boolean;
  /** On PostgreSQL: the node holding the account's live lease. */
  node?: PollingNode;
}

/** Who polls the account, from its lock file; undefined when nobody (or a dead process) holds it. */
export function pollingOf(home: string, account: Account): PollingInfo | undefined {
  // Keyed like `acquireTokenLock`: two account ids sharing one token share one poller.
  const lock = liveTokenLock(home, account.token || account.id);
  if (!lock) return undefined;
  const local = !lock.hostname || lock.hostname === hostname();
  return { pid: lock.pid, command: lock.command, this_process: local && lock.pid === process.pid };
}

/** Who polls the account on PostgreSQL: the node holding its live lease; undefined when none does. */
export function leasePollingOf(leases: readonly LeaseHolder[], account: Account): PollingInfo | undefined {
  const held = leases.find((l) => l.accountId === account.id && l.live && l.nodeId !== undefined);
  if (!held?.nodeId) return undefined;
  const node = { id: held.nodeId, epoch: held.epoch, expires_at: new Date(held.expiresAtMs).toISOString() };
  return { pid: null, command: null, this_process: false, node };
}

/**
 * The sentences a surface shows where the fix depends on how it is reached: the CLI names
 * commands, the MCP tools their own names, the admin page its QR login.
 */
export interface FixHints {
  /** An expired account with no stored reason. */
  expired: string;
  disabled: string;
  /** An active account that no process polls. */
  noPoller?: string;
  /** An account with no owner recorded (`accounts add` without `--owner`). */
  noOwner?: string;
}

export const DEFAULT_NO_POLLER =
  "nobody polls this account: start `wxagent start` (or keep `wxagent mcp` running)";
export const DEFAULT_NO_OWNER =
  "no owner recorded, so the owner is treated as any other contact (the DM policy, pairing by default, decides); log in with `wxagent login`, or add it again with `wxagent accounts add … --owner <userId>`";

export interface HealthOptions {
  /** `$WXAGENT_HOME`, where the poller lock files are. */
  home: string;
  /** Sends allowed per context token (config `gateway.quotaPerToken`). */
  quotaPerToken: number;
  fixHints: FixHints;
  /** Report this many contacts, most recently seen first (default 10); 0 skips the per-contact reads. */
  contactLimit?: number;
  /**
   * The lease table's rows (`LeaseTable.holders()`), on PostgreSQL: who polls is then the node
   * holding an account's live lease, not a lock file. Unset on SQLite.
   */
  leases?: readonly LeaseHolder[];
}

/**
 * What polling achieves for an account: `ok` (a process polls it and its polls are answered, or
 * the first is still held open by the server), `failing` (a process polls it and its latest
 * polls failed), `paused` (expired or disabled: nothing is fetched until a new login), `none`
 * (active, but no process polls it).
 */
export type PollHealth = "ok" | "failing" | "paused" | "none";

/** One account's health. No bot token: views may serialize it whole. */
export interface AccountHealthFacts {
  accountId: string;
  name?: string;
  ownerUserId?: string;
  baseUrl: string;
  state: AccountState;
  /** The account lives on a simulator, not on WeChat. */
  simulated: boolean;
  /** What to do, the most pressing first (state, then polling, then owner); unset when healthy. */
  fix?: string;
  /** The live process holding the account's poller lock (or node holding its lease); unset when none. */
  polling?: PollingInfo;
  pollHealth: PollHealth;
  /** Failed polls in a row since the last answered one, as the polling process recorded them. */
  pollFailures: number;
  lastPollError?: string;
  lastPollErrorAtMs?: number;
  /** The last poll the server answered. */
  lastPollAtMs?: number;
  lastInboundAtMs?: number;
  /** Inbound messages not answered yet: `pending` plus `processing`. */
  queue: number;
  /** Outbound bubbles recorded and not sent yet (`pending`). */
  sending: number;
  /** Outbound bubbles in the durable outbox (`deferred`), over all contacts. */
  outbox: number;
  /** Active scheduled jobs, and firings held in the outbox because the contact's window was closed. */
  schedules: { active: number; held: number };
  contacts: ContactHealthFacts[];
}

const DEFAULT_HEALTH_CONTACTS = 10;

export function pollHealthOf(account: Account, polling: PollingInfo | undefined): PollHealth {
  if (account.state !== "active") return "paused";
  if (!polling) return "none";
  return account.pollFailures > 0 ? "failing" : "ok";
}

/** What to do about polls that keep failing, read from the recorded error. */
export function pollFailureFix(account: Account): string {
  const err = account.lastPollError ?? "";
  let host = "";
  try {
    host = new URL(account.baseUrl).hostname;
  } catch {
    host = "";
  }
  if (/network failure|no answer within|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed/.test(err)) {
    if (isLoopbackBind(host)) {
      return `nothing answers at ${account.baseUrl}, a local address (a simulator that is not running?): start it there again, or remove the account with \`wxagent accounts remove ${account.id}\``;
    }
    return `${account.baseUrl} cannot be reached from this machine: check the network, DNS and any proxy; polling retries by itself (every 30 s after 3 failures)`;
  }
  if (/HTTP 5\d\d/.test(err)) {
    return `the iLink server answers with errors (usually brief); polling retries by itself; if it lasts, check ${account.baseUrl}`;
  }
  return `polling retries by itself; if it keeps failing, check ${account.baseUrl} and the logs of the polling process`;
}

/** Why an older account of a WeChat user is expired once a newer login of the same user exists. */
export function replacedReason(newerId: string, olderId: string): string {
  return `replaced by ${newerId}, a newer login of the same WeChat user: remove this one with \`wxagent accounts remove ${olderId}\``;
}

/** A newer active account of the same WeChat user, which replaced this expired one. */
async function replacementOf(store: AsyncStore, a: Account): Promise<Account | undefined> {
  // On a simulator one user may own many bots (the chat page's "Create bot account"): no
  // replacement there but the one a login records (`saveLogin`'s reason).
  if (a.state === "active" || !a.ownerUserId || a.simulated) return undefined;
  return (await store.accounts.list())
    .filter((o) => o.id !== a.id && o.state === "active" && o.ownerUserId === a.ownerUserId)
    .sort((x, y) => y.createdAtMs - x.createdAtMs)[0];
}

async function fixOf(
  store: AsyncStore,
  a: Account,
  health: PollHealth,
  hints: FixHints,
): Promise<string | undefined> {
  if (a.state !== "active") {
    const newer = await replacementOf(store, a);
    if (newer) return replacedReason(newer.id, a.id);
    return a.stateReason ?? (a.state === "expired" ? hints.expired : hints.disabled);
  }
  if (health === "failing") return pollFailureFix(a);
  if (health === "none") return hints.noPoller ?? DEFAULT_NO_POLLER;
  if (!a.ownerUserId) return hints.noOwner ?? DEFAULT_NO_OWNER;
  return undefined;
}

export async function healthFacts(
  store: AsyncStore,
  account: Account,
  options: HealthOptions,
): Promise<AccountHealthFacts> {
  const a = account;
  const limit = options.contactLimit ?? DEFAULT_HEALTH_CONTACTS;
  const polling = options.leases ? leasePollingOf(options.leases, a) : pollingOf(options.home, a);
  const pollHealth = pollHealthOf(a, polling);
  const [contacts, traffic, active, held, fix] = await Promise.all([
    limit <= 0 ? [] : contactFacts(store, options.quotaPerToken, a.id, limit),
    trafficFacts(store, a.id),
    store.schedules.list({ accountId: a.id, state: "active" }),
    store.schedules.runs({ accountId: a.id, state: "held" }),
    fixOf(store, a, pollHealth, options.fixHints),
  ]);
  const facts: AccountHealthFacts = {
    accountId: a.id,
    baseUrl: a.baseUrl,
    state: a.state,
    pollHealth,
    pollFailures: a.pollFailures,
    simulated: a.simulated === true,
    ...traffic,
    schedules: { active: active.length, held: held.length },
    contacts,
  };
  if (a.name) facts.name = a.name;
  if (a.ownerUserId) facts.ownerUserId = a.ownerUserId;
  if (fix !== undefined) facts.fix = fix;
  if (polling) facts.polling = polling;
  if (a.lastPollError !== undefined) facts.lastPollError = a.lastPollError;
  if (a.lastPollErrorAtMs !== undefined) facts.lastPollErrorAtMs = a.lastPollErrorAtMs;
  if (a.lastPollAtMs !== undefined) facts.lastPollAtMs = a.lastPollAtMs;
  if (a.lastInboundAtMs !== undefined) facts.lastInboundAtMs = a.lastInboundAtMs;
  return facts;
}

/** Every stored account's health, in the store's order. */
export async function allHealthFacts(
  store: AsyncStore,
  options: HealthOptions,
): Promise<AccountHealthFacts[]> {
  const accounts = await store.accounts.list();
  return Promise.all(accounts.map((a) => healthFacts(store, a, options)));
}
