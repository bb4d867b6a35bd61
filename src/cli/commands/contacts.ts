import type { Command } from "commander";
import { contactFacts } from "../../ops/health.js";
import { contactJson } from "../../ops/json.js";
import { accountById } from "../../ops/resolve.js";
import { withExistingHome } from "../home.js";
import { rethrowForCli } from "../ops-names.js";
import { intOption, printAnswer } from "../options.js";

export function defineContacts(cmd: Command): void {
  cmd
    .option("--account <id>", "only this account")
    .option("--limit <n>", "at most this many, most recent first", intOption("--limit", 1), 50)
    .option("--json", "print {contacts: [...]}, the answer of list_contacts and GET /api/contacts")
    .action(async (opts: { account?: string; limit: number; json?: boolean }) => {
      await withExistingHome(({ store, gateway }) => {
        try {
          if (opts.account !== undefined) accountById(store, opts.account);
        } catch (err) {
          rethrowForCli(err);
        }
        const contacts = contactFacts(store, gateway.quotaPerToken, opts.account, opts.limit).map(
          contactJson,
        );
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
