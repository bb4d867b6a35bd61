/** `list_accounts` (with health) and `list_contacts`: the shapes are in json.ts. */
import { z } from "zod";
import type { Account } from "../store/types.js";
import type { OpsContext } from "./context.js";
import { defineOp, queryInt } from "./define.js";
import { contactFacts, type FixHints, healthFacts } from "./health.js";
import { type AccountJson, accountJson, contactJson } from "./json.js";
import { optionalAccount } from "./resolve.js";

/** An MCP client can log in again itself (`login_start`), so the hint names that too. */
const OPS_FIX_HINTS: FixHints = {
  expired: "session expired: run `wxagent login` (or call login_start)",
  disabled: "account disabled",
};

export async function accountHealth(ctx: OpsContext, a: Account): Promise<AccountJson> {
  return accountJson(
    await healthFacts(ctx.store, a, {
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
    "The logged-in WeChat bot accounts with their health: state (active/expired), whether the account lives on a simulator, what polling achieves (ok, failing with the last error, paused, none) and which process polls, last message, queue, outbox, sends left per recent contact, and the fix when something is wrong.",
  input: z.object({}),
  readOnly: true,
  rest: { method: "GET", path: "/accounts" },
  async run(ctx) {
    const accounts = await Promise.all((await ctx.store.accounts.list()).map((a) => accountHealth(ctx, a)));
    return { data: { accounts } };
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
    const account = await optionalAccount(ctx.store, input.account);
    return {
      data: {
        contacts: (await contactFacts(ctx.store, ctx.quotaPerToken, account?.id, input.limit)).map(
          contactJson,
        ),
      },
    };
  },
});
