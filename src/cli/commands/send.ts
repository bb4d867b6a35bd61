import type { Command } from "commander";
import { usage } from "../errors.js";
import { withExistingHome } from "../home.js";
import { rethrowForCli } from "../ops-names.js";
import { printJson } from "../options.js";

/**
 * A proactive send, through the same operation the MCP server and REST API use: recorded with
 * its client_id before sending, counted against the contact's quota, overflow kept in the outbox.
 */
export function defineSend(cmd: Command): void {
  cmd
    .requiredOption("--to <userId>", "the contact's WeChat user id (see `wxagent contacts`)")
    .option("--text <text>", "the text to send")
    .option("--file <path>", "a file to send (image, video or any file)")
    .option("--caption <text>", "a caption sent before the file")
    .option("--account <id>", "the account to send from (default: inferred)")
    .option("--json", "print the answer of send_text / send_file as JSON")
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
        // The send path (delivery, the SDK, the operation's schema) loads only when sending.
        const [{ createOpsContext, OPS }, { resolveProfile }, { loadConfig }] = await Promise.all([
          import("../../ops/index.js"),
          import("../../gateway/policy/profile.js"),
          import("../../config/load.js"),
        ]);
        await withExistingHome(async ({ store, paths, gateway }) => {
          // The whole config: the sending account's language (its profile) words the texts.
          const config = loadConfig(paths.configPath);
          const ctx = createOpsContext({
            store,
            paths,
            limits: {
              chunkChars: gateway.chunkChars,
              spacingMs: gateway.spacingMs,
              quotaPerToken: gateway.quotaPerToken,
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
            if (opts.json) printJson(out.data);
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
            rethrowForCli(err);
          } finally {
            ctx.close();
          }
        });
      },
    );
}
