import type { Command } from "commander";
import {
  approvePairing,
  denyPairing,
  isPolicyError,
  listPairingRequests,
} from "../../gateway/policy/index.js";
import { CliError } from "../errors.js";
import { withHome } from "../home.js";
import { printRows } from "../options.js";

function policyCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isPolicyError(err)) throw new CliError(err.message);
    throw err;
  }
}

async function listAction(opts: { account?: string; json?: boolean }): Promise<void> {
  await withHome(({ store }) => {
    const rows = listPairingRequests(store, opts.account).map((r) => ({
      code: r.code,
      account: r.accountId,
      contact: r.userId,
      requested: new Date(r.requestedAtMs).toISOString(),
      expires: r.expired ? "expired" : new Date(r.expiresAtMs).toISOString(),
    }));
    printRows(rows, Boolean(opts.json), "no pairing requests waiting");
  });
}

export function registerPairing(program: Command): void {
  const pairing = program
    .command("pairing")
    .description("pairing requests from unknown contacts: list, approve, deny")
    .option("--account <id>", "only this account")
    .option("--json", "print JSON")
    .action(listAction);
  pairing
    .command("list")
    .description("who is waiting, with their codes")
    .option("--account <id>", "only this account")
    .option("--json", "print JSON")
    .action(listAction);
  pairing
    .command("approve <code>")
    .description("let the contact who got this code write to the bot")
    .option("--account <id>", "the account the code belongs to")
    .action(async (code: string, opts: { account?: string }) => {
      await withHome(({ store }) => {
        const r = policyCall(() =>
          approvePairing(store, code, opts.account ? { accountId: opts.account } : {}),
        );
        process.stdout.write(
          `approved ${r.userId} on account ${r.accountId}: they may write to the bot now\n`,
        );
      });
    });
  pairing
    .command("deny <code>")
    .description("block the contact who got this code (no more codes, no answers)")
    .option("--account <id>", "the account the code belongs to")
    .action(async (code: string, opts: { account?: string }) => {
      await withHome(({ store }) => {
        const r = policyCall(() => denyPairing(store, code, opts.account ? { accountId: opts.account } : {}));
        process.stdout.write(`blocked ${r.userId} on account ${r.accountId}\n`);
      });
    });
}
