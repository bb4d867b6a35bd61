/**
 * What the admin pages show, read from the store, the operations context and (when the gateway
 * runs in this process) its live status. Typed views, so the pages hold no store logic.
 */
import type { Config } from "../config/schema.js";
import type { PendingAsk } from "../gateway/asks.js";
import type { AccountStatus, GatewayStatus } from "../gateway/gateway-types.js";
import type { HomeEvent } from "../gateway/home.js";
import {
  type ContactAccess,
  type PairingRequest,
  pairingRequestsIn,
  readAccess,
  resolveProfile,
} from "../gateway/policy/index.js";
import type { OpsContext } from "../ops/context.js";
import { type AccountHealthFacts, type FixHints, healthFacts } from "../ops/health.js";
import type { AccountState, ContactRecord } from "../store/types.js";

/** The gateway's own type: a question an agent turn asked and is waiting on. */
export type { PendingAsk };

/** What the admin UI reads of a gateway running in this process. */
export interface AdminGateway {
  status(): Promise<GatewayStatus>;
  /** Turns waiting for a contact's answer; omitted when the gateway cannot list them. */
  pendingAsks?(): PendingAsk[];
  /** The home channel's operator events, newest first. */
  homeEvents?(): HomeEvent[];
}

export interface AccountView {
  id: string;
  name?: string;
  owner?: string;
  state: AccountState;
  /** On a simulator (`npm start`'s embedded one), not WeChat. */
  simulated: boolean;
  /** What fixes a non-active account, in one sentence naming the command. */
  fix?: string;
  polling: { kind: "here" | "other" | "nobody"; pid?: number; state?: string };
  lastMessageAtMs?: number;
  lastPollAtMs?: number;
  /** Inbound messages waiting or running. */
  queue: number;
  sending: number;
  outbox: number;
  /** Sends left under the context-token quota, per contact that can be written to now. */
  sendsLeft: { userId: string; left: number }[];
  lastError?: string;
}

export const EXPIRED_FIX =
  "session expired (-14): run `wxagent login` (or use QR login here) to log in again";

/** The page has its own QR login, so the hint offers it beside the command. */
const ADMIN_FIX_HINTS: FixHints = { expired: EXPIRED_FIX, disabled: "account disabled" };

/** Accounts oldest first; a gateway running in this process overrides what it knows better (live). */
export async function accountViews(ops: OpsContext, gateway?: AdminGateway): Promise<AccountView[]> {
  const live = new Map<string, AccountStatus>();
  for (const s of (await gateway?.status())?.accounts ?? []) live.set(s.accountId, s);
  const store = ops.store;
  const accounts = (await store.accounts.list()).sort((a, b) => a.createdAtMs - b.createdAtMs);
  return Promise.all(
    accounts.map(async (a) => {
      const status = live.get(a.id);
      const facts = await healthFacts(store, a, {
        home: ops.paths.home,
        quotaPerToken: ops.quotaPerToken,
        fixHints: ADMIN_FIX_HINTS,
        // The live gateway reports sends left itself: skip the per-contact reads.
        ...(status ? { contactLimit: 0 } : {}),
      });
      return accountView(facts, status);
    }),
  );
}

function accountView(f: AccountHealthFacts, live: AccountStatus | undefined): AccountView {
  const polling: AccountView["polling"] = live
    ? { kind: "here", pid: process.pid, state: live.polling }
    : f.polling
      ? {
          kind: f.polling.this_process ? "here" : "other",
          ...(f.polling.pid === null ? {} : { pid: f.polling.pid }),
        }
      : { kind: "nobody" };
  const v: AccountView = {
    id: f.accountId,
    state: f.state,
    simulated: f.simulated,
    polling,
    queue: live ? live.unfinished : f.queue,
    sending: f.sending,
    outbox: f.outbox,
    sendsLeft: live
      ? live.sendsLeft.slice(0, 10)
      : f.contacts.filter((c) => c.hasContextToken).map((c) => ({ userId: c.userId, left: c.sendsLeft })),
  };
  if (f.name) v.name = f.name;
  if (f.ownerUserId) v.owner = f.ownerUserId;
  // The card's fix block offers a new login: only for an account that needs one.
  if (f.state !== "active" && f.fix !== undefined) v.fix = live?.fix ?? f.fix;
  if (f.lastInboundAtMs !== undefined) v.lastMessageAtMs = f.lastInboundAtMs;
  const lastPoll = live?.lastPollAtMs ?? f.lastPollAtMs;
  if (lastPoll !== undefined) v.lastPollAtMs = lastPoll;
  // Failed polls as the polling process recorded them, when it is not this one.
  const lastError = live ? live.lastError : f.pollFailures > 0 ? f.lastPollError : undefined;
  if (lastError) v.lastError = lastError;
  return v;
}

export interface ContactView {
  accountId: string;
  userId: string;
  name?: string;
  /** The operator's decision; `none` means the account's policy decides. */
  access: ContactAccess | "none";
  isOwner: boolean;
  /** The contact's own preset; undefined means the account's default. */
  preset?: string;
  /** The account's default preset (profile), for the "default (…)" label. */
  defaultPreset?: string;
  dmPolicy: string;
  lastSeenAtMs: number;
}

export async function contactViews(
  ops: OpsContext,
  config: Partial<Config>,
  accountId?: string,
): Promise<ContactView[]> {
  const owners = new Map((await ops.store.accounts.list()).map((a) => [a.id, a.ownerUserId]));
  return (await ops.store.contacts.list(accountId))
    .sort((x, y) => y.lastSeenAtMs - x.lastSeenAtMs)
    .map((c) => contactView(config, c, owners.get(c.accountId)));
}

export function contactView(
  config: Partial<Config>,
  c: ContactRecord,
  owner: string | undefined,
): ContactView {
  const profile = resolveProfile(config, c.accountId);
  const v: ContactView = {
    accountId: c.accountId,
    userId: c.userId,
    access: readAccess(c.settings).access ?? "none",
    isOwner: owner !== undefined && owner === c.userId,
    dmPolicy: profile.dmPolicy,
    lastSeenAtMs: c.lastSeenAtMs,
  };
  if (c.name) v.name = c.name;
  if (c.preset) v.preset = c.preset;
  if (profile.preset) v.defaultPreset = profile.preset;
  return v;
}

export async function pairingRequests(ops: OpsContext): Promise<PairingRequest[]> {
  return pairingRequestsIn(await ops.store.contacts.list(), ops.now());
}

export interface MinuteBucket {
  /** Start of the minute (epoch ms). */
  atMs: number;
  inbound: number;
  outbound: number;
}

/** Messages received and sent per minute over the last `minutes` minutes, oldest first. */
export async function trafficPerMinute(ops: OpsContext, minutes = 30): Promise<MinuteBucket[]> {
  const nowMs = ops.now();
  const end = Math.floor(nowMs / 60_000) * 60_000 + 60_000;
  const start = end - minutes * 60_000;
  const buckets: MinuteBucket[] = [];
  for (let i = 0; i < minutes; i += 1) buckets.push({ atMs: start + i * 60_000, inbound: 0, outbound: 0 });
  const slot = (ms: number) => buckets[Math.floor((ms - start) / 60_000)];
  const limit = 20_000;
  for (const m of await ops.store.inbound.list({ sinceMs: start, limit })) {
    const b = slot(m.receivedAtMs);
    if (b) b.inbound += 1;
  }
  for (const m of await ops.store.outbound.list({ sinceMs: start, limit })) {
    if (m.state !== "sent" || m.sentAtMs === undefined) continue;
    const b = slot(m.sentAtMs);
    if (b) b.outbound += 1;
  }
  return buckets;
}
