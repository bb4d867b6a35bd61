/**
 * What the store says of an account's traffic, computed in one place: the inbound queue, the
 * bubbles being sent and waiting in the outbox, and what the bot can still send each contact.
 * The gateway's live status overlays its own facts (poller state, turns running) on these, and
 * `ops/health` builds `wxagent status`, `list_accounts` and the admin cards from them, so the
 * surfaces cannot drift apart on what "queue" or "sends left" mean. Reads only the store, through
 * the async interface, so the same definitions serve SQLite (wrapped with `asyncStore`) and
 * PostgreSQL.
 */
import type { AsyncStore } from "../store/async.js";
import { sendsLeftOn } from "./delivery/quota.js";

/** What the bot can still send one contact. */
export interface ContactSendFacts {
  /** The contact wrote and left a context token, so the bot can write to them now. */
  hasContextToken: boolean;
  /** Sends left on the contact's freshest context token under the quota; 0 without a token. */
  sendsLeft: number;
  /** Bubbles waiting in the durable outbox for the contact's next message. */
  outbox: number;
}

export async function contactSendFacts(
  store: AsyncStore,
  quotaPerToken: number,
  accountId: string,
  userId: string,
): Promise<ContactSendFacts> {
  const [token, deferred] = await Promise.all([
    store.contextTokens.get(accountId, userId),
    store.outbound.deferred(accountId, userId),
  ]);
  const left = sendsLeftOn(token, quotaPerToken);
  return { hasContextToken: left !== undefined, sendsLeft: left ?? 0, outbox: deferred.length };
}

export interface ContactHealthFacts extends ContactSendFacts {
  accountId: string;
  userId: string;
  name?: string;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
}

/** Contacts of one account (or of all), most recently seen first, with what the bot can send each. */
export async function contactFacts(
  store: AsyncStore,
  quotaPerToken: number,
  accountId: string | undefined,
  limit: number,
): Promise<ContactHealthFacts[]> {
  const recent = (await store.contacts.list(accountId))
    .sort((x, y) => y.lastSeenAtMs - x.lastSeenAtMs)
    .slice(0, limit);
  return Promise.all(
    recent.map(async (c) => ({
      accountId: c.accountId,
      userId: c.userId,
      ...(c.name ? { name: c.name } : {}),
      firstSeenAtMs: c.firstSeenAtMs,
      lastSeenAtMs: c.lastSeenAtMs,
      ...(await contactSendFacts(store, quotaPerToken, c.accountId, c.userId)),
    })),
  );
}

/** One account's traffic as the store records it. */
export interface AccountTrafficFacts {
  /** Inbound messages not answered yet: `pending` plus `processing`. */
  queue: number;
  /** Outbound bubbles recorded and not sent yet (`pending`). */
  sending: number;
  /** Outbound bubbles in the durable outbox (`deferred`), over all contacts. */
  outbox: number;
}

export async function trafficFacts(store: AsyncStore, accountId: string): Promise<AccountTrafficFacts> {
  const [pending, processing, sending, outbox] = await Promise.all([
    store.inbound.countByState(accountId, "pending"),
    store.inbound.countByState(accountId, "processing"),
    store.outbound.countByState(accountId, "pending"),
    store.outbound.countByState(accountId, "deferred"),
  ]);
  return { queue: pending + processing, sending, outbox };
}

/** Sends left per contact that can be written to now, most recently seen first (of `limit` contacts). */
export async function sendsLeftByContact(
  store: AsyncStore,
  quotaPerToken: number,
  accountId: string,
  limit: number,
): Promise<{ userId: string; left: number }[]> {
  return (await contactFacts(store, quotaPerToken, accountId, limit))
    .filter((c) => c.hasContextToken)
    .map((c) => ({ userId: c.userId, left: c.sendsLeft }));
}
