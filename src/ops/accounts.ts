/** `list_accounts` (with health) and `list_contacts`. */
import { z } from "zod";
import type { Account, AccountState } from "../store/types.js";
import type { OpsContext } from "./context.js";
import { defineOp, queryInt } from "./define.js";
import { iso } from "./format.js";
import {
  type AccountHealthFacts,
  type ContactSendFacts,
  contactSendFacts,
  type FixHints,
  healthFacts,
  type PollingInfo,
} from "./health.js";
import { optionalAccount } from "./resolve.js";

/** An MCP client can log in again itself (`login_start`), so the hint names that too. */
const OPS_FIX_HINTS: FixHints = {
  expired: "session expired: run `wxagent login` (or call login_start)",
  disabled: "account disabled",
};

/** Per contact, as `list_accounts` and `list_contacts` report it. */
export interface ContactSendJson {
  has_context_token: boolean;
  sends_left: number;
  outbox: number;
}

/** One account in `list_accounts` (MCP and REST): snake_case, ISO times, null when never. */
export type AccountHealthJson = {
  account: string;
  name?: string;
  owner?: string;
  state: AccountState;
  polling: PollingInfo | null;
  last_message_at: string | null;
  last_poll_at: string | null;
  /** Inbound messages waiting or running. */
  queue: number;
  /** Outbound bubbles not sent yet. */
  sending: number;
  /** Outbound bubbles in the durable outbox. */
  outbox: number;
  contacts: ({ contact: string } & ContactSendJson)[];
  /** What fixes a non-active account. */
  fix?: string;
  /** An active account nobody polls: what to start. */
  note?: string;
};

const sendJson = (f: ContactSendFacts): ContactSendJson => ({
  has_context_token: f.hasContextToken,
  sends_left: f.sendsLeft,
  outbox: f.outbox,
});

/** The `list_accounts` view of `healthFacts`. */
export function healthJson(f: AccountHealthFacts): AccountHealthJson {
  const health: AccountHealthJson = {
    account: f.accountId,
    ...(f.name ? { name: f.name } : {}),
    ...(f.ownerUserId ? { owner: f.ownerUserId } : {}),
    state: f.state,
    polling: f.polling ?? null,
    last_message_at: iso(f.lastInboundAtMs) ?? null,
    last_poll_at: iso(f.lastPollAtMs) ?? null,
    queue: f.queue,
    sending: f.sending,
    outbox: f.outbox,
    contacts: f.contacts.map((c) => ({ contact: c.userId, ...sendJson(c) })),
  };
  if (f.fix !== undefined) health.fix = f.fix;
  else if (!f.polling) {
    health.note = "nobody polls this account: start `wxagent start` or keep `wxagent mcp` running";
  }
  return health;
}

export function accountHealth(ctx: OpsContext, a: Account): AccountHealthJson {
  return healthJson(
    healthFacts(ctx.store, a, {
      home: ctx.paths.home,
      quotaPerToken: ctx.quotaPerToken,
      fixHints: OPS_FIX_HINTS,
    }),
  );
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
        ...sendJson(contactSendFacts(ctx.store, ctx.quotaPerToken, c.accountId, c.userId)),
      }));
    return { data: { contacts } };
  },
});
