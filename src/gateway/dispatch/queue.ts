/**
 * Step 5, queue: the end of a message's pipeline. An empty message is refused; a conversation with
 * `maxQueuedPerContact` turns waiting is refused as a flood (told once per flood); anything else
 * waits in its conversation's lane (one job at a time per conversation, `maxTurns` at once) and
 * runs through the job pipeline when its turn comes; a job hands its slot back once the agent has
 * answered (`releaseTurnSlot`), so only agent turns count against `maxTurns`, not sending replies.
 * Scheduled prompts join the lanes here too.
 */
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import type { ScheduledTurn } from "../schedule/scheduler.js";
import { KeyedScheduler } from "../scheduler.js";
import type { Step } from "./compose.js";
import type { Commanded, Job, QueuedJob } from "./context.js";
import type { Notices } from "./notices.js";

export interface QueueStepOptions {
  /** Agent turns running at once across all conversations. */
  maxTurns: number;
  /** Queued turns per conversation; more is refused as a flood, with one notice. */
  maxQueuedPerContact: number;
  /** Runs a job (the job pipeline); it owns its errors. */
  run(job: Job): Promise<void>;
  notices: Pick<Notices, "finish" | "sendQuiet" | "words">;
  logger: Logger;
}

export class QueueStep {
  readonly #o: QueueStepOptions;
  readonly #lanes: KeyedScheduler<QueuedJob>;
  /** Inbound ids queued or running: a re-login replay must not queue a message twice. */
  readonly #known = new Set<number>();
  /** Conversations refused as a flood since their queue last had room: they had their notice. */
  readonly #flooded = new Set<string>();

  constructor(options: QueueStepOptions) {
    this.#o = options;
    this.#lanes = new KeyedScheduler<QueuedJob>(options.maxTurns, (job, _key, release) =>
      this.#runJob({ ...job, releaseTurnSlot: release }),
    );
  }

  readonly step: Step<Commanded, never> = async (ctx) => {
    const { message, key } = ctx;
    if (message.items.length === 0) {
      this.#o.logger.warn({ inboundId: message.id, from: message.fromUserId }, "empty message ignored");
      await this.#o.notices.finish(message, "refused", "empty message");
      return;
    }
    const max = this.#o.maxQueuedPerContact;
    if (this.#lanes.queuedFor(key) >= max) return this.#flood(key, message, max);
    this.#flooded.delete(key);
    const kind = ctx.command === "new" ? "reset" : "turn";
    this.#push({ message, key, kind, agentText: ctx.agentText, scheduled: undefined });
  };

  /** A scheduled prompt's turn, queued like a message's (it passed no other step: it is not a message). */
  pushScheduled(message: InboundMessage, key: string, scheduled: ScheduledTurn): void {
    this.#push({ message, key, kind: "turn", agentText: undefined, scheduled });
  }

  /** The message is queued or running. */
  knows(inboundId: number): boolean {
    return this.#known.has(inboundId);
  }

  queuedFor(key: string): number {
    return this.#lanes.queuedFor(key);
  }

  /** Turns waiting (not running) for an account, or in all. */
  backlog(accountId?: string): number {
    return this.#lanes.backlog(accountId);
  }

  waitForRoom(accountId: string, maxBacklog: number, signal: AbortSignal): Promise<void> {
    return this.#lanes.waitForRoom(accountId, maxBacklog, signal);
  }

  /** Shutdown: start nothing more, drop what waits (it stays unfinished in the store); how many. */
  close(): number {
    this.#lanes.pause();
    const dropped = this.#lanes.clearQueued();
    for (const job of dropped) this.#known.delete(job.message.id);
    return dropped.length;
  }

  /**
   * An account left this gateway (its lease passed to another node): drop its queued turns, which
   * stay unfinished in the store for the next holder (or this gateway again) to replay in order.
   * Turns already running go on. How many were dropped.
   */
  dropAccount(accountId: string): number {
    const dropped = this.#lanes.clearQueued(accountId);
    for (const job of dropped) this.#known.delete(job.message.id);
    return dropped.length;
  }

  /** Resolves when no job runs. */
  whenIdle(): Promise<void> {
    return this.#lanes.whenIdle();
  }

  #push(job: QueuedJob): void {
    this.#known.add(job.message.id);
    this.#lanes.push(job.key, job.message.accountId, job);
  }

  /** Refuse a message of a conversation with `max` turns queued; only its first refusal is told. */
  #flood(key: string, message: InboundMessage, max: number): void {
    const { notices } = this.#o;
    this.#o.logger.warn(
      { from: message.fromUserId, inboundId: message.id, max },
      "contact flooding: message refused",
    );
    // Never rejects (a store failure is logged); the flood answer need not wait for it.
    void notices.finish(message, "refused", `flood: ${max} messages already queued`);
    if (this.#flooded.has(key)) return;
    this.#flooded.add(key);
    void notices.sendQuiet(message, notices.words(message).flood({ max }));
  }

  async #runJob(job: Job): Promise<void> {
    try {
      await this.#o.run(job);
    } finally {
      this.#known.delete(job.message.id);
    }
  }
}
