/**
 * Routing for `AgentIO.ask`: while a turn waits for an answer, the next message from the person
 * asked (in the same conversation) is consumed as the answer instead of starting a new turn.
 *
 * Every open question has a number, unique per person asked (account + user), shown in the
 * question. A bare answer (`y`) is taken only when exactly one question waits for that person;
 * with several, the answer must name its question (`y 2`, `y #2`, `#2 y`), and the dispatcher
 * tells the person which ones wait. So an answer is always tied to the question it was meant for.
 */
import type { InboundMessage } from "../store/types.js";
import { conversationKey } from "./inbound.js";
import { type GatewayWords, gatewayWords } from "./texts.js";

interface Waiter {
  number: number;
  userId: string;
  accountId: string;
  groupId: string | undefined;
  conversation: string;
  question: string;
  askedAtMs: number;
  /** The contact whose turn asks (differs from `userId` when the owner is asked for them). */
  forUserId: string;
  forGroupId: string | undefined;
  /** `undelivered`: the send quota held the question back; it goes out when the person writes. */
  delivery: "sent" | "undelivered";
  resolve: (answer: string | undefined, why: AskEnd) => void;
}

/** How an open question ended. */
export type AskEnd = "answered" | "timeout" | "aborted" | "withdrawn";

/** A question an agent asked in the chat, still waiting for its answer (shown in the admin UI). */
export interface PendingAsk {
  /** The question's number for the person asked (`y 2` answers number 2). */
  number: number;
  accountId: string;
  /** The person asked. */
  userId: string;
  groupId?: string;
  /** The contact the question is for, when someone else (the owner) was asked. */
  forUserId?: string;
  question: string;
  askedAtMs: number;
  /** Set when the question could not be sent yet (the person's send quota is spent). */
  undelivered?: true;
}

/** What `offer` made of a message. */
export type Offer =
  | { kind: "none" }
  | { kind: "answered"; number: number }
  /** Several questions wait for this person (or the number named is not one of them). */
  | { kind: "which"; waiting: PendingAsk[]; unknownNumber?: number }
  /** The question was held back by the send quota: this message releases it, it is no answer. */
  | { kind: "released"; number: number };

/** An open question: its number, and the answer when it comes. */
export interface OpenAsk {
  number: number;
  answer: Promise<string | undefined>;
  /** The question could not be sent now: mark it (admin UI, logs), answers wait for the person. */
  markUndelivered(): void;
  /** End the question without an answer and without a notice (it could not be asked). */
  drop(): void;
  /** The question as sent (it carries its number, so it is written after `open`). */
  setQuestion(text: string): void;
}

const NUMBERED = [/^(\S+)\s+#?(\d{1,6})$/u, /^#(\d{1,6})\s+(\S+)$/u];

/** `y 2` → { answer: "y", number: 2 }; a bare answer gives undefined. */
export function parseNumbered(text: string): { answer: string; number: number } | undefined {
  const t = text.trim();
  const b = NUMBERED[1]?.exec(t);
  if (b?.[1] && b[2]) return { answer: b[2], number: Number(b[1]) };
  const a = NUMBERED[0]?.exec(t);
  if (a?.[1] && a[2]) return { answer: a[1], number: Number(a[2]) };
  return undefined;
}

export class AskRegistry {
  readonly #waiters = new Map<string, Waiter[]>();
  /** Last number given per person (account + user); numbers are never reused in a process. */
  readonly #lastNumber = new Map<string, number>();

  /**
   * Open a question for `where.userId` in conversation (`accountId`, `userId`, `groupId`). The
   * answer is `undefined` after `timeoutMs`, when `signal` aborts, or when it is withdrawn.
   */
  open(
    where: { accountId: string; userId: string; groupId?: string | undefined },
    timeoutMs: number,
    signal: AbortSignal,
    info: {
      question?: string;
      forUserId?: string;
      forGroupId?: string | undefined;
      /** Aborted when the turn that asks has ended: the question is withdrawn. */
      withdraw?: AbortSignal;
    } = {},
    onEnd?: (why: AskEnd) => void,
  ): OpenAsk {
    const key = conversationKey(where.accountId, where.userId, where.groupId);
    const person = personKey(where.accountId, where.userId);
    const number = (this.#lastNumber.get(person) ?? 0) + 1;
    this.#lastNumber.set(person, number);
    let waiter: Waiter | undefined;
    const answer = new Promise<string | undefined>((resolve) => {
      if (signal.aborted || info.withdraw?.aborted) {
        onEnd?.(signal.aborted ? "aborted" : "withdrawn");
        resolve(undefined);
        return;
      }
      const finish = (value: string | undefined, why: AskEnd) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        info.withdraw?.removeEventListener("abort", onWithdraw);
        const list = this.#waiters.get(key);
        const i = list && waiter ? list.indexOf(waiter) : -1;
        if (list && i >= 0) list.splice(i, 1);
        if (list?.length === 0) this.#waiters.delete(key);
        onEnd?.(why);
        resolve(value);
      };
      let done = false;
      const once = (value: string | undefined, why: AskEnd) => {
        if (done) return;
        done = true;
        finish(value, why);
      };
      waiter = {
        number,
        userId: where.userId,
        accountId: where.accountId,
        groupId: where.groupId,
        conversation: key,
        question: info.question ?? "",
        askedAtMs: Date.now(),
        forUserId: info.forUserId ?? where.userId,
        forGroupId: info.forGroupId,
        delivery: "sent",
        resolve: once,
      };
      const onAbort = () => once(undefined, "aborted");
      const onWithdraw = () => once(undefined, "withdrawn");
      const timer = setTimeout(() => once(undefined, "timeout"), timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
      info.withdraw?.addEventListener("abort", onWithdraw, { once: true });
      const list = this.#waiters.get(key) ?? [];
      list.push(waiter);
      this.#waiters.set(key, list);
    });
    return {
      number,
      answer,
      markUndelivered: () => {
        if (waiter) waiter.delivery = "undelivered";
      },
      drop: () => waiter?.resolve(undefined, "aborted"),
      setQuestion: (text) => {
        if (waiter) waiter.question = text;
      },
    };
  }

  /**
   * `wait` without a number in hand: open a question and wait for its answer (kept for callers
   * that need no number).
   */
  wait(
    where: { accountId: string; userId: string; groupId?: string | undefined },
    timeoutMs: number,
    signal: AbortSignal,
    question = "",
  ): Promise<string | undefined> {
    return this.open(where, timeoutMs, signal, { question }).answer;
  }

  /**
   * A message from `fromUserId` in `conversation`: is it the answer to one of their questions?
   * Numbered answers go to their question; a bare one only when exactly one question waits for
   * this person. A question held back by the quota is released by the message, not answered by it.
   */
  offer(conversation: string, fromUserId: string, text: string): Offer {
    const { offer, target, held } = this.#match(conversation, fromUserId, text);
    if (held) for (const w of held) w.delivery = "sent";
    if (offer.kind === "answered" && target) {
      const numbered = parseNumbered(text);
      target.resolve(numbered && numbered.number === target.number ? numbered.answer : text, "answered");
    }
    return offer;
  }

  /** Would `offer` take this message as an answer (or a release)? Changes nothing. */
  wouldTake(conversation: string, fromUserId: string, text: string): boolean {
    const { offer } = this.#match(conversation, fromUserId, text);
    return offer.kind === "answered" || offer.kind === "released";
  }

  #match(
    conversation: string,
    fromUserId: string,
    text: string,
  ): { offer: Offer; target?: Waiter; held?: Waiter[] } {
    const accountId = conversation.split("\u0000", 1)[0] ?? "";
    const mine = this.#forPerson(accountId, fromUserId);
    if (mine.length === 0) return { offer: { kind: "none" } };
    const held = mine.filter((w) => w.delivery === "undelivered" && w.conversation === conversation);
    if (held.length > 0) return { offer: { kind: "released", number: (held[0] as Waiter).number }, held };
    const numbered = parseNumbered(text);
    if (numbered) {
      const target = mine.find((w) => w.number === numbered.number);
      if (target && target.conversation === conversation) {
        return { offer: { kind: "answered", number: target.number }, target };
      }
    }
    const here = mine.filter((w) => w.conversation === conversation);
    if (here.length === 0) return { offer: { kind: "none" } };
    if (mine.length === 1 && !numbered) {
      const only = here[0] as Waiter;
      return { offer: { kind: "answered", number: only.number }, target: only };
    }
    // Several wait, or the number named is none of them: say which, rather than guess. A longer
    // message that names no question is not an answer at all: it goes on as a message.
    if (!numbered && /\s/u.test(text.trim())) return { offer: { kind: "none" } };
    const waiting = mine.map(view);
    return {
      offer: numbered
        ? { kind: "which", waiting, unknownNumber: numbered.number }
        : { kind: "which", waiting },
    };
  }

  /** Questions waiting for a person, oldest first. */
  waitingFor(accountId: string, userId: string): PendingAsk[] {
    return this.#forPerson(accountId, userId).map(view);
  }

  /** Questions asked of someone else (the owner) for turns of this contact in `conversation`. */
  askedForOthers(message: Pick<InboundMessage, "accountId" | "fromUserId" | "groupId">): PendingAsk[] {
    const out: PendingAsk[] = [];
    for (const list of this.#waiters.values()) {
      for (const w of list) {
        if (
          w.accountId === message.accountId &&
          w.forUserId === message.fromUserId &&
          w.userId !== message.fromUserId &&
          w.forGroupId === message.groupId
        )
          out.push(view(w));
      }
    }
    return out.sort((a, b) => a.number - b.number);
  }

  /** Every question still waiting, oldest first. */
  pending(): PendingAsk[] {
    const out: PendingAsk[] = [];
    for (const list of this.#waiters.values()) for (const w of list) out.push(view(w));
    return out.sort((a, b) => a.askedAtMs - b.askedAtMs || a.number - b.number);
  }

  get size(): number {
    let n = 0;
    for (const l of this.#waiters.values()) n += l.length;
    return n;
  }

  #forPerson(accountId: string, userId: string): Waiter[] {
    const out: Waiter[] = [];
    for (const list of this.#waiters.values()) {
      for (const w of list) if (w.accountId === accountId && w.userId === userId) out.push(w);
    }
    return out.sort((a, b) => a.number - b.number);
  }
}

function personKey(accountId: string, userId: string): string {
  return `${accountId}\u0000${userId}`;
}

function view(w: Waiter): PendingAsk {
  const p: PendingAsk = {
    number: w.number,
    accountId: w.accountId,
    userId: w.userId,
    question: w.question,
    askedAtMs: w.askedAtMs,
  };
  if (w.groupId) p.groupId = w.groupId;
  if (w.forUserId !== w.userId) p.forUserId = w.forUserId;
  if (w.delivery === "undelivered") p.undelivered = true;
  return p;
}

/** What to tell a person who answered without saying which of their questions. */
export function whichText(
  waiting: PendingAsk[],
  unknownNumber?: number,
  t: GatewayWords = gatewayWords("en"),
): string {
  const head =
    unknownNumber !== undefined
      ? t.askNoSuch({ number: unknownNumber })
      : t.askWhich({ count: waiting.length });
  const lines = waiting.map((w) => `#${w.number}: ${firstLine(w.question)}`);
  const example = waiting[0] ? t.askWhichExample({ number: waiting[0].number }) : "";
  return [head, ...lines, example].filter(Boolean).join("\n");
}

function firstLine(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
