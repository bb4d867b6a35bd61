/**
 * Ordered dispatch as two pipelines of steps, each step with its own options and state.
 *
 * A message: access → announce → commands (`/stop`, `/unlock`, `/lock`) → pending asks →
 * commands (`/help`, `/status`) → queue. The queue keeps one job at a time per conversation
 * (accountId + group or sender), up to `maxTurns` at once, with backpressure toward the poller,
 * and runs each job through: reset (`/new`) → frame → input → media → turn → reply.
 * A scheduled prompt joins at the queue. `Dispatcher` wires the steps and answers for them.
 */
import type { InboundMessage } from "../../store/types.js";
import { errText } from "../../util/logger.js";
import type { AskRegistry, PendingAsk } from "../asks.js";
import { conversationKey, firstText } from "../inbound.js";
import type { ScheduledTurn } from "../schedule/scheduler.js";
import { takeOriginalText } from "../unlock-scrub.js";
import { accessStep } from "./access.js";
import { AnnounceStep } from "./announce.js";
import { CommandsStep } from "./commands.js";
import { Pipeline, type Step } from "./compose.js";
import type { Answered, Arrival, Job } from "./context.js";
import { FrameStep } from "./frame.js";
import { inputStep } from "./input.js";
import { mediaStep } from "./media.js";
import { Notices } from "./notices.js";
import type { DispatchOptions } from "./options.js";
import { PendingAsksStep } from "./pending-asks.js";
import { QueueStep } from "./queue.js";
import { replyStep } from "./reply.js";
import { resetStep } from "./reset.js";
import { TurnStep } from "./turn.js";

export type { UnlockHook } from "../commands.js";
export type { AccessCheck, AccessVerdictLike } from "./access.js";
export { type Next, Pipeline, type Step } from "./compose.js";
export type { DispatchEvent, DispatchOptions, TurnOutcome } from "./options.js";
export { TurnAborted } from "./turn-parts.js";

/** How long aborted turns get to end at shutdown before they are left behind. */
const DRAIN_GRACE_MS = 2_000;

export class Dispatcher {
  readonly #o: DispatchOptions;
  readonly #announce: AnnounceStep;
  readonly #asks: PendingAsksStep;
  readonly #queue: QueueStep;
  readonly #frame: FrameStep;
  readonly #message: Pipeline<Arrival, never>;
  #closed = false;

  constructor(o: DispatchOptions) {
    this.#o = o;
    const { store, agent, delivery, logger } = o;
    const notices = new Notices({ store, delivery, languageFor: o.languageFor, logger });
    this.#asks = new PendingAsksStep({ notices });
    this.#frame = new FrameStep({
      store,
      delivery,
      turnTimeoutMs: o.turnTimeoutMs,
      onEvent: o.onEvent,
      notices,
      owns: o.owns,
      onLeft: o.onLeft,
      logger,
    });
    const job = jobPipeline(o, notices, this.#frame, this.#asks.asks);
    this.#queue = new QueueStep({
      maxTurns: o.maxTurns ?? 4,
      maxQueuedPerContact: o.maxQueuedPerContact ?? 20,
      run: (j) => job.run(j),
      notices,
      logger,
    });
    const commands = new CommandsStep({
      store,
      agent,
      delivery,
      unlock: o.unlock,
      sendQuota: o.sendQuota ?? 10,
      turns: this.#frame.turns,
      queuedFor: (key) => this.#queue.queuedFor(key),
      notices,
      logger,
    });
    this.#announce = new AnnounceStep({ delivery, logger });
    const asks = this.#asks.asks;
    this.#message = Pipeline.of<Arrival>()
      .use(accessStep({ access: o.access, isAnswer: (k, u, t) => asks.wouldTake(k, u, t), notices, logger }))
      .use(this.#announce.step)
      // Before asks: a passphrase must never be taken as the answer to an agent's question.
      .use(commands.step)
      .use(this.#asks.step)
      .use(commands.infoStep)
      .use(this.#queue.step);
  }

  /** Route one stored message. `replay`: it came from the store after a restart (no onInbound). */
  submit(message: InboundMessage, options: { replay?: boolean } = {}): void {
    if (this.#closed) return; // stays unfinished in the store; the next start replays it
    if (this.#queue.knows(message.id)) return;
    const key = conversationKey(message.accountId, message.fromUserId, message.groupId);
    // A scrubbed `/unlock` row: its real text lives in memory only (unlock-scrub.ts).
    const text = takeOriginalText(message) ?? firstText(message.items);
    // The steps up to the queue await the store (the access check, a command's reads); a
    // conversation's messages still reach the queue in arrival order, because the access checks of
    // an account answer in call order and the steps after them take the same path for each.
    this.#message.run({ message, key, replay: options.replay === true, text }).catch((err: unknown) => {
      this.#o.logger.error({ err: errText(err), inboundId: message.id }, "dispatching a message failed");
    });
  }

  /**
   * A scheduled prompt's agent turn, queued in its conversation like a message (one turn at a time
   * per conversation), without commands, access checks or an outbox release: it is not a message.
   */
  submitScheduled(message: InboundMessage, hooks: ScheduledTurn): void {
    if (this.#closed || this.#queue.knows(message.id)) return;
    const key = conversationKey(message.accountId, message.fromUserId, message.groupId);
    this.#queue.pushScheduled(message, key, hooks);
  }

  /** Backpressure for the poller of `accountId`. */
  waitForCapacity(accountId: string, signal: AbortSignal): Promise<void> {
    return this.#queue.waitForRoom(accountId, this.#o.maxBacklog ?? 100, signal);
  }

  /** Questions agents asked in the chat that wait for an answer. */
  pendingAsks(): PendingAsk[] {
    return this.#asks.asks.pending();
  }

  /** Turns waiting (not running) for an account, or in all. */
  queueDepth(accountId?: string): number {
    return this.#queue.backlog(accountId);
  }

  runningTurns(accountId?: string): number {
    return this.#frame.count(accountId);
  }

  /**
   * Shutdown: start nothing new (queued turns stay unfinished in the store), abort turns that wait
   * on an `ask` (nobody can answer any more), wait up to `timeoutMs` for the rest, then abort them.
   * Aborted turns are left unfinished for replay. Resolves with how many were aborted.
   */
  /** See QueueStep.dropAccount: the account's queued turns go back to the store. */
  dropAccount(accountId: string): number {
    return this.#queue.dropAccount(accountId);
  }

  async drain(timeoutMs: number): Promise<{ aborted: number; leftQueued: number }> {
    this.#closed = true;
    const leftQueued = this.#queue.close();
    let aborted = this.#frame.abort("asking");
    const idle = this.#queue.whenIdle();
    if ((await within(idle, timeoutMs)) === "late") {
      aborted += this.#frame.abort("all");
      // An agent that ignores its signal must not hold shutdown forever: its row stays unfinished.
      if ((await within(idle, DRAIN_GRACE_MS)) === "late")
        this.#o.logger.warn(
          { running: this.#frame.count() },
          "turns ignored their abort signal; left behind",
        );
    }
    await this.#announce.settled();
    return { aborted, leftQueued };
  }
}

/** A queued job's steps: reset → frame → input → media → turn → reply. */
function jobPipeline(
  o: DispatchOptions,
  notices: Notices,
  frame: FrameStep,
  asks: AskRegistry,
): Pipeline<Job, never> {
  const { store, agent, delivery, logger } = o;
  const files = { workspaceDirFor: o.workspaceDirFor, mediaLimits: o.mediaLimits };
  const turn = new TurnStep({
    ...files,
    store,
    agent,
    delivery,
    asks,
    progressIntervalMs: o.progressIntervalMs ?? 15_000,
    askTimeoutMs: o.askTimeoutMs ?? 120_000,
    mediaDir: o.mediaDir,
    scheduleFor: o.scheduleFor,
    notices,
    logger,
  });
  const maxTextChars = o.maxTextChars ?? 16_000;
  const bubbles = { maxReplyBubbles: o.maxReplyBubbles, chunkChars: o.chunkChars };
  return Pipeline.of<Job>()
    .use(resetStep({ store, agent, delivery, notices, logger }))
    .use(frame.step)
    .use(inputStep({ store, maxTextChars, mediaDir: o.mediaDir, notices, logger }))
    .use(mediaStep({ resolveMedia: o.resolveMedia }))
    .use(turn.step)
    .use(releaseTurnSlot)
    .use(replyStep({ ...files, ...bubbles, agent, delivery, notices, onLeft: o.onLeft, logger }));
}

/** Between turn and reply: the agent has answered, so its `maxTurns` slot is free for another turn. */
const releaseTurnSlot: Step<Answered> = (ctx, next) => {
  ctx.releaseTurnSlot();
  return next(ctx);
};

/** `done` resolved within `ms` ("settled"), or not ("late"); the timer is cleared either way. */
async function within(done: Promise<void>, ms: number): Promise<"settled" | "late"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
  });
  try {
    return await Promise.race([done.then(() => "settled" as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
