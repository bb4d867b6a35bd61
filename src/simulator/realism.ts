/**
 * The live platform's limits on sendmessage, as docs/protocol.md §8.2 and §8.3 describe them:
 * about 10 sends per context token, `-2 "prepare failed"` for bursts (~3/s per user) and for
 * oversized text, stale context tokens. Every check is a no-op while realism is off, except that
 * a context token must exist and belong to the recipient: that is protocol, not realism.
 */
import { pairKey, type SimState } from "./state.js";

export type SendVerdict = { ok: true } | { ok: false; errmsg: string; rule: string };

const OK: SendVerdict = { ok: true };

/** The context token of a send: must be known, for this bot and this recipient, and fresh. */
export function checkContextToken(
  state: SimState,
  accountId: string,
  toUserId: string,
  token: string | undefined,
): SendVerdict {
  if (token === undefined || token === "") {
    // Contested on the live platform (§6.5): tokenless sends to a user who wrote before go through.
    const known = state.latestToken.has(pairKey(accountId, toUserId));
    return known ? OK : { ok: false, errmsg: "unknown error", rule: "no-conversation" };
  }
  const record = state.contextTokens.get(token);
  if (!record || record.account_id !== accountId || record.user_id !== toUserId)
    return { ok: false, errmsg: "unknown error", rule: "unknown-context-token" };
  const { config } = state;
  if (
    config.realism &&
    config.context_token_lifetime_ms > 0 &&
    state.now() - record.issued_at_ms > config.context_token_lifetime_ms
  )
    return { ok: false, errmsg: "unknown error", rule: "stale-context-token" };
  return OK;
}

export function checkTextLimit(state: SimState, text: string | undefined): SendVerdict {
  const { config } = state;
  if (!config.realism || config.text_limit <= 0 || text === undefined) return OK;
  return [...text].length > config.text_limit
    ? { ok: false, errmsg: "prepare failed", rule: "text-limit" }
    : OK;
}

export function checkQuota(state: SimState, token: string | undefined): SendVerdict {
  const { config } = state;
  if (!config.realism || config.send_quota <= 0 || !token) return OK;
  const record = state.contextTokens.get(token);
  if (record && record.sends >= config.send_quota)
    return { ok: false, errmsg: "rate limited", rule: "send-quota" };
  return OK;
}

/** Burst throttle per (bot, user); a send while penalised extends the penalty (§8.2.2). */
export function checkThrottle(state: SimState, accountId: string, toUserId: string): SendVerdict {
  const { config } = state;
  const t = config.throttle;
  if (!config.realism || t.max_sends <= 0) return OK;
  const key = pairKey(accountId, toUserId);
  const now = state.now();
  const entry = state.throttle.get(key) ?? { sends: [], penalty_until_ms: 0 };
  state.throttle.set(key, entry);
  entry.sends = entry.sends.filter((at) => now - at < t.window_ms);
  if (now < entry.penalty_until_ms) {
    entry.penalty_until_ms += t.penalty_ms;
    return { ok: false, errmsg: "prepare failed", rule: "throttle" };
  }
  if (entry.sends.length >= t.max_sends) {
    entry.penalty_until_ms = now + t.penalty_ms;
    return { ok: false, errmsg: "prepare failed", rule: "throttle" };
  }
  return OK;
}

/** Counts an accepted send against the token's quota and the throttle window. */
export function recordSend(
  state: SimState,
  accountId: string,
  toUserId: string,
  token: string | undefined,
): void {
  if (token) {
    const record = state.contextTokens.get(token);
    if (record) record.sends++;
  }
  const key = pairKey(accountId, toUserId);
  const entry = state.throttle.get(key) ?? { sends: [], penalty_until_ms: 0 };
  entry.sends.push(state.now());
  state.throttle.set(key, entry);
}
