import type { Command } from "commander";
import { contactFacts } from "../../ops/health.js";
import { contactJson } from "../../ops/json.js";
import { unknownAccount } from "../../ops/resolve.js";
import { withReadStore } from "../home.js";
import { rethrowForCli } from "../ops-names.js";
import { intOption, printAnswer } from "../options.js";

export function defineContacts(cmd: Command): void {
  cmd
    .option("--account <id>", "only this account")
    .option("--limit <n>", "at most this many, most recent first", intOption("--limit", 1), 50)
    .option("--json", "print {contacts: [...]}, the answer of list_contacts and GET /api/contacts")
    .action(async (opts: { account?: string; limit: number; json?: boolean }) => {
      await withReadStore(async ({ store, gateway }) => {
        if (opts.account !== undefined && !(await store.accounts.get(opts.account))) {
          const ids = (await store.accounts.list()).map((a) => a.id);
          rethrowForCli(unknownAccount(opts.account, ids));
        }
        const facts = await contactFacts(store, gateway.quotaPerToken, opts.account, opts.limit);
        const contacts = facts.map(contactJson);
        printAnswer(
          opts.json,
          { contacts },
          () =>
            contacts.map((c) => ({
              contact: c.contact,
              account: c.account,
              name: c.name,
              last_seen: c.last_seen_at,
              can_write: c.has_context_token ? "yes" : "no (they must write first)",
              sends_left: c.sends_left,
              outbox: c.outbox,
            })),
          "nobody has written to the bot yet",
        );
      });
    });
}
