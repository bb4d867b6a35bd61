/** Small parts of the gateway: the quota it counts with, the shared send signal, an account's status. */
import { setMaxListeners } from "node:events";
import { sendsLeftByContact, trafficFacts } from "./account-facts.js";
import type { Dispatcher } from "./dispatcher.js";
import type { GatewayOptions } from "./gateway.js";
import type { Account, AccountStatus, PollerLike, Store } from "./gateway-types.js";
import { expiredReason } from "./poller.js";

/** Bot messages per inbound message: delivery's quota setting wins, as delivery enforces it. */
export function quotaOf(options: GatewayOptions): number {
  return options.delivery?.quotaPerToken ?? options.dispatch?.sendQuota ?? 10;
}

/** The `schedule` tool's answer while no scheduler runs (between stop and start). */
export const noSchedule = {
  create: () => Promise.reject(new Error("scheduling is not available right now; try again in a moment")),
  list: () => Promise.resolve("Scheduling is not available right now."),
  cancel: () => Promise.reject(new Error("scheduling is not available right now; try again in a moment")),
};

/** One signal shared by every send in flight: many listeners on it are by design, not a leak. */
export function sharedController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}

/** Contacts whose sends left the live status lists (most recently seen first). */
const STATUS_CONTACTS = 50;

export async function accountStatus(
  account: Account,
  poller: PollerLike | undefined,
  d: Dispatcher | undefined,
  store: Store,
  options: GatewayOptions,
): Promise<AccountStatus> {
  const facts = store;
  const [traffic, sendsLeft] = await Promise.all([
    trafficFacts(facts, account.id),
    sendsLeftByContact(facts, quotaOf(options), account.id, STATUS_CONTACTS),
  ]);
  // Read after the store's facts: the live state is the latest.
  const p = poller?.status();
  const expired = account.state === "expired" || p?.state === "expired";
  // The store's facts, computed as `ops/health` computes them; the live ones overlay them below.
  const s: AccountStatus = {
    accountId: account.id,
    state: account.state,
    polling: p?.state ?? "not-started",
    expired,
    queueDepth: d?.queueDepth(account.id) ?? 0,
    runningTurns: d?.runningTurns(account.id) ?? 0,
    unfinished: traffic.queue,
    consecutiveFailures: p?.consecutiveFailures ?? 0,
    sendsLeft,
  };
  if (account.name) s.name = account.name;
  const lastInbound = p?.lastInboundAtMs ?? account.lastInboundAtMs;
  if (lastInbound !== undefined) s.lastInboundAtMs = lastInbound;
  const lastPoll = p?.lastPollAtMs ?? account.lastPollAtMs;
  if (lastPoll !== undefined) s.lastPollAtMs = lastPoll;
  if (expired) s.fix = account.stateReason ?? expiredReason(account);
  else if (account.state !== "active" && account.stateReason) s.fix = account.stateReason;
  if (p?.lastError && !expired) s.lastError = p.lastError;
  return s;
}
