import type { Command } from "commander";
import { DEFAULT_CDN_BASE_URL } from "../../ilink/wire.js";
import { loginMarks } from "../../ops/login.js";
import { liveTokenLock } from "../../store/index.js";
import type { Account } from "../../store/types.js";
import { CliError, usage } from "../errors.js";
import { withHome } from "../home.js";
import { printRows } from "../options.js";

export function accountRow(a: Account, home: string): Record<string, unknown> {
  const lock = liveTokenLock(home, a.token || a.id);
  return {
    account: a.id,
    state: a.state,
    polling: lock ? `pid ${lock.pid}` : "no",
    owner: a.ownerUserId ?? "-",
    simulated: a.simulated === true,
    base_url: a.baseUrl,
    last_message: a.lastInboundAtMs ? new Date(a.lastInboundAtMs).toISOString() : "-",
    note: a.stateReason ?? "",
  };
}

export function registerAccounts(program: Command): void {
  const accounts = program
    .command("accounts")
    .description("list accounts with health; add one from known credentials; remove one")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withHome(({ store, paths }) => {
        printRows(
          store.accounts.list().map((a) => accountRow(a, paths.home)),
          Boolean(opts.json),
          "no accounts yet: run `wxagent login`, or `wxagent accounts add …` with known credentials",
        );
      });
    });

  accounts
    .command("add")
    .description("add an account from known credentials (no QR)")
    .requiredOption("--base-url <url>", "iLink API base URL")
    .requiredOption("--token <token>", "bot token")
    .requiredOption("--account-id <id>", "bot account id (…@im.bot)")
    .option("--cdn-base-url <url>", "CDN base URL", DEFAULT_CDN_BASE_URL)
    .option("--owner <userId>", "the WeChat user who owns the bot")
    .action(
      async (opts: {
        baseUrl: string;
        token: string;
        accountId: string;
        cdnBaseUrl: string;
        owner?: string;
      }) => {
        if (!/^https?:\/\//.test(opts.baseUrl))
          throw usage(`--base-url must be an http(s) URL (got "${opts.baseUrl}")`);
        if (!opts.token.trim()) throw usage("--token must not be empty");
        // An account of a simulator is marked so: `npm start` forgets it once the simulator is gone.
        const marks = await loginMarks({ accountId: opts.accountId, baseUrl: opts.baseUrl });
        await withHome(({ store }) => {
          const existing = store.accounts.get(opts.accountId);
          const name = marks.name ?? existing?.name;
          store.accounts.upsert({
            id: opts.accountId,
            baseUrl: opts.baseUrl,
            cdnBaseUrl: opts.cdnBaseUrl,
            token: opts.token.trim(),
            state: "active",
            ...(opts.owner ? { ownerUserId: opts.owner } : {}),
            ...(name ? { name } : {}),
            ...(marks.simulated ? { simulated: true } : {}),
          });
          if (existing && existing.token !== opts.token.trim()) {
            // A new token is a new session: the old cursor and context tokens belong to the old one.
            store.cursors.set(opts.accountId, "");
            store.contextTokens.clear(opts.accountId);
          }
          process.stdout.write(
            `account ${opts.accountId} ${existing ? "updated" : "added"}${marks.simulated ? " (on the simulator)" : ""}\n`,
          );
        });
      },
    );

  accounts
    .command("remove <id>")
    .description("remove an account and its credentials")
    .action(async (id: string) => {
      await withHome(({ store }) => {
        if (!store.accounts.remove(id)) throw new CliError(`no account "${id}" (see \`wxagent accounts\`)`);
        process.stdout.write(`account ${id} removed\n`);
      });
    });
}
