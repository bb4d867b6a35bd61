import type { Command } from "commander";
import { isPolicyError } from "../../gateway/policy/errors.js";
import { approvePairing, denyPairing, listPairingRequests } from "../../gateway/policy/pairing.js";
import { pairingRequestJson } from "../../ops/json.js";
import { CliError } from "../errors.js";
import { withExistingHome } from "../home.js";
import { printAnswer, writeText } from "../options.js";

async function policyCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPolicyError(err)) throw new CliError(err.message);
    throw err;
  }
}

export function definePairing(cmd: Command): void {
  // `list` is the default: `wxagent pairing --json` is `wxagent pairing list --json`.
  cmd
    .command("list", { isDefault: true })
    .description("who is waiting, with their codes (the default)")
    .option("--account <id>", "only this account")
    .option("--json", "print {requests: [...]}")
    .action(async (opts: { account?: string; json?: boolean }) => {
      await withExistingHome(async ({ store }) => {
        const requests = (await listPairingRequests(store, opts.account)).map(pairingRequestJson);
        printAnswer(
          opts.json,
          { requests },
          () =>
            requests.map((r) => ({
              code: r.code,
              account: r.account,
              contact: r.contact,
              requested: r.requested_at,
              expires: r.expired ? "expired" : r.expires_at,
            })),
          "no pairing requests waiting",
        );
      });
    });
  cmd
    .command("approve <code>")
    .description("let the contact who got this code write to the bot")
    .option("--account <id>", "the account the code belongs to")
    .action(async (code: string, opts: { account?: string }) => {
      await withExistingHome(async ({ store }) => {
        const r = await policyCall(() =>
          approvePairing(store, code, opts.account ? { accountId: opts.account } : {}),
        );
        writeText(`approved ${r.userId} on account ${r.accountId}: they may write to the bot now\n`);
      });
    });
  cmd
    .command("deny <code>")
    .description("block the contact who got this code (no more codes, no answers)")
    .option("--account <id>", "the account the code belongs to")
    .action(async (code: string, opts: { account?: string }) => {
      await withExistingHome(async ({ store }) => {
        const r = await policyCall(() =>
          denyPairing(store, code, opts.account ? { accountId: opts.account } : {}),
        );
        writeText(`blocked ${r.userId} on account ${r.accountId}\n`);
      });
    });
}
