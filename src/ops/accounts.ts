/** `list_accounts` (with health) and `list_contacts`. */
import { hostname } from "node:os";
import { z } from "zod";
import { liveTokenLock } from "../store/lock.js";
import type { Account, Store } from "../store/types.js";
import type { OpsContext } from "./context.js";
import { defineOp, queryInt } from "./define.js";
import { iso } from "./format.js";
import { optionalAccount } from "./resolve.js";

export interface PollingInfo {
  pid: number;
  /** The holder's command line (shortened, secrets redacted). */
  command: string;
  /** This very process polls the account. */
  this_process: boolean;
}

/** Who polls the account, from its lock file; undefined when nobody (or a dead process) holds it. */
export function pollingOf(home: string, account: Account): PollingInfo | undefined {
  const lock = liveTokenLock(home, account.token || account.id);
  if (!lock) return undefined;
  const local = !lock.hostname || lock.hostname === hostname();
  return { pid: lock.pid, command: lock.command, this_process: local && lock.pid === process.pid };
}

function contactHealth(store: Store, quota: number, accountId: string, userId: string) {
  const tok = store.contextTokens.get(accountId, userId);
  return {
    has_context_token: tok !== undefined,
    sends_left: tok ? Math.max(0, quota - tok.sendCount) : 0,
    outbox: store.outbound.deferred(accountId, userId).length,
  };
}

export function accountHealth(ctx: OpsContext, a: Account) {
  const { store } = ctx;
  const polling = pollingOf(ctx.paths.home, a);
  const contacts = store.contacts
    .list(a.id)
    .sort((x, y) => y.lastSeenAtMs - x.lastSeenAtMs)
    .slice(0, 10)
    .map((c) => ({ contact: c.userId, ...contactHealth(store, ctx.quotaPerToken, a.id, c.userId) }));
  const health: Record<string, unknown> = {
    account: a.id,
    ...(a.name ? { name: a.name } : {}),
    ...(a.ownerUserId ? { owner: a.ownerUserId } : {}),
    state: a.state,
    polling: polling ?? null,
    last_message_at: iso(a.lastInboundAtMs) ?? null,
    last_poll_at: iso(a.lastPollAtMs) ?? null,
    queue: store.inbound.countByState(a.id, "pending") + store.inbound.countByState(a.id, "processing"),
    sending: store.outbound.countByState(a.id, "pending"),
    outbox: store.outbound.countByState(a.id, "deferred"),
    contacts,
  };
  if (a.state !== "active") {
    health.fix =
      a.stateReason ??
      (a.state === "expired"
        ? "session expired: run `wxagent login` (or call login_start)"
        : "account disabled");
  } else if (!polling) {
    health.note = "nobody polls this account: start `wxagent start` or keep `wxagent mcp` running";
  }
  return health;
}

export const listAccounts = defineOp({
  name: "list_accounts",
  title: "List WeChat accounts",
  description:
    "The logged-in WeChat bot accounts with their health: state (active/expired, with the fix), which process polls them, last message, queue, outbox, and sends left per recent contact.",
  input: z.object({}),
  readOnly: true,
  rest: { method: "GET", path: "/accounts" },
  async run(ctx) {
    return { data: { accounts: ctx.store.accounts.list().map((a) => accountHealth(ctx, a)) } };
  },
});

export const listContacts = defineOp({
  name: "list_contacts",
  title: "List contacts",
  description:
    "WeChat users who wrote to the bot, most recent first, with whether the bot can write to them now (context token), sends left and messages waiting in the outbox.",
  input: z.object({
    account: z.string().min(1).optional().describe("Account id (default: all accounts)"),
    limit: queryInt(1, 500).default(50).describe("At most this many contacts"),
  }),
  readOnly: true,
  rest: { method: "GET", path: "/contacts" },
  async run(ctx, input) {
    const account = optionalAccount(ctx.store, input.account);
    const contacts = ctx.store.contacts
      .list(account?.id)
      .sort((x, y) => y.lastSeenAtMs - x.lastSeenAtMs)
      .slice(0, input.limit)
      .map((c) => ({
        account: c.accountId,
        contact: c.userId,
        ...(c.name ? { name: c.name } : {}),
        first_seen_at: iso(c.firstSeenAtMs),
        last_seen_at: iso(c.lastSeenAtMs),
        ...contactHealth(ctx.store, ctx.quotaPerToken, c.accountId, c.userId),
      }));
    return { data: { contacts } };
  },
});
