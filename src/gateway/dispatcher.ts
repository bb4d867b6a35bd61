/**
 * Ordered dispatch: one agent turn at a time per conversation (accountId + group or sender),
 * up to `maxTurns` turns at once across conversations, with backpressure toward the poller.
 * Commands, `ask` answers and bad input are handled here, before a turn is queued. Its parts:
 * turn-runner.ts runs a job, dispatcher-commands.ts answers commands, notices.ts records and tells.
 */
import type { InboundMessage } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import { errText } from "../util/logger.js";
import { type AccessCheck, admit } from "./access-gate.js";
import { AskRegistry, type PendingAsk, whichText } from "./asks.js";
import { commandArg, parseCommand } from "./commands.js";
import { DispatchCommands } from "./dispatcher-commands.js";
import type { DispatchOptions, Job, Running } from "./dispatcher-types.js";
import { conversationKey, firstText } from "./inbound.js";
import { Notices } from "./notices.js";
import type { ScheduledTurn } from "./schedule/scheduler.js";
import { KeyedScheduler } from "./scheduler.js";
import { TurnAborted } from "./turn-parts.js";
import { TurnRunner } from "./turn-runner.js";
import { takeOriginalText } from "./unlock-scrub.js";

export type { AccessCheck, AccessVerdictLike } from "./access-gate.js";
export type { UnlockHook } from "./commands.js";
export type { DispatchEvent, DispatchOptions, TurnOutcome } from "./dispatcher-types.js";
export { TurnAborted } from "./turn-parts.js";

const YES_NO = /^(?:y|yes|n|no|ok|是|好|好的|可以|否|不|不行)(?:\s+#?\d+)?[.!。！]*$/iu;

function looksLikeYesNo(text: string): boolean {
  return YES_NO.test(text.trim());
}

/** How long aborted turns get to end at shutdown before they are left behind. */
const DRAIN_GRACE_MS = 2_000;

export class Dispatcher {
  readonly #o: DispatchOptions;
  readonly #log: Logger;
  readonly #scheduler: KeyedScheduler<Job>;
  readonly #asks = new AskRegistry();
  readonly #running = new Map<string, Running>();
  readonly #notices: Notices;
  readonly #commands: DispatchCommands;
  readonly #runner: TurnRunner;
  /** Inbound ids queued or running: a re-login replay must not queue a message twice. */
  readonly #known = new Set<number>();
  #inboundChain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: DispatchOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#scheduler = new KeyedScheduler<Job>(options.maxTurns ?? 4, (job, key) => this.#runJob(job, key));
    this.#notices = new Notices(options);
    const running = this.#running;
    const notices = this.#notices;
    this.#commands = new DispatchCommands({
      options,
      running,
      queuedFor: (key) => this.#scheduler.queuedFor(key),
      notices,
    });
    this.#runner = new TurnRunner({ options, asks: this.#asks, running, notices });
  }

  /** Route one stored message. `replay`: it came from the store after a restart (no onInbound). */
  submit(message: InboundMessage, options: { replay?: boolean } = {}): void {
    if (this.#closed) return; // stays unfinished in the store; the next start replays it
    if (this.#known.has(message.id)) return;
    const key = conversationKey(message.accountId, message.fromUserId, message.groupId);
    // A scrubbed `/unlock` row: its real text lives in memory only (unlock-scrub.ts).
    let text = takeOriginalText(message) ?? firstText(message.items);
    let agentText: string | undefined;
    if (this.#o.access) {
      // An answer to an open question is not a new request: it does not count against rate limits.
      const answer =
        text !== undefined && !options.replay && this.#asks.wouldTake(key, message.fromUserId, text);
      const verdict = this.#checkAccess(message, text, answer);
      if (verdict === undefined) return;
      if (verdict !== null) {
        agentText = verdict;
        text = verdict;
      }
    }
    if (!options.replay) this.#notifyInbound(message);
    const command = parseCommand(text);
    if (command === "stop") {
      this.#commands.stop(key, message);
      return;
    }
    // Before asks: a passphrase must never be taken as the answer to an agent's question.
    if ((command === "unlock" || command === "lock") && text !== undefined) {
      this.#commands.unlock(message, command, commandArg(text));
      return;
    }
    if (text !== undefined && !options.replay && this.#offerAnswer(key, message, text)) return;
    if (command === "help") {
      this.#commands.help(message);
      return;
    }
    if (command === "status") {
      this.#commands.status(key, message);
      return;
    }
    if (message.items.length === 0) {
      this.#log.warn({ inboundId: message.id, from: message.fromUserId }, "empty message ignored");
      this.#notices.finish(message, "refused", "empty message");
      return;
    }
    const max = this.#o.maxQueuedPerContact ?? 20;
    if (this.#scheduler.queuedFor(key) >= max) {
      this.#notices.flood(key, message, max);
      return;
    }
    this.#notices.floodEnded(key);
    this.#known.add(message.id);
    const job: Job = { message, kind: command === "new" ? "reset" : "turn" };
    if (agentText !== undefined) job.text = agentText;
    this.#scheduler.push(key, message.accountId, job);
  }

  /**
   * A scheduled prompt's agent turn, queued in its conversation like a message (one turn at a time
   * per conversation), without commands, access checks or an outbox release: it is not a message.
   */
  submitScheduled(message: InboundMessage, hooks: ScheduledTurn): void {
    if (this.#closed || this.#known.has(message.id)) return;
    const key = conversationKey(message.accountId, message.fromUserId, message.groupId);
    this.#known.add(message.id);
    this.#scheduler.push(key, message.accountId, { message, kind: "turn", scheduled: hooks });
  }

  /**
   * The message as an answer to one of the sender's open questions: taken (true), or a bare answer
   * while several wait (told which, true), or a yes/no from a contact whose question waits for the
   * owner (told so, true). False: not an answer, it goes on as a message.
   */
  #offerAnswer(key: string, message: InboundMessage, text: string): boolean {
    const offer = this.#asks.offer(key, message.fromUserId, text);
    if (offer.kind === "answered") {
      this.#notices.finish(message, "done", `answer to question #${offer.number}`);
      return true;
    }
    if (offer.kind === "released") {
      this.#notices.notice(message, this.#notices.words(message).askReleased({ number: offer.number }));
      return true;
    }
    if (offer.kind === "which") {
      this.#notices.notice(
        message,
        whichText(offer.waiting, offer.unknownNumber, this.#notices.words(message)),
      );
      return true;
    }
    const forOwner = this.#asks.askedForOthers(message);
    if (forOwner.length > 0 && looksLikeYesNo(text)) {
      const numbers = forOwner.map((a) => `#${a.number}`).join(", ");
      this.#notices.notice(message, this.#notices.words(message).askWaitsForOwner({ numbers }));
      return true;
    }
    return false;
  }

  /** `undefined` when refused (recorded, its reply sent); else the agent's text, or null when unchanged. */
  #checkAccess(
    message: InboundMessage,
    text: string | undefined,
    answer: boolean,
  ): string | undefined | null {
    const outcome = admit(this.#o.access as AccessCheck, message, text, this.#log, answer);
    if (outcome.allowed) return outcome.text;
    this.#notices.finish(message, "refused", outcome.reason);
    if (outcome.reply) void this.#notices.sendQuiet(message, outcome.reply);
    return undefined;
  }

  /** Backpressure for the poller of `accountId`. */
  waitForCapacity(accountId: string, signal: AbortSignal): Promise<void> {
    return this.#scheduler.waitForRoom(accountId, this.#o.maxBacklog ?? 100, signal);
  }

  /** Questions agents asked in the chat that wait for an answer. */
  pendingAsks(): PendingAsk[] {
    return this.#asks.pending();
  }

  /** Turns waiting (not running) for an account, or in all. */
  queueDepth(accountId?: string): number {
    return this.#scheduler.backlog(accountId);
  }

  runningTurns(accountId?: string): number {
    if (accountId === undefined) return this.#running.size;
    let n = 0;
    for (const r of this.#running.values()) if (r.message.accountId === accountId) n += 1;
    return n;
  }

  /**
   * Shutdown: start nothing new (queued turns stay unfinished in the store), abort turns that wait
   * on an `ask` (nobody can answer any more), wait up to `timeoutMs` for the rest, then abort them.
   * Aborted turns are left unfinished for replay. Resolves with how many were aborted.
   */
  async drain(timeoutMs: number): Promise<{ aborted: number; leftQueued: number }> {
    this.#closed = true;
    this.#scheduler.pause();
    const dropped = this.#scheduler.clearQueued();
    for (const job of dropped) this.#known.delete(job.message.id);
    const leftQueued = dropped.length;
    let aborted = 0;
    for (const r of this.#running.values()) {
      if (r.asking) {
        r.abort.abort(new TurnAborted("shutdown"));
        aborted += 1;
      }
    }
    const idle = this.#scheduler.whenIdle();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), timeoutMs);
    });
    const first = await Promise.race([idle.then(() => "idle" as const), deadline]);
    clearTimeout(timer);
    if (first === "late") {
      for (const r of this.#running.values()) {
        if (!r.abort.signal.aborted) {
          r.abort.abort(new TurnAborted("shutdown"));
          aborted += 1;
        }
      }
      // An agent that ignores its signal must not hold shutdown forever: its row stays unfinished.
      let grace: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        idle.then(() => true),
        new Promise<false>((resolve) => {
          grace = setTimeout(() => resolve(false), DRAIN_GRACE_MS);
        }),
      ]);
      clearTimeout(grace);
      if (!ended)
        this.#log.warn({ running: this.#running.size }, "turns ignored their abort signal; left behind");
    }
    await this.#inboundChain;
    return { aborted, leftQueued };
  }

  async #runJob(job: Job, key: string): Promise<void> {
    try {
      await this.#runner.run(job, key);
    } finally {
      this.#known.delete(job.message.id);
    }
  }

  /** onInbound calls run one after another, in arrival order, and never throw. */
  #notifyInbound(message: InboundMessage): void {
    this.#inboundChain = this.#inboundChain.then(() =>
      this.#o.delivery.onInbound(message).catch((err: unknown) => {
        this.#log.error({ err: errText(err), inboundId: message.id }, "delivery.onInbound failed");
      }),
    );
  }
}
