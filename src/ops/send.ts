/**
 * `send_text` and `send_file`, through the gateway's delivery: every bubble is recorded with its
 * client_id before it is sent, sends count against the contact's context-token quota, and what
 * does not fit waits in the durable outbox until the contact writes again (sent then by whichever
 * process polls the account). A send that could not go now is an error that says so.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { type DeliveryResult, sendsLeft } from "../gateway/delivery/index.js";
import type { Account } from "../store/types.js";
import type { OpsContext } from "./context.js";
import { defineOp, type OpOutcome } from "./define.js";
import { OpsError, opRef } from "./errors.js";
import { accountForSend, assertActive, contextTokenFor } from "./resolve.js";

/**
 * WeChat expects a contact to write to a bot at least once every 24 h (an official rule, see
 * docs/protocol.md §6.5; measured validity varies from minutes to hours): a send on an older context
 * token is likely refused, so the answer says so instead of letting a "success" mislead.
 */
export const STALE_CONTEXT_MS = 24 * 3_600_000;

function staleHint(to: string, ageMs: number): string | undefined {
  if (ageMs < STALE_CONTEXT_MS) return undefined;
  return `${to} last wrote ${Math.floor(ageMs / 3_600_000)} h ago; WeChat expects a message from the contact at least once every 24 h, so sends may be refused until they write again`;
}

const target = {
  account: z.string().min(1).optional().describe("Account id (default: inferred from `to`)"),
  to: z.string().min(1).describe("WeChat user id of the contact (see list_contacts)"),
};

async function deliver(
  ctx: OpsContext,
  input: { account?: string | undefined; to: string },
  content: { text: string; files?: { path: string; caption?: string }[] },
  signal: AbortSignal,
): Promise<OpOutcome> {
  const account = await accountForSend(ctx.store, input.account, input.to);
  assertActive(account);
  const token = await contextTokenFor(ctx.store, account, input.to);
  const startedAtMs = ctx.now();
  const reply = { accountId: account.id, toUserId: input.to, ...content };
  const result = await ctx.deliveryFor(account.id).deliverReply(reply, AbortSignal.any([signal, ctx.signal]));
  return outcome(ctx, account, input.to, result, startedAtMs, startedAtMs - token.updatedAtMs);
}

async function outcome(
  ctx: OpsContext,
  account: Account,
  to: string,
  r: DeliveryResult,
  startedAtMs: number,
  /** Since the contact last wrote (their context token's age). */
  tokenAgeMs: number,
): Promise<OpOutcome> {
  const stale = staleHint(to, tokenAgeMs);
  const left = async () => (await sendsLeft(ctx.store.contextTokens, ctx.quotaPerToken, account.id, to)) ?? 0;
  if (r.sessionExpired) {
    throw new OpsError(
      "ACCOUNT_EXPIRED",
      `account ${account.id} expired while sending (-14); log in again with ${opRef("login_start")}; the unsent part is kept and goes out after the login`,
    );
  }
  if (r.failed > 0) {
    const why = (
      await ctx.store.outbound.list({ accountId: account.id, userId: to, sinceMs: startedAtMs, limit: 20 })
    ).find((m) => m.state === "failed" && m.lastError)?.lastError;
    throw new OpsError(
      "SEND_FAILED",
      `${r.failed} message${r.failed === 1 ? "" : "s"} to ${to} failed${why ? `: ${why}` : ""}${r.sent ? ` (${r.sent} sent)` : ""}; ${stale ? `${stale}` : `check the account with ${opRef("list_accounts")} and retry`}`,
    );
  }
  if (r.deferred > 0) {
    throw new OpsError(
      "QUOTA_SPENT",
      `the send quota for ${to} is spent (about ${ctx.quotaPerToken} bot messages per message they send${r.sent > 0 ? "" : ", or WeChat is throttling the bot"}): ${r.sent} sent now, ${r.deferred} kept in the outbox and sent automatically when ${to} writes again${r.noteSent ? " (they were asked to reply)" : ""}; do not resend`,
    );
  }
  if (r.pending > 0) {
    throw new OpsError(
      "SEND_FAILED",
      `sending to ${to} was interrupted: ${r.sent} sent, ${r.pending} still pending (resent by the next start); check the account with ${opRef("list_accounts")}`,
    );
  }
  const data: Record<string, unknown> = {
    account: account.id,
    to,
    sent: r.sent,
    sends_left: await left(),
    contact_wrote_ms_ago: tokenAgeMs,
  };
  if (stale) data.warning = stale;
  return { data };
}

export const sendTextOp = defineOp({
  name: "send_text",
  title: "Send a WeChat text",
  description:
    "Send a text to a WeChat contact who has written to the bot. Long text is split into bubbles (Markdown is simplified for WeChat). About 10 bot messages fit per message the contact sends; beyond that the text waits in the outbox (error QUOTA_SPENT) and goes out when they write again.",
  input: z.object({ ...target, text: z.string().min(1).max(20_000).describe("The message") }),
  readOnly: false,
  rest: { method: "POST", path: "/send/text" },
  run: (ctx, input, signal) => deliver(ctx, input, { text: input.text }, signal),
});

export const sendFileOp = defineOp({
  name: "send_file",
  title: "Send a file, image or video",
  description:
    "Send a local file to a WeChat contact (images and videos show inline, anything else as a file). An optional caption goes as a text bubble just before it. Same quota rules as send_text.",
  input: z.object({
    ...target,
    path: z.string().min(1).describe("Local path of the file"),
    caption: z.string().max(2_000).optional().describe("Text sent just before the file"),
  }),
  readOnly: false,
  rest: { method: "POST", path: "/send/file" },
  async run(ctx, input, signal) {
    const path = isAbsolute(input.path) ? input.path : resolve(input.path);
    const s = await stat(path).catch(() => undefined);
    if (!s) throw new OpsError("NOT_FOUND", `no file at ${path}; pass the path of an existing file`);
    if (!s.isFile()) throw new OpsError("BAD_INPUT", `${path} is not a regular file`);
    if (s.size === 0) throw new OpsError("BAD_INPUT", `${path} is empty; WeChat cannot send an empty file`);
    const file = input.caption ? { path, caption: input.caption } : { path };
    return deliver(ctx, input, { text: "", files: [file] }, signal);
  },
});
