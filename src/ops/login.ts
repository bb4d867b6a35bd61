/**
 * `login_start` and `login_status`: a QR login that runs in the background of this process. The
 * start returns the QR code as a PNG and as a link; a person scans it with WeChat and confirms;
 * the status then says `confirmed` and the account is saved exactly as `wxagent login` saves it.
 */
import QRCode from "qrcode";
import { z } from "zod";
import { type LoginResult, loginWithQr, type QrCode } from "../ilink/qr-login.js";
import { DEFAULT_BASE_URL, DEFAULT_CDN_BASE_URL } from "../ilink/wire.js";
import type { AsyncStore } from "../store/async.js";
import { errText } from "../util/logger.js";
import type { OpsContext } from "./context.js";
import { defineOp, type OpOutcome } from "./define.js";
import { OpsError, opRef } from "./errors.js";
import { replacedReason } from "./health.js";
import { isRunning, type LoginEntry } from "./login-registry.js";
import { type ProbeOptions, simulatorAccount } from "./simulator.js";

/** The CDN that goes with an API base URL: the live CDN for the live host, `<base>/c2c` otherwise (the simulator). */
export function cdnFor(baseUrl: string): string {
  return new URL(baseUrl).host === new URL(DEFAULT_BASE_URL).host
    ? DEFAULT_CDN_BASE_URL
    : `${baseUrl.replace(/\/+$/, "")}/c2c`;
}

/** What a login learns of the account beside its credentials. */
export interface LoginMarks {
  /** The account lives on a simulator (see `simulatorAccount`). */
  simulated?: boolean;
  name?: string;
}

/** Ask the login's server whether it is a simulator that knows the account (never WeChat's hosts). */
export async function loginMarks(
  login: { accountId: string; baseUrl: string },
  options: ProbeOptions = {},
): Promise<LoginMarks> {
  const sim = await simulatorAccount(login.baseUrl, login.accountId, options);
  return sim ? { simulated: true, ...(sim.name ? { name: sim.name } : {}) } : {};
}

/**
 * Save a fresh login: a new token is a new session, so the old cursor and context tokens go, and
 * another account of the same WeChat user is marked expired as replaced, with the command that
 * removes it (one live bot per user), all in one transaction. Resolves with the ids of the accounts
 * so replaced once it committed. (`wxagent login` should call this one.)
 */
export async function saveLogin(
  store: Pick<AsyncStore, "transaction">,
  login: { accountId: string; token: string; baseUrl: string; userId: string | undefined },
  cdnBaseUrl: string,
  marks: LoginMarks = {},
): Promise<string[]> {
  // Only `tx` inside, awaiting nothing else: the outer store is not in the transaction (on SQLite
  // its calls wait until the transaction ends, so one here would never return).
  return store.transaction(async (tx) => {
    const replaced: string[] = [];
    const name = marks.name ?? (await tx.accounts.get(login.accountId))?.name;
    await tx.accounts.upsert({
      id: login.accountId,
      baseUrl: login.baseUrl,
      cdnBaseUrl,
      token: login.token,
      state: "active",
      ...(login.userId ? { ownerUserId: login.userId } : {}),
      ...(name ? { name } : {}),
      ...(marks.simulated ? { simulated: true } : {}),
    });
    await tx.accounts.setState(login.accountId, "active");
    await tx.cursors.set(login.accountId, "");
    await tx.contextTokens.clear(login.accountId);
    if (!login.userId) return replaced;
    for (const other of await tx.accounts.list()) {
      // An older account of the same user, active or already expired, is not coming back.
      if (other.id !== login.accountId && other.ownerUserId === login.userId && other.state !== "disabled") {
        await tx.accounts.setState(other.id, "expired", replacedReason(login.accountId, other.id));
        replaced.push(other.id);
      }
    }
    return replaced;
  });
}

const STATUS_TEXT: Record<string, string> = {
  waiting: "waiting for a scan: open WeChat, scan the QR code (or open the link on the phone), then confirm",
  scanned: "scanned: confirm the login on the phone",
  confirmed: "confirmed: the account is saved and ready",
  already_bound: "this bot is already bound to this wxagent: nothing changed",
  cancelled: "cancelled",
};

async function qrImage(qr: QrCode): Promise<{ mimeType: string; base64: string }> {
  const png = await QRCode.toBuffer(qr.url, { type: "png", width: 360, margin: 2 });
  return { mimeType: "image/png", base64: png.toString("base64") };
}

async function view(entry: LoginEntry, withImage: boolean): Promise<OpOutcome> {
  const data: Record<string, unknown> = {
    login_id: entry.id,
    status: entry.state,
    message: entry.state === "failed" ? (entry.error ?? "login failed") : STATUS_TEXT[entry.state],
  };
  if (isRunning(entry.state) && entry.qr) {
    data.link = entry.qr.url;
    data.qr_codes_issued = entry.qrCount;
  }
  if (entry.accountId) data.account = entry.accountId;
  if (entry.ownerUserId) data.owner = entry.ownerUserId;
  if (entry.replaced.length > 0) data.replaced_accounts = entry.replaced;
  const out: OpOutcome = { data };
  if (withImage && isRunning(entry.state) && entry.qr) out.image = await qrImage(entry.qr);
  return out;
}

export const loginStart = defineOp({
  name: "login_start",
  title: "Start a WeChat QR login",
  description:
    "Start logging a WeChat account in as a bot: returns a QR code (image and link) and a login_id. Show the QR code to the person, who scans it with WeChat and confirms on the phone; then call login_status with the login_id until it says confirmed (the QR code is replaced when it expires: login_status returns the new one).",
  input: z.object({
    base_url: z
      .url()
      .optional()
      .describe("QR/API host (default the WeChat iLink host; a simulator URL for tests)"),
  }),
  readOnly: false,
  rest: { method: "POST", path: "/login" },
  run: (ctx, input) => runLoginStart(ctx, input.base_url),
});

/** Start a login in the background; resolves with the first QR code (or the reason there is none). */
export async function runLoginStart(ctx: OpsContext, baseUrl: string | undefined): Promise<OpOutcome> {
  const localTokens = (await ctx.store.accounts.list())
    .sort((a, b) => b.updatedAtMs - a.updatedAtMs)
    .map((a) => a.token)
    .filter(Boolean);
  const entry = ctx.logins.create();
  let firstQr: (qr: QrCode) => void = () => {};
  const gotQr = new Promise<QrCode>((r) => {
    firstQr = r;
  });
  const signal = AbortSignal.any([entry.abort.signal, ctx.signal]);
  const task = loginWithQr({
    ...(baseUrl ? { baseUrl } : {}),
    ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
    localTokens,
    signal,
    logger: ctx.logger.child({ part: "qr-login" }),
    onQr: (qr) => {
      ctx.logins.update(entry, { qr, state: "waiting" });
      firstQr(qr);
    },
    onStatus: (status) => {
      ctx.logins.update(entry, {
        serverStatus: status,
        ...(status === "scaned" || status === "scaned_but_redirect" ? { state: "scanned" as const } : {}),
      });
    },
    // A pairing number cannot be typed into an MCP tool call mid-login: fail with the way out.
    askVerifyCode: async () => undefined,
  });
  const settled = task.then(
    async (result) => {
      const probe = { signal: ctx.signal, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) };
      await onConfirmed(ctx, entry, result, result.alreadyBound ? {} : await loginMarks(result, probe));
    },
    (err: unknown) => {
      const text = errText(err);
      const hint = /number it shows/.test(text) ? "" : "; call login_start again to retry";
      ctx.logins.finish(entry, signal.aborted ? "cancelled" : "failed", `${text}${hint}`);
    },
  );
  await Promise.race([gotQr, settled]);
  if (!entry.qr) {
    throw new OpsError("LOGIN_FAILED", entry.error ?? "the login ended before a QR code was issued");
  }
  return view(entry, true);
}

async function onConfirmed(
  ctx: OpsContext,
  entry: LoginEntry,
  result: LoginResult,
  marks: LoginMarks,
): Promise<void> {
  if (result.alreadyBound) {
    ctx.logins.finish(entry, "already_bound");
    return;
  }
  const replaced = await saveLogin(ctx.store, result, cdnFor(result.baseUrl), marks);
  entry.accountId = result.accountId;
  if (result.userId) entry.ownerUserId = result.userId;
  entry.replaced = replaced;
  ctx.logins.finish(entry, "confirmed");
  ctx.logger.info({ accountId: result.accountId }, "QR login confirmed; account saved");
  ctx.accountSaved(result.accountId);
}

export const loginStatus = defineOp({
  name: "login_status",
  title: "Check a QR login",
  description:
    "The state of a login started with login_start: waiting, scanned, confirmed (with the account id), already_bound, failed (with the reason) or cancelled. While waiting, the current QR code is returned again (it changes when the old one expires).",
  input: z.object({ login_id: z.string().min(1).describe("The login_id from login_start") }),
  readOnly: true,
  rest: { method: "GET", path: "/login/:login_id" },
  async run(ctx, input) {
    const entry = ctx.logins.get(input.login_id);
    if (!entry) {
      throw new OpsError(
        "NOT_FOUND",
        `no login ${input.login_id} in this process (logins are forgotten 15 minutes after they end, and on restart); call ${opRef("login_start")}`,
      );
    }
    return view(entry, true);
  },
});
