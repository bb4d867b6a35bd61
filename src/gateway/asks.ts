/**
 * Routing for `AgentIO.ask`: while a turn waits for an answer, the next message from the person
 * asked (in the same conversation) is consumed as the answer instead of starting a new turn.
 */
import type { AskOptions } from "../agent/types.js";
import type { InboundMessage } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import { conversationKey } from "./inbound.js";
import type { DeliveryPort } from "./ports.js";

interface Waiter {
  userId: string;
  accountId: string;
  groupId: string | undefined;
  question: string;
  askedAtMs: number;
  resolve: (answer: string | undefined) => void;
}

/** A question an agent asked in the chat, still waiting for its answer (shown in the admin UI). */
export interface PendingAsk {
  accountId: string;
  userId: string;
  groupId?: string;
  question: string;
  askedAtMs: number;
}

export class AskRegistry {
  readonly #waiters = new Map<string, Waiter[]>();

  /**
   * Wait for `userId`'s next message in conversation (`accountId`, `userId`, `groupId`).
   * `undefined` after `timeoutMs` or when `signal` aborts.
   */
  wait(
    where: { accountId: string; userId: string; groupId?: string | undefined },
    timeoutMs: number,
    signal: AbortSignal,
    question = "",
  ): Promise<string | undefined> {
    const key = conversationKey(where.accountId, where.userId, where.groupId);
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve(undefined);
        return;
      }
      const finish = (answer: string | undefined) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        const list = this.#waiters.get(key);
        const i = list?.indexOf(waiter) ?? -1;
        if (list && i >= 0) list.splice(i, 1);
        if (list?.length === 0) this.#waiters.delete(key);
        resolve(answer);
      };
      const waiter: Waiter = {
        userId: where.userId,
        accountId: where.accountId,
        groupId: where.groupId,
        question,
        askedAtMs: Date.now(),
        resolve: finish,
      };
      const onAbort = () => finish(undefined);
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
      const list = this.#waiters.get(key) ?? [];
      list.push(waiter);
      this.#waiters.set(key, list);
    });
  }

  /** If someone waits for this sender in this conversation, hand them `text` and return true. */
  offer(conversation: string, fromUserId: string, text: string): boolean {
    const waiter = this.#waiters.get(conversation)?.find((w) => w.userId === fromUserId);
    if (!waiter) return false;
    waiter.resolve(text);
    return true;
  }

  /** Every question still waiting, oldest first. */
  pending(): PendingAsk[] {
    const out: PendingAsk[] = [];
    for (const list of this.#waiters.values()) {
      for (const w of list) {
        out.push({
          accountId: w.accountId,
          userId: w.userId,
          ...(w.groupId ? { groupId: w.groupId } : {}),
          question: w.question,
          askedAtMs: w.askedAtMs,
        });
      }
    }
    return out.sort((a, b) => a.askedAtMs - b.askedAtMs);
  }

  get size(): number {
    let n = 0;
    for (const l of this.#waiters.values()) n += l.length;
    return n;
  }
}

export interface AskContext {
  /** The message whose turn asks. */
  message: InboundMessage;
  /** The turn's signal: an abort (/stop, shutdown) ends the wait with `undefined`. */
  signal: AbortSignal;
  asks: AskRegistry;
  delivery: Pick<DeliveryPort, "sendNotice">;
  ownerOf(accountId: string): string | undefined;
  defaultTimeoutMs: number;
  /** The turn is waiting for an answer (true) or not any more (false). */
  onWaiting(waiting: boolean): void;
  logger: Logger;
}

/** `AgentIO.ask`: send the question to the contact (or the owner), then wait for their next message. */
export async function askInChat(
  question: string,
  options: AskOptions,
  c: AskContext,
): Promise<string | undefined> {
  const { message } = c;
  let userId = message.fromUserId;
  let groupId = message.groupId;
  if (options.to === "owner") {
    const owner = c.ownerOf(message.accountId);
    if (!owner) {
      c.logger.warn({ accountId: message.accountId }, "ask to owner: the account has no owner recorded");
      return undefined;
    }
    userId = owner;
    groupId = undefined;
  }
  await c.delivery.sendNotice(
    message,
    question,
    userId === message.fromUserId ? undefined : { toUserId: userId },
  );
  c.onWaiting(true);
  try {
    const where = { accountId: message.accountId, userId, groupId };
    return await c.asks.wait(where, options.timeoutMs ?? c.defaultTimeoutMs, c.signal, question);
  } finally {
    c.onWaiting(false);
  }
}
