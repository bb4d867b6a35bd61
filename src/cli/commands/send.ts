import type { Command } from "commander";
import { resolveProfile } from "../../gateway/policy/profile.js";
import { createOpsContext, isOpsError, OPS } from "../../ops/index.js";
import { CliError, usage } from "../errors.js";
import { withHome } from "../home.js";

/**
 * A proactive send, through the same operation the MCP server and REST API use: recorded with
 * its client_id before sending, counted against the contact's quota, overflow kept in the outbox.
 */
export function registerSend(program: Command): void {
  program
    .command("send")
    .description("a proactive send through a logged-in account (the contact must have written first)")
    .requiredOption("--to <userId>", "the contact's WeChat user id (see `wxagent history`)")
    .option("--text <text>", "the text to send")
    .option("--file <path>", "a file to send (image, video or any file)")
    .option("--caption <text>", "a caption sent before the file")
    .option("--account <id>", "the account to send from (default: inferred)")
    .option("--json", "print the result as JSON")
    .action(
      async (opts: {
        to: string;
        text?: string;
        file?: string;
        caption?: string;
        account?: string;
        json?: boolean;
      }) => {
        if ((opts.text === undefined) === (opts.file === undefined))
          throw usage("give exactly one of --text or --file");
        await withHome(async ({ store, paths, config }) => {
          const ctx = createOpsContext({
            store,
            paths,
            limits: {
              chunkChars: config.gateway.chunkChars,
              spacingMs: config.gateway.spacingMs,
              quotaPerToken: config.gateway.quotaPerToken,
            },
            languageFor: (id) => resolveProfile(config, id).language,
          });
          const name = opts.text !== undefined ? "send_text" : "send_file";
          const op = OPS.find((o) => o.name === name);
          if (!op) throw new Error(`operation ${name} is missing`);
          const input =
            opts.text !== undefined
              ? { account: opts.account, to: opts.to, text: opts.text }
              : { account: opts.account, to: opts.to, path: opts.file, caption: opts.caption };
          try {
            const out = await op.invoke(ctx, input, AbortSignal.timeout(120_000));
            if (opts.json) process.stdout.write(`${JSON.stringify(out.data, null, 2)}\n`);
            else {
              const d = out.data as {
                sent?: number;
                sends_left?: number;
                account?: string;
                warning?: string;
              };
              process.stdout.write(
                `sent ${d.sent ?? 0} message(s) to ${opts.to} from ${d.account}; ${d.sends_left} sends left before they write again\n`,
              );
              if (d.warning) process.stderr.write(`warning: ${d.warning}\n`);
            }
          } catch (err) {
            if (isOpsError(err)) throw new CliError(`${err.message} [${err.code}]`);
            throw err;
          } finally {
            ctx.close();
          }
        });
      },
    );
}
