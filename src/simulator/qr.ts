/**
 * QR login (§2.1, §2.2, §3): codes issued by get_bot_qrcode, scanned and confirmed by a simulated
 * phone through the control API, and reported by the long-poll get_qrcode_status. A poll answers
 * at once when the status changed since the last poll, else holds until it changes or the hold
 * ends. Optional branches: the pairing code (`need_verifycode`, `verify_code_blocked`), the IDC
 * redirect (`scaned_but_redirect` with this simulator's own host:port), `binded_redirect` and
 * `expired` after the QR lifetime.
 */
import type { QrStatus } from "../ilink/wire.js";
import {
  createAccount,
  createUser,
  emit,
  ensureUser,
  expireToken,
  type QrSession,
  type SimAccount,
  type SimState,
  wake,
} from "./state.js";
import { hold } from "./updates.js";

export function issueQr(state: SimState, localTokenList: string[]): QrSession {
  const qrcode = state.prng.hex(16);
  const qr: QrSession = {
    qrcode,
    created_at_ms: state.now(),
    status: "wait",
    reported: null,
    local_token_list: localTokenList.slice(0, 10),
    user_id: null,
    account_id: null,
    redirect: false,
    redirect_reported: false,
    verify_code: null,
    wrong_codes: 0,
    waiters: new Set(),
  };
  state.qrs.set(qrcode, qr);
  emit(state, "qr.created", { qrcode });
  return qr;
}

/** The content a phone would scan: a link to the simulator's page for this code. */
export function qrImgContent(state: SimState, qr: QrSession): string {
  return `${state.publicBaseUrl}/?qrcode=${encodeURIComponent(qr.qrcode)}`;
}

const TERMINAL: ReadonlySet<QrStatus> = new Set([
  "confirmed",
  "expired",
  "verify_code_blocked",
  "binded_redirect",
]);

function setStatus(state: SimState, qr: QrSession, status: QrStatus): void {
  if (qr.status === status) return;
  qr.status = status;
  wake(qr.waiters);
  emit(state, "qr.status", { qrcode: qr.qrcode, status, user_id: qr.user_id, account_id: qr.account_id });
}

/** Turns an unconfirmed code `expired` once its lifetime has passed. */
function checkExpiry(state: SimState, qr: QrSession): void {
  if (TERMINAL.has(qr.status)) return;
  if (state.now() - qr.created_at_ms >= state.config.qr_lifetime_ms) setStatus(state, qr, "expired");
}

export function expireQr(state: SimState, qr: QrSession): void {
  if (!TERMINAL.has(qr.status)) setStatus(state, qr, "expired");
}

export interface ScanOptions {
  user_id?: string;
  /** report `scaned_but_redirect` once, pointing the client at this simulator's host:port */
  redirect?: boolean;
  /** ask for the pairing code shown on the phone (`need_verifycode`) */
  verify_code?: boolean;
}

export type ScanResult =
  | { ok: true; status: QrStatus; user_id: string; verify_code: string | null }
  | { ok: false; error: string };

/** The phone scans. With no user_id, the owner of a live bot in local_token_list scans (same phone). */
export function scanQr(state: SimState, qr: QrSession, opts: ScanOptions): ScanResult {
  checkExpiry(state, qr);
  if (qr.status !== "wait") return { ok: false, error: `QR code is ${qr.status}, not wait` };
  const bound = boundAccount(state, qr);
  const userId = opts.user_id ?? bound?.owner_user_id ?? createUser(state).user_id;
  ensureUser(state, userId);
  qr.user_id = userId;
  // Already bound to this install: the scanning user's live bot is in the client's token list.
  if (bound && bound.owner_user_id === userId) {
    qr.account_id = bound.account_id;
    setStatus(state, qr, "binded_redirect");
    return { ok: true, status: qr.status, user_id: userId, verify_code: null };
  }
  qr.redirect = opts.redirect === true;
  if (opts.verify_code) {
    qr.verify_code = String(state.prng.int(10, 99));
    setStatus(state, qr, "need_verifycode");
  } else setStatus(state, qr, qr.redirect ? "scaned_but_redirect" : "scaned");
  return { ok: true, status: qr.status, user_id: userId, verify_code: qr.verify_code };
}

function boundAccount(state: SimState, qr: QrSession): SimAccount | undefined {
  for (const token of qr.local_token_list) {
    const account = state.accountsByToken.get(token);
    if (account && account.token_state === "live") return account;
  }
  return undefined;
}

/** The phone confirms: a new bot bound to the scanning user. */
export function confirmQr(
  state: SimState,
  qr: QrSession,
): { ok: true; account: SimAccount } | { ok: false; error: string } {
  checkExpiry(state, qr);
  if (qr.status !== "scaned" && qr.status !== "scaned_but_redirect")
    return { ok: false, error: `QR code is ${qr.status}; confirm needs a scanned code` };
  const userId = qr.user_id ?? createUser(state).user_id;
  const previous = [...state.accounts.values()].filter(
    (a) => a.owner_user_id === userId && a.token_state === "live",
  );
  const account = createAccount(state, { owner_user_id: userId, via: "qr" });
  qr.account_id = account.account_id;
  // One WeChat user, one active bot: binding another kicks the older ones (§8.2.4).
  if (state.config.realism && state.config.kick_on_rebind)
    for (const old of previous) expireToken(state, old, "rebind");
  setStatus(state, qr, "confirmed");
  return { ok: true, account };
}

/** The get_qrcode_status answer body for the current status. */
function answer(state: SimState, qr: QrSession): Record<string, unknown> {
  const status = qr.status;
  qr.reported = status;
  const body: Record<string, unknown> = { ret: 0, status };
  if (status === "scaned_but_redirect") {
    // The live server names a bare host that clients reach over https. A plain-http simulator
    // cannot be reached that way, so it names its full origin instead (clients that accept a
    // scheme, like ours, follow it; over https it is the bare host, as live).
    const origin = new URL(state.publicBaseUrl);
    body.redirect_host = origin.protocol === "https:" ? origin.host : origin.origin;
    qr.redirect_reported = true;
    // Reported once; polls on the new host then see the plain scanned state.
    qr.status = "scaned";
  }
  if (status === "confirmed" && qr.account_id) {
    const account = state.accounts.get(qr.account_id);
    if (account) {
      body.bot_token = account.token;
      body.ilink_bot_id = account.account_id;
      body.baseurl = state.publicBaseUrl;
      body.ilink_user_id = account.owner_user_id;
    }
  }
  return body;
}

/**
 * One long poll of get_qrcode_status. `verifyCode` is the `verify_code` query parameter: right →
 * scanned; wrong → need_verifycode again, and blocked after too many wrong codes.
 */
export async function pollQrStatus(
  state: SimState,
  qr: QrSession,
  verifyCode: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  checkExpiry(state, qr);
  if (qr.status === "need_verifycode" && verifyCode !== undefined && verifyCode !== "") {
    if (verifyCode === qr.verify_code) {
      setStatus(state, qr, qr.redirect ? "scaned_but_redirect" : "scaned");
    } else {
      qr.wrong_codes++;
      emit(state, "qr.wrong_code", { qrcode: qr.qrcode, wrong_codes: qr.wrong_codes });
      if (qr.wrong_codes >= state.config.verify_code_attempts) setStatus(state, qr, "verify_code_blocked");
      else return answer(state, qr);
    }
  }
  if (qr.status !== qr.reported) return answer(state, qr);
  const remaining = state.config.qr_lifetime_ms - (state.now() - qr.created_at_ms);
  await hold(state, qr.waiters, Math.min(state.config.qr_hold_ms, Math.max(0, remaining)), signal);
  checkExpiry(state, qr);
  return answer(state, qr);
}

export function describeQr(qr: QrSession): Record<string, unknown> {
  return {
    qrcode: qr.qrcode,
    status: qr.status,
    created_at_ms: qr.created_at_ms,
    user_id: qr.user_id,
    account_id: qr.account_id,
    verify_code: qr.verify_code,
    wrong_codes: qr.wrong_codes,
    local_tokens: qr.local_token_list.length,
  };
}
