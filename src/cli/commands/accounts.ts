import type { Command } from "commander";
import { DEFAULT_CDN_BASE_URL } from "../../ilink/wire.js";
import { CliError, usage } from "../errors.js";
import { withExistingHome, withHome, withReadStore } from "../home.js";
import { printAnswer, urlOption, writeText } from "../options.js";
import { readAccounts } from "./status.js";

const NO_OWNER_NOTE =
  "note: no --owner, so nobody is this bot's owner: its owner gets the same answer as a stranger (the DM policy, pairing by default) and not the owner's permissions. Add it again with --owner <userId> (the owner's WeChat id, `…@im.wechat`), or log in with `wxagent login`, which records the owner.";

export function defineAccounts(cmd: Command): void {
  const accounts = cmd
    .option("--json", "print {accounts: [...]}, the same answer as `wxagent status --json`")
    .action(listAccounts);

  accounts
    .command("add")
    .description("add an account from known credentials (no QR)")
    .requiredOption("--base-url <url>", "iLink API base URL", urlOption("--base-url"))
    .requiredOption("--token <token>", "bot token")
    .requiredOption("--account-id <id>", "bot account id (…@im.bot)")
    .option("--cdn-base-url <url>", "CDN base URL", urlOption("--cdn-base-url"), DEFAULT_CDN_BASE_URL)
    .option("--owner <userId>", "the WeChat user who owns the bot (…@im.wechat); without it nobody is owner")
    .action(addAccount);

  accounts
    .command("remove <id>")
    .description("remove an account and its credentials")
    .action(async (id: string) => {
      await withExistingHome(async ({ store }) => {
        if (!(await store.accounts.remove(id)))
          throw new CliError(`no account "${id}" (see \`wxagent accounts\`)`);
        process.stdout.write(`account ${id} removed\n`);
      });
    });
}

/** `wxagent accounts [--json]`: the table (and each account's fix), or the JSON of `status --json`. */
async function listAccounts(opts: { json?: boolean }): Promise<void> {
  await withReadStore(async (h) => {
    const list = await readAccounts(h);
    printAnswer(
      opts.json,
      { accounts: list },
      () =>
        list.map((a) => ({
          account: a.account,
          state: a.state,
          polling: a.polling,
          owner: a.owner ?? "none",
          simulated: a.simulated ? "yes" : "no",
          base_url: a.base_url,
          last_message: a.last_message_at,
        })),
      "no accounts yet: run `wxagent login`, or `wxagent accounts add …` with known credentials",
    );
    if (!opts.json) for (const a of list) if (a.fix) writeText(`${a.account}: ${a.fix}\n`);
  });
}

/** `wxagent accounts add`: an account from known credentials, or new credentials for a known one. */
async function addAccount(opts: {
  baseUrl: string;
  token: string;
  accountId: string;
  cdnBaseUrl: string;
  owner?: string;
}): Promise<void> {
  if (!opts.token.trim()) throw usage("--token must not be empty");
  // An account of a simulator is marked so: `npm start` forgets it once the simulator is gone.
  const { loginMarks } = await import("../../ops/login.js");
  const marks = await loginMarks({ accountId: opts.accountId, baseUrl: opts.baseUrl });
  await withHome(async ({ store }) => {
    const existing = await store.accounts.get(opts.accountId);
    // Adding again without --owner keeps the owner recorded before.
    const owner = opts.owner ?? existing?.ownerUserId;
    const name = marks.name ?? existing?.name;
    await store.accounts.upsert({
      id: opts.accountId,
      baseUrl: opts.baseUrl,
      cdnBaseUrl: opts.cdnBaseUrl,
      token: opts.token.trim(),
      state: "active",
      ...(owner ? { ownerUserId: owner } : {}),
      ...(name ? { name } : {}),
      ...(marks.simulated ? { simulated: true } : {}),
    });
    if (existing && existing.token !== opts.token.trim()) {
      // A new token is a new session: the old cursor and context tokens belong to the old one.
      await store.cursors.set(opts.accountId, "");
      await store.contextTokens.clear(opts.accountId);
    }
    process.stdout.write(
      `account ${opts.accountId} ${existing ? "updated" : "added"}${marks.simulated ? " (on the simulator)" : ""}${owner ? ` (owner ${owner})` : ""}\n`,
    );
    if (!owner) process.stderr.write(`${NO_OWNER_NOTE}\n`);
  });
}
