/**
 * Gateway slash commands, read from the first TEXT item (docs/protocol.md §11: trimmed, first token
 * lowercased). Anything else starting with "/" goes to the agent unchanged.
 */
import type { Contact } from "../agent/types.js";

export type GatewayCommand = "stop" | "new" | "help" | "status" | "unlock" | "lock";

const COMMANDS = new Set<string>(["stop", "new", "help", "status", "unlock", "lock"]);

export function parseCommand(text: string | undefined): GatewayCommand | undefined {
  if (text === undefined || !text.startsWith("/")) return undefined;
  const head = text.trim().split(/\s+/, 1)[0]?.slice(1).toLowerCase() ?? "";
  return COMMANDS.has(head) ? (head as GatewayCommand) : undefined;
}

/** The gateway's view of unlocking: answers only, so dispatch needs nothing of the agent's permissions. */
export interface UnlockHook {
  /**
   * The reply to `/unlock <arg>`, and optionally what to tell the owner (a lockout began); it must
   * never repeat `arg`.
   */
  unlock(contact: Contact, arg: string): Promise<UnlockReply> | UnlockReply;
  lock(contact: Contact): Promise<string> | string;
}

export type UnlockReply = string | { reply: string; ownerNotice?: string };

/** The reply to `/unlock <arg>` or `/lock`; `arg` (a passphrase) never appears in it. */
export async function unlockAnswer(
  hook: UnlockHook | undefined,
  command: "unlock" | "lock",
  contact: Contact,
  arg: string,
): Promise<{ reply: string; ownerNotice?: string }> {
  if (!hook) return { reply: "Unlocking is not enabled for this bot." };
  if (command === "lock") return { reply: await hook.lock(contact) };
  // In a group everyone reads the passphrase: refuse it there (a bare /unlock still reports the state).
  if (contact.groupId !== undefined && arg !== "")
    return {
      reply: "Send /unlock to me in a private chat: a passphrase sent in a group is seen by everyone there.",
    };
  const answer = await hook.unlock(contact, arg);
  return typeof answer === "string" ? { reply: answer } : answer;
}

/** What follows the command word, trimmed, case kept (`/unlock Open Sesame` → `Open Sesame`). */
export function commandArg(text: string): string {
  return text.trim().replace(/^\S+\s*/, "");
}

export const HELP_TEXT = [
  "Commands:",
  "/stop: stop the answer in progress",
  "/new: start a fresh conversation (the agent forgets this chat)",
  "/status: what is queued for you and how many messages I can still send",
  "/unlock <passphrase>: more than read-only access for a while (when the owner set a passphrase)",
  "/lock: end an unlock early",
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
