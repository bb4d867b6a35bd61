import type { Command } from "commander";
import type { MessageItem } from "../../ilink/wire.js";
import { withHome } from "../home.js";
import { intOption, printRows } from "../options.js";

/** One line of text for a stored item list (media described, not dumped). */
export function describeItems(items: MessageItem[]): string {
  const parts = items.map((it) => {
    if (it.text_item?.text !== undefined) return it.text_item.text;
    if (it.image_item) return "[image]";
    if (it.voice_item) return it.voice_item.text ? `[voice] ${it.voice_item.text}` : "[voice]";
    if (it.file_item) return `[file ${it.file_item.file_name ?? ""}]`.replace(" ]", "]");
    if (it.video_item) return "[video]";
    return `[item type ${it.type ?? "?"}]`;
  });
  return parts.join(" ");
}

export function registerHistory(program: Command): void {
  program
    .command("history")
    .description("messages exchanged, newest last")
    .option("--account <id>", "only this account")
    .option("--contact <userId>", "only this contact")
    .option("--limit <n>", "how many messages", intOption("--limit", 1), 50)
    .option("--json", "print JSON")
    .action(async (opts: { account?: string; contact?: string; limit: number; json?: boolean }) => {
      await withHome(({ store }) => {
        const filter = {
          ...(opts.account ? { accountId: opts.account } : {}),
          ...(opts.contact ? { userId: opts.contact } : {}),
          limit: opts.limit,
        };
        const inbound = store.inbound.list(filter).map((m) => ({
          at: m.receivedAtMs,
          account: m.accountId,
          direction: "in",
          contact: m.fromUserId,
          state: m.state,
          text: describeItems(m.items),
        }));
        const outbound = store.outbound.list(filter).map((m) => ({
          at: m.sentAtMs ?? m.createdAtMs,
          account: m.accountId,
          direction: "out",
          contact: m.toUserId,
          state: m.state,
          text: m.kind === "text" ? (m.text ?? "") : `[file ${m.filePath ?? ""}]`,
        }));
        const rows = [...inbound, ...outbound]
          .sort((a, b) => a.at - b.at)
          .slice(-opts.limit)
          .map((r) => ({
            ...r,
            at: new Date(r.at).toISOString(),
            text: opts.json ? r.text : oneLine(r.text, 80),
          }));
        printRows(rows, Boolean(opts.json), "no messages yet");
      });
    });
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
