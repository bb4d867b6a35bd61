/**
 * The access policy: one `check` per inbound message, called by dispatch before anything else
 * (slash commands included, so nobody unknown can run `/status`; see the official client's trap
 * in docs/protocol.md §19.21). A refusal never reaches the agent; it carries a stable
 * `code`, a human `reason` (logged, and stored on the inbound row) and, at most once per spell,
 * a `reply` for the gateway to send (a pairing code, a rate-limit notice). Everything else about
 * a refusal is silence, so a stranger cannot make the bot spend its send quota.
 *
 * `check` reads (and for pairing writes) the store, so it is async; the checks of one account run
 * one at a time, in the order they were called, as when `check` was synchronous: two messages of
 * one stranger cannot both be sent a first code, the cap on open pairing requests holds, and the
 * rate limits count messages in arrival order.
 *
 * Order: group gate → blocked → owner → DM policy (pairing) → addressing → rate limits.
 * The owner (Account.ownerUserId) is always allowed to write directly, whatever the policy and
 * however long `allowFrom` is: the official client locks the owner out once its list has an
 * entry (§19.22), this does not. The owner is not rate-limited either. In groups the group
 * policy and addressing rules apply to the owner as to everyone: the bot speaking in a group is
 * a decision about the group.
 */

import { sequentialize } from "../../shared/sequentialize.js";
import { messageOf } from "../../shared/wx-error.js";
import type { AsyncStore } from "../../store/async.js";
import { createLogger, type Logger } from "../../util/logger.js";
import { gatewayWords } from "../texts.js";
import { detectAddress } from "./mention.js";
import {
  contactAccess,
  evictOldestPairing,
  issuePairingCode,
  nextPairingStep,
  openPairingCount,
  PAIRING_TTL_MS,
  type PairingRequest,
} from "./pairing.js";
import type { ResolvedProfile } from "./profile.js";
import { NoticeGate, type RateResult, SlidingWindowLimiter, secondsOf } from "./rate-limit.js";

export interface AccessRequest {
  accountId: string;
  /** The sender: in a group, the member who wrote. */
  fromUserId: string;
  /** Set for group messages (`WeixinMessage.group_id`). */
  groupId?: string | undefined;
  /** The first text item; undefined for a message with media only. */
  text?: string | undefined;
  /** Whether the sender is the account owner; looked up from the store when not given. */
  isOwner?: boolean | undefined;
  /** It answers a question the bot asked (`ask`): every check applies but the rate limits. */
  answer?: boolean | undefined;
}

/** Stable, switchable reasons for a refusal (the admin UI and tests key on these). */
export type RefusalCode =
  | "blocked"
  | "dm-disabled"
  | "not-allowlisted"
  | "pairing-code-sent"
  | "pairing-pending"
  | "pairing-busy"
  | "group-disabled"
  | "group-not-allowed"
  | "group-unaddressable"
  | "not-addressed"
  | "no-text"
  | "rate-contact"
  | "rate-account";

export type AllowedBy = "owner" | "open" | "allow-from" | "approved" | "group";

export type AccessVerdict =
  | {
      verdict: "allow";
      /** The text for the agent: in a group, with the mention or prefix removed. */
      text: string | undefined;
      allowedBy: AllowedBy;
      profile: ResolvedProfile;
    }
  | {
      verdict: "refuse";
      code: RefusalCode;
      /** For logs and `InboundStore.setState(id, "refused", reason)`. */
      reason: string;
      /** What the gateway sends back, if anything (a pairing code, a rate-limit notice). */
      reply?: string;
    };

export type PairingRequestEvent = PairingRequest & { reminder: boolean };

export interface AccessPolicyOptions {
  store: Pick<AsyncStore, "accounts" | "contacts" | "transaction">;
  /** The effective profile of an account (see `profileResolver`). */
  profileFor: (accountId: string) => ResolvedProfile;
  /** Milliseconds since the epoch (default `Date.now`); tests pass a fake. */
  clock?: () => number;
  logger?: Logger;
  /** A contact was sent a pairing code: tell the operator (admin UI, MCP). Logged loudly anyway. */
  onPairingRequest?: (request: PairingRequestEvent) => void;
  pairingTtlMs?: number;
  /** Unexpired pairing codes per account; past it the oldest open request is withdrawn (default 10). */
  maxPendingPerAccount?: number;
  /** For deterministic codes in tests (default `crypto.randomInt`). */
  random?: (max: number) => number;
}

export interface AccessPolicy {
  /** Resolves with the verdict; rejects when the store or the profile lookup fails (dispatch refuses). */
  check(msg: AccessRequest): Promise<AccessVerdict>;
}

type Refusal = Extract<AccessVerdict, { verdict: "refuse" }>;

export function createAccessPolicy(options: AccessPolicyOptions): AccessPolicy {
  const { store, profileFor } = options;
  const clock = options.clock ?? Date.now;
  const log = options.logger ?? createLogger("gateway:policy");
  const ttlMs = options.pairingTtlMs ?? PAIRING_TTL_MS;
  const maxPending = options.maxPendingPerAccount ?? 10;
  const limiter = new SlidingWindowLimiter();
  const notices = new NoticeGate();
  /** Checks of one account run one at a time, in arrival order (see the header). */
  const perAccount = sequentialize((accountId: string) => accountId);
  const inLane = <T>(accountId: string, fn: () => Promise<T>): Promise<T> => perAccount.run(accountId, fn);

  const refuse = (msg: AccessRequest, code: RefusalCode, reason: string, reply?: string): Refusal => {
    const fields = { accountId: msg.accountId, from: msg.fromUserId, groupId: msg.groupId, code };
    // Unaddressed group chatter is the normal case in a group: logged, but not at info.
    if (code === "not-addressed") log.debug(fields, `message refused: ${reason}`);
    else log.info({ ...fields, replied: reply !== undefined }, `message refused: ${reason}`);
    return reply === undefined
      ? { verdict: "refuse", code, reason }
      : { verdict: "refuse", code, reason, reply };
  };

  const rateLimit = (msg: AccessRequest, profile: ResolvedProfile, nowMs: number): Refusal | undefined => {
    const contactKey = `${msg.accountId}\u0000${msg.fromUserId}`;
    const { perContact, perAccount } = profile.rateLimit;
    const told = (kind: string, r: Extract<RateResult, { limited: true }>) =>
      notices.shouldTell(`${kind}\u0000${contactKey}`, nowMs, r.retryAfterMs);

    const c = limiter.check(contactKey, perContact, nowMs);
    if (c.limited) {
      const s = secondsOf(c.retryAfterMs);
      const reply = told("contact", c)
        ? gatewayWords(profile.language).rateContact({ seconds: s })
        : undefined;
      return refuse(
        msg,
        "rate-contact",
        `over ${perContact.count} messages per ${perContact.windowMs} ms from this contact`,
        reply,
      );
    }
    const a = limiter.check(msg.accountId, perAccount, nowMs);
    if (a.limited) {
      const s = secondsOf(a.retryAfterMs);
      const reply = told("account", a)
        ? gatewayWords(profile.language).rateAccount({ seconds: s })
        : undefined;
      return refuse(
        msg,
        "rate-account",
        `over ${perAccount.count} messages per ${perAccount.windowMs} ms on this account`,
        reply,
      );
    }
    limiter.record(contactKey, perContact, nowMs);
    limiter.record(msg.accountId, perAccount, nowMs);
    return undefined;
  };

  const pairing = async (msg: AccessRequest, profile: ResolvedProfile, nowMs: number): Promise<Refusal> => {
    const state = await contactAccess(store, msg.accountId, msg.fromUserId);
    const step = nextPairingStep(state, nowMs);
    if (step.step === "wait") {
      const why =
        step.why === "code-valid"
          ? `pairing pending: code ${state.pairingCode ?? "?"} sent, waiting for \`wxagent pairing approve\``
          : "pairing pending: codes for this round used up, waiting for the operator";
      return refuse(msg, "pairing-pending", why);
    }
    if ((await openPairingCount(store, msg.accountId, nowMs)) >= maxPending) {
      // A full list must not silence newcomers: the oldest open request makes room.
      const evicted = await evictOldestPairing(store, msg.accountId, nowMs);
      if (!evicted) {
        return refuse(
          msg,
          "pairing-busy",
          `${maxPending} pairing requests already waiting on this account; no code sent`,
        );
      }
      log.warn(
        { accountId: msg.accountId, withdrawn: evicted.userId, max: maxPending },
        `pairing request of ${evicted.userId} (code ${evicted.code}) withdrawn: ${maxPending} requests were waiting on account ${msg.accountId}; they get a fresh code when they write again, or allow them by user id`,
      );
    }
    const reminder = step.kind === "reminder";
    const request = await issuePairingCode(
      store,
      msg.accountId,
      msg.fromUserId,
      step.kind,
      nowMs,
      ttlMs,
      options.random,
    );
    log.warn(
      { accountId: msg.accountId, from: msg.fromUserId, expiresAtMs: request.expiresAtMs, reminder },
      `pairing request from ${msg.fromUserId} on account ${msg.accountId}: run \`wxagent pairing approve ${request.code}\``,
    );
    try {
      options.onPairingRequest?.({ ...request, reminder });
    } catch (err) {
      log.error({ err: messageOf(err) }, "onPairingRequest handler failed");
    }
    const minutes = Math.max(1, Math.round(ttlMs / 60_000));
    const w = gatewayWords(profile.language);
    const reply = (reminder ? w.pairingReminder : w.pairingFirst)({ code: request.code, minutes });
    return refuse(msg, "pairing-code-sent", `unknown contact: pairing code ${request.code} sent`, reply);
  };

  const checkGroup = async (
    msg: AccessRequest & { groupId: string },
    profile: ResolvedProfile,
    isOwner: boolean,
    botName: string | undefined,
    nowMs: number,
  ): Promise<AccessVerdict> => {
    if (profile.groupPolicy === "disabled")
      return refuse(msg, "group-disabled", "group messages are disabled");
    if (profile.groupPolicy === "allowlist" && !profile.groupAllow.includes(msg.groupId)) {
      return refuse(msg, "group-not-allowed", `group ${msg.groupId} is not in groups.allow`);
    }
    if (!isOwner && (await contactAccess(store, msg.accountId, msg.fromUserId)).access === "blocked") {
      return refuse(msg, "blocked", "sender is blocked");
    }
    const mentionNames = botName ? [...profile.mentionNames, botName] : profile.mentionNames;
    if (mentionNames.length === 0 && profile.prefixes.length === 0) {
      return refuse(
        msg,
        "group-unaddressable",
        "no mentionNames or prefixes configured, so nobody can address the bot",
      );
    }
    const addressed = detectAddress(msg.text ?? "", { mentionNames, prefixes: profile.prefixes });
    if (!addressed.addressed) return refuse(msg, "not-addressed", "group message not addressed to the bot");
    if (addressed.text === "") return refuse(msg, "no-text", "addressed with nothing after the mention");
    if (!isOwner && !msg.answer) {
      const limited = rateLimit(msg, profile, nowMs);
      if (limited) return limited;
    }
    return { verdict: "allow", text: addressed.text, allowedBy: "group", profile };
  };

  const checkDirect = async (
    msg: AccessRequest,
    profile: ResolvedProfile,
    isOwner: boolean,
    nowMs: number,
  ): Promise<AccessVerdict> => {
    if (isOwner) return { verdict: "allow", text: msg.text, allowedBy: "owner", profile };
    const state = await contactAccess(store, msg.accountId, msg.fromUserId);
    if (state.access === "blocked") return refuse(msg, "blocked", "sender is blocked");
    if (profile.dmPolicy === "disabled") {
      return refuse(msg, "dm-disabled", "direct messages are disabled (owner only)");
    }
    let allowedBy: AllowedBy | undefined;
    if (profile.dmPolicy === "open") allowedBy = "open";
    else if (profile.allowFrom.includes(msg.fromUserId)) allowedBy = "allow-from";
    else if (state.access === "allowed") allowedBy = "approved";
    if (allowedBy === undefined) {
      if (profile.dmPolicy === "allowlist") {
        return refuse(msg, "not-allowlisted", "sender is not in allowFrom nor approved");
      }
      return pairing(msg, profile, nowMs);
    }
    const limited = msg.answer ? undefined : rateLimit(msg, profile, nowMs);
    if (limited) return limited;
    return { verdict: "allow", text: msg.text, allowedBy, profile };
  };

  const checkNow = async (msg: AccessRequest): Promise<AccessVerdict> => {
    const nowMs = clock();
    const profile = profileFor(msg.accountId);
    const account = await store.accounts.get(msg.accountId);
    const isOwner =
      msg.isOwner ?? (account?.ownerUserId !== undefined && account.ownerUserId === msg.fromUserId);
    if (msg.groupId) {
      return checkGroup({ ...msg, groupId: msg.groupId }, profile, isOwner, account?.name, nowMs);
    }
    return checkDirect(msg, profile, isOwner, nowMs);
  };

  return {
    check(msg) {
      return inLane(msg.accountId, () => checkNow(msg));
    },
  };
}
