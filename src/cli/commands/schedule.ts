import type { Command } from "commander";
import { createOpsContext, isOpsError, OPS } from "../../ops/index.js";
import { CliError, usage } from "../errors.js";
import { withHome } from "../home.js";
import { printJson, printRows, writeText } from "../options.js";

/**
 * `wxagent schedule list|add|cancel`: the same operations as MCP and REST. Jobs are stored; the
 * `wxagent start` that polls the account fires them (it notices a new one within seconds).
 */
export function defineSchedule(schedule: Command): void {
  schedule
    .command("list")
    .description("every active job with its next run; firings held until the contact writes")
    .option("--all", "also jobs that are done or cancelled")
    .option("--account <id>", "only this account")
    .option("--json", "print JSON")
    .action(async (opts: { all?: boolean; account?: string; json?: boolean }) => {
      const out = await invoke("schedule_list", {
        state: opts.all ? "all" : "active",
        account: opts.account,
      });
      const { jobs, held } = out as { jobs: Record<string, unknown>[]; held: Record<string, unknown>[] };
      if (opts.json) {
        printJson(out);
        return;
      }
      printRows(
        jobs.map((j) => ({
          id: j.id,
          to: j.to,
          when: j.kind === "cron" ? `cron ${j.cron} ${j.tz}` : "once",
          next: j.next_run ?? "-",
          what: `${j.action}: ${String(j.body).slice(0, 40)}`,
          last: (j.last as { state?: string } | undefined)?.state ?? "-",
        })),
        "no scheduled jobs (add one with `wxagent schedule add`)",
      );
      if (held.length > 0) {
        process.stdout.write(
          `\n${held.length} firing(s) held until the contact writes (their 24 h window was closed):\n`,
        );
        for (const h of held)
          writeText(`  job #${h.job} to ${h.to}, due ${h.scheduled_at}: ${h.reason ?? ""}\n`);
      }
    });

  schedule
    .command("add")
    .description("schedule a text, a file or an agent prompt, once or recurring")
    .requiredOption("--to <userId>", "the contact's WeChat user id")
    .option("--account <id>", "the account to send from (default: inferred)")
    .option("--at <time>", "an ISO time, or 'YYYY-MM-DD HH:MM' / 'HH:MM' in --tz")
    .option("--in <duration>", "from now: 90s, 45m, 2h, 1d")
    .option("--cron <expr>", "five-field cron, e.g. '0 8 * * 1-5'")
    .option("--tz <zone>", "IANA time zone (default: this machine's)")
    .option("--text <text>", "send this text")
    .option("--file <path>", "send this file")
    .option("--caption <text>", "caption for --file")
    .option("--prompt <text>", "run this as an agent turn and send the answer")
    .option("--json", "print JSON")
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const count = (...k: string[]) => k.filter((x) => opts[x] !== undefined).length;
      if (count("at", "in", "cron") !== 1) throw usage("give exactly one of --at, --in or --cron");
      if (count("text", "file", "prompt") !== 1)
        throw usage("give exactly one of --text, --file or --prompt");
      if (opts.tz !== undefined && opts.cron === undefined && opts.at === undefined)
        throw usage("--tz goes with --cron or --at");
      const { json, ...input } = opts;
      const out = (await invoke("schedule_add", input)) as {
        job: { id: number; next_run?: string };
        first_run_local: string;
        warning?: string;
      };
      if (json) printJson(out);
      else
        process.stdout.write(
          `scheduled job #${out.job.id}: first run ${out.first_run_local} (${out.job.next_run})\n`,
        );
      if (out.warning && !json) process.stderr.write(`warning: ${out.warning}\n`);
    });

  schedule
    .command("cancel <id>")
    .description("cancel a job")
    .action(async (id: string) => {
      await invoke("schedule_cancel", { id });
      process.stdout.write(`cancelled job #${id}\n`);
    });
}

async function invoke(name: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  return withHome(async ({ store, paths, config }) => {
    const ctx = createOpsContext({ store, paths, limits: { quotaPerToken: config.gateway.quotaPerToken } });
    const op = OPS.find((o) => o.name === name);
    if (!op) throw new Error(`operation ${name} is missing`);
    try {
      return (await op.invoke(ctx, input, AbortSignal.timeout(30_000))).data;
    } catch (err) {
      if (isOpsError(err))
        throw new CliError(`${err.message} [${err.code}]`, err.code === "BAD_INPUT" ? 2 : 1);
      throw err;
    } finally {
      ctx.close();
    }
  });
}
