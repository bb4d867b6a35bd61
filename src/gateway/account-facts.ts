/**
 * What the store says of an account's traffic, computed in one place: the inbound queue, the
 * bubbles being sent and waiting in the outbox, and what the bot can still send each contact.
 * The gateway's live status overlays its own facts (poller state, turns running) on these, and
 * `ops/health` builds `wxagent status`, `list_accounts` and the admin cards from them, so the
 * surfaces cannot drift apart on what "queue" or "sends left" mean. Reads only the store.
 */
import type { Store } from "../store/types.js";
import { sendsLeft } from "./delivery/quota.js";

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
  accountId: string;
  userId: string;
  name?: string;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
}

/** Contacts of one account (or of all), most recently seen first, with what the bot can send each. */
export function contactFacts(
  store: Store,
  quotaPerToken: number,
  accountId: string | undefined,
  limit: number,
): ContactHealthFacts[] {
  return store.contacts
    .list(accountId)
    .sort((x, y) => y.lastSeenAtMs - x.lastSeenAtMs)
    .slice(0, limit)
    .map((c) => ({
      accountId: c.accountId,
      userId: c.userId,
      ...(c.name ? { name: c.name } : {}),
      firstSeenAtMs: c.firstSeenAtMs,
      lastSeenAtMs: c.lastSeenAtMs,
      ...contactSendFacts(store, quotaPerToken, c.accountId, c.userId),
    }));
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

export function trafficFacts(store: Store, accountId: string): AccountTrafficFacts {
  return {
    queue:
      store.inbound.countByState(accountId, "pending") + store.inbound.countByState(accountId, "processing"),
    sending: store.outbound.countByState(accountId, "pending"),
    outbox: store.outbound.countByState(accountId, "deferred"),
  };
}

/** Sends left per contact that can be written to now, most recently seen first (of `limit` contacts). */
export function sendsLeftByContact(
  store: Store,
  quotaPerToken: number,
  accountId: string,
  limit: number,
): { userId: string; left: number }[] {
  return contactFacts(store, quotaPerToken, accountId, limit)
    .filter((c) => c.hasContextToken)
    .map((c) => ({ userId: c.userId, left: c.sendsLeft }));
}
