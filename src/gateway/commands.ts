/**
 * Gateway slash commands, read from the first TEXT item (ilink-protocol §11: trimmed, first token
 * lowercased). Anything else starting with "/" goes to the agent unchanged.
 */
export type GatewayCommand = "stop" | "new" | "help" | "status";

const COMMANDS = new Set<string>(["stop", "new", "help", "status"]);

export function parseCommand(text: string | undefined): GatewayCommand | undefined {
  if (text === undefined || !text.startsWith("/")) return undefined;
  const head = text.trim().split(/\s+/, 1)[0]?.slice(1).toLowerCase() ?? "";
  return COMMANDS.has(head) ? (head as GatewayCommand) : undefined;
}

export const HELP_TEXT = [
  "Commands:",
  "/stop: stop the answer in progress",
  "/new: start a fresh conversation (the agent forgets this chat)",
  "/status: what is queued for you and how many messages I can still send",
  "/help: this list",
  "Anything else goes to the agent.",
].join("\n");

export interface StatusFacts {
  running: boolean;
  queued: number;
  sendsLeft: number | undefined;
  sendQuota: number;
  deferred: number;
}

export function statusText(f: StatusFacts): string {
  const lines = [
    f.running ? "Working on your message now." : "Nothing running for you right now.",
    `Waiting in your queue: ${f.queued}.`,
  ];
  if (f.sendsLeft !== undefined) {
    lines.push(`Messages I can still send before you need to write again: ${f.sendsLeft} of ${f.sendQuota}.`);
  }
  if (f.deferred > 0) lines.push(`Held back until your next message: ${f.deferred}.`);
  return lines.join("\n");
}
