/**
 * Gateway slash commands, read from the first TEXT item (docs/protocol.md §11: trimmed, first token
 * lowercased). Anything else starting with "/" goes to the agent unchanged.
 */
import { wordsOf } from "../agent/texts.js";
import type { Contact } from "../agent/types.js";
import { systemLanguage } from "../shared/i18n.js";
import { GATEWAY_TEXTS, type GatewayWords, gatewayWords } from "./texts.js";

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
  if (!hook) return { reply: wordsOf(contact).unlockDisabled };
  if (command === "lock") return { reply: await hook.lock(contact) };
  // In a group everyone reads the passphrase: refuse it there (a bare /unlock still reports the state).
  if (contact.groupId !== undefined && arg !== "")
    return { reply: gatewayWords(contact.language ?? systemLanguage()).unlockInGroup };
  const answer = await hook.unlock(contact, arg);
  return typeof answer === "string" ? { reply: answer } : answer;
}

/** What follows the command word, trimmed, case kept (`/unlock Open Sesame` → `Open Sesame`). */
export function commandArg(text: string): string {
  return text.trim().replace(/^\S+\s*/, "");
}

/** `/help` in English (every language: `GATEWAY_TEXTS.help`). */
export const HELP_TEXT = GATEWAY_TEXTS.help.en;

export interface StatusFacts {
  running: boolean;
  queued: number;
  sendsLeft: number | undefined;
  sendQuota: number;
  deferred: number;
}

export function statusText(f: StatusFacts, w: GatewayWords = gatewayWords("en")): string {
  const lines = [f.running ? w.statusRunning : w.statusIdle, w.statusQueued({ n: f.queued })];
  if (f.sendsLeft !== undefined) lines.push(w.statusSendsLeft({ left: f.sendsLeft, quota: f.sendQuota }));
  if (f.deferred > 0) lines.push(w.statusDeferred({ n: f.deferred }));
  return lines.join("\n");
}
