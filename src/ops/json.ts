/**
 * The JSON shape of each fact, defined once: `list_accounts` and `list_contacts` (MCP and REST)
 * answer with these, and the CLI's `--json` prints the same objects (`wxagent status --json` is
 * `GET /api/accounts`). Field names are snake_case; a value that is not there is `null`, never
 * `"-"` or absent; times are ISO 8601 strings; counts are numbers. No zod here (the CLI loads it).
 */
import type { AccountState } from "../store/types.js";
import type { AccountHealthFacts, ContactHealthFacts, PollHealth, PollingInfo } from "./health.js";

/** A contact who wrote to an account. */
export interface ContactJson {
  account: string;
  contact: string;
  name: string | null;
  first_seen_at: string;
  last_seen_at: string;
  /** The contact left a context token: the bot can write to them now. */
  has_context_token: boolean;
  /** Sends left on that token under the quota (0 without one). */
  sends_left: number;
  /** Bubbles waiting in the outbox for their next message. */
  outbox: number;
}

/** An account with its health. */
export interface AccountJson {
  account: string;
  name: string | null;
  owner: string | null;
  base_url: string;
  state: AccountState;
  /** The account lives on a simulator (`wxagent sim`, `npm start`), not on WeChat. */
  simulated: boolean;
  /** ok | failing | paused (expired or disabled) | none (no process polls it). */
  polling: PollHealth;
  /** The process holding the account's poller lock; on PostgreSQL, `node` is the lease holder. */
  poller: PollingInfo | null;
  /** The last poll the server answered. */
  last_poll_at: string | null;
  /** Failed polls in a row since then. */
  poll_failures: number;
  last_error: string | null;
  last_error_at: string | null;
  last_message_at: string | null;
  /** Inbound messages waiting or being answered. */
  queue: number;
  /** Outbound bubbles recorded and not sent yet. */
  sending: number;
  /** Outbound bubbles in the durable outbox, over all contacts. */
  outbox: number;
  /** Active scheduled jobs; firings held until the contact writes (never a silent "sent"). */
  schedules: { active: number; held: number };
  /** The most recently seen contacts. */
  contacts: ContactJson[];
  /** What to do, the most pressing first; null when nothing is wrong. */
  fix: string | null;
}

/** A contact waiting for the operator to approve their pairing code. */
export interface PairingRequestJson {
  code: string;
  account: string;
  contact: string;
  name: string | null;
  requested_at: string;
  expires_at: string;
  /** Approving an expired code fails until the contact writes again and gets a fresh one. */
  expired: boolean;
}

export const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

const isoOrNull = (ms: number | undefined): string | null => iso(ms) ?? null;

export function contactJson(c: ContactHealthFacts): ContactJson {
  return {
    account: c.accountId,
    contact: c.userId,
    name: c.name ?? null,
    first_seen_at: iso(c.firstSeenAtMs) as string,
    last_seen_at: iso(c.lastSeenAtMs) as string,
    has_context_token: c.hasContextToken,
    sends_left: c.sendsLeft,
    outbox: c.outbox,
  };
}

export function accountJson(f: AccountHealthFacts): AccountJson {
  return {
    account: f.accountId,
    name: f.name ?? null,
    owner: f.ownerUserId ?? null,
    base_url: f.baseUrl,
    state: f.state,
    simulated: f.simulated,
    polling: f.pollHealth,
    poller: f.polling ?? null,
    last_poll_at: isoOrNull(f.lastPollAtMs),
    poll_failures: f.pollFailures,
    last_error: f.lastPollError ?? null,
    last_error_at: isoOrNull(f.lastPollErrorAtMs),
    last_message_at: isoOrNull(f.lastInboundAtMs),
    queue: f.queue,
    sending: f.sending,
    outbox: f.outbox,
    schedules: { active: f.schedules.active, held: f.schedules.held },
    contacts: f.contacts.map(contactJson),
    fix: f.fix ?? null,
  };
}

export function pairingRequestJson(r: {
  code: string;
  accountId: string;
  userId: string;
  name?: string;
  requestedAtMs: number;
  expiresAtMs: number;
  expired: boolean;
}): PairingRequestJson {
  return {
    code: r.code,
    account: r.accountId,
    contact: r.userId,
    name: r.name ?? null,
    requested_at: iso(r.requestedAtMs) as string,
    expires_at: iso(r.expiresAtMs) as string,
    expired: r.expired,
  };
}
