import type { Command } from "commander";
import { withExistingHome } from "../home.js";
import { rethrowForCli } from "../ops-names.js";
import { intOption, printAnswer } from "../options.js";

export function defineHistory(cmd: Command): void {
  cmd
    .option("--account <id>", "only this account")
    .option("--contact <userId>", "only this contact")
    .option("--limit <n>", "how many messages (at most 200)", intOption("--limit", 1, 200), 50)
    .option("--json", "print {messages: [...]}, the answer of recent_messages and GET /api/messages")
    .action(async (opts: { account?: string; contact?: string; limit: number; json?: boolean }) => {
      // The message views read media descriptions through the SDK: loaded only here.
      const { listMessages } = await import("../../ops/format.js");
      await withExistingHome(async ({ store }) => {
        let messages: Awaited<ReturnType<typeof listMessages>>;
        try {
          messages = await listMessages(store, {
            ...(opts.account ? { account: opts.account } : {}),
            ...(opts.contact ? { contact: opts.contact } : {}),
            limit: opts.limit,
          });
        } catch (err) {
          rethrowForCli(err);
        }
        printAnswer(
          opts.json,
          { messages },
          () =>
            messages.map((m) => ({
              at: m.at,
              account: m.account,
              direction: m.direction,
              contact: m.contact,
              state: m.state ?? "",
              text: oneLine(
                [m.text, ...m.media.filter((x) => x.kind !== "voice" || !x.transcript).map(describeMedia)]
                  .filter(Boolean)
                  .join(" "),
                80,
              ),
              note: m.note ?? "",
            })),
          "no messages yet",
        );
      });
    });
}

function describeMedia(m: { kind: string; name?: string }): string {
  return m.name ? `[${m.kind} ${m.name}]` : `[${m.kind}]`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
