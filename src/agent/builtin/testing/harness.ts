/** Test helpers for agents: a recording AgentIO, contacts, and inputs. */
import type { AgentInput, AgentIO, AskOptions, Contact } from "../../types.js";

export interface RecordingIO extends AgentIO {
  readonly progressNotes: string[];
  readonly sentFiles: { path: string; caption?: string }[];
  readonly questions: { question: string; options?: AskOptions }[];
  /** Resolves when the next question is asked. */
  nextQuestion(): Promise<string>;
}

/**
 * A fake AgentIO. `answers` are handed out in order; `"silence"` (or running out of answers)
 * waits `timeoutMs` on a timer and resolves undefined, as the gateway does (use fake timers).
 */
export function recordingIO(
  answers: (string | "silence")[] = [],
  onSendFile?: (path: string) => void,
): RecordingIO {
  const progressNotes: string[] = [];
  const sentFiles: { path: string; caption?: string }[] = [];
  const questions: { question: string; options?: AskOptions }[] = [];
  let waiter: ((q: string) => void) | undefined;
  return {
    progressNotes,
    sentFiles,
    questions,
    nextQuestion: () => new Promise((resolve) => (waiter = resolve)),
    progress: (text) => void progressNotes.push(text),
    async sendFile(path, caption) {
      sentFiles.push({ path, caption });
      onSendFile?.(path);
    },
    ask(question, options) {
      questions.push({ question, options });
      waiter?.(question);
      waiter = undefined;
      const answer = answers.shift();
      if (answer !== undefined && answer !== "silence") return Promise.resolve(answer);
      return new Promise((resolve) => setTimeout(() => resolve(undefined), options?.timeoutMs ?? 120_000));
    },
  };
}

export const ACCOUNT = "bot-account";
export const OWNER: Contact = { accountId: ACCOUNT, userId: "owner@im.wechat", isOwner: true };
export const ALICE: Contact = { accountId: ACCOUNT, userId: "alice@im.wechat", isOwner: false };
export const BOB: Contact = { accountId: ACCOUNT, userId: "bob@im.wechat", isOwner: false };

let counter = 0;
export function inputFor(
  contact: Contact,
  text: string,
  signal: AbortSignal = new AbortController().signal,
): AgentInput {
  counter += 1;
  return { contact, messageId: `m${counter}`, text, media: [], signal };
}
