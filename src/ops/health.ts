/**
 * Account health, computed once: the facts behind `wxagent status` (CLI), `list_accounts` (MCP
 * and REST) and the admin UI's account cards. Those three are views that rename and format these
 * facts and never read the store for health themselves, so they cannot drift apart on what
 * "queue", "outbox" or "sends left" mean. Reads only the store and the poller lock files, so it
 * works whether or not a gateway runs in this process.
 */
import { hostname } from "node:os";
import { sendsLeft } from "../gateway/delivery/quota.js";
import { liveTokenLock } from "../store/lock.js";
import type { Account, AccountState, Store } from "../store/types.js";

export interface PollingInfo {
  pid: number;
  /** The holder's command line (shortened, secrets redacted). */
  command: string;
  /** This very process polls the account. */
  this_process: boolean;
}

/** Who polls the account, from its lock file; undefined when nobody (or a dead process) holds it. */
export function pollingOf(home: string, account: Account): PollingInfo | undefined {
  // Keyed like `acquireTokenLock`: two account ids sharing one token share one poller.
  const lock = liveTokenLock(home, account.token || account.id);
  if (!lock) return undefined;
  const local = !lock.hostname || lock.hostname === hostname();
  return { pid: lock.pid, command: lock.command, this_process: local && lock.pid === process.pid };
}

/** What the bot can still send one contact. */
export interface ContactSendFacts {
  /** The contact wrote and left a context token, so the bot can write to them now. */
  hasContextToken: boolean;
  /** Sends left on the contact's freshest context token under the quota; 0 without a token. */
  sendsLeft: number;
  /** Bubbles waiting in the durable outbox for the contact's next message. */
  outbox: number;
}

export function contactSendFacts(
  store: Store,
  quotaPerToken: number,
  accountId: string,
  userId: string,
): ContactSendFacts {
  const left = sendsLeft(store.contextTokens, quotaPerToken, accountId, userId);
  return {
    hasContextToken: left !== undefined,
    sendsLeft: left ?? 0,
    outbox: store.outbound.deferred(accountId, userId).length,
  };
}

export interface ContactHealthFacts extends ContactSendFacts {
  userId: string;
  lastSeenAtMs: number;
}

/**
 * The sentence shown for a non-active account that has no stored reason. Each surface names its
 * own way to log in again (the CLI command, the MCP tool, the admin page's QR login).
 */
export interface FixHints {
  expired: string;
  disabled: string;
}

export interface HealthOptions {
  /** `$WXAGENT_HOME`, where the poller lock files are. */
  home: string;
  /** Sends allowed per context token (config `gateway.quotaPerToken`). */
  quotaPerToken: number;
  fixHints: FixHints;
  /** Report this many contacts, most recently seen first (default 10); 0 skips the per-contact reads. */
  contactLimit?: number;
}

/** One account's health. No bot token: views may serialize it whole. */
export interface AccountHealthFacts {
  accountId: string;
  name?: string;
  ownerUserId?: string;
  state: AccountState;
  /** The account lives on a simulator, not on WeChat. */
  simulated: boolean;
  /** What fixes a non-active account: its stored reason, else the surface's hint. Unset when active. */
  fix?: string;
  /** The live process polling the account, from its lock file; unset when nobody polls it. */
  polling?: PollingInfo;
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

export function healthFacts(store: Store, account: Account, options: HealthOptions): AccountHealthFacts {
  const a = account;
  const limit = options.contactLimit ?? DEFAULT_HEALTH_CONTACTS;
  const contacts =
    limit <= 0
      ? []
      : store.contacts
          .list(a.id)
          .sort((x, y) => y.lastSeenAtMs - x.lastSeenAtMs)
          .slice(0, limit)
          .map((c) => ({
            userId: c.userId,
            lastSeenAtMs: c.lastSeenAtMs,
            ...contactSendFacts(store, options.quotaPerToken, a.id, c.userId),
          }));
  const facts: AccountHealthFacts = {
    accountId: a.id,
    state: a.state,
    simulated: a.simulated === true,
    queue: store.inbound.countByState(a.id, "pending") + store.inbound.countByState(a.id, "processing"),
    sending: store.outbound.countByState(a.id, "pending"),
    outbox: store.outbound.countByState(a.id, "deferred"),
    schedules: {
      active: store.schedules.list({ accountId: a.id, state: "active" }).length,
      held: store.schedules.runs({ accountId: a.id, state: "held" }).length,
    },
    contacts,
  };
  if (a.name) facts.name = a.name;
  if (a.ownerUserId) facts.ownerUserId = a.ownerUserId;
  if (a.state !== "active") {
    facts.fix =
      a.stateReason ?? (a.state === "expired" ? options.fixHints.expired : options.fixHints.disabled);
  }
  const polling = pollingOf(options.home, a);
  if (polling) facts.polling = polling;
  if (a.lastPollAtMs !== undefined) facts.lastPollAtMs = a.lastPollAtMs;
  if (a.lastInboundAtMs !== undefined) facts.lastInboundAtMs = a.lastInboundAtMs;
  return facts;
}

/** Every stored account's health, in the store's order. */
export function allHealthFacts(store: Store, options: HealthOptions): AccountHealthFacts[] {
  return store.accounts.list().map((a) => healthFacts(store, a, options));
}
