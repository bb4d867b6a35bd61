/**
 * Job step 2, frame: everything around one agent turn. A reply recorded before a crash is not
 * produced again; otherwise the turn is registered as running (so `/stop`, `/status` and shutdown
 * see it), gets its abort signal and wall-time limit, shows typing, is marked processing, and its
 * end is recorded however the steps after it end: done, failed, stopped, timed out, interrupted.
 */

import type { AsyncStore } from "../../store/async.js";
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import { errText } from "../../util/logger.js";
import type { DeliveryPort } from "../ports.js";
import type { ScheduledTurn } from "../schedule/scheduler.js";
import type { Step } from "./compose.js";
import type { Framed, Job, TurnFrame } from "./context.js";
import type { Notices } from "./notices.js";
import type { DispatchEvent, TurnOutcome } from "./options.js";
import { type AbortKind, TurnAborted } from "./turn-parts.js";

/** A turn in progress, by conversation key. */
export interface RunningTurn {
  readonly message: InboundMessage;
  readonly abort: AbortController;
  /** Waiting on an `ask`: shutdown aborts it at once, since nobody can answer any more. */
  asking: boolean;
}

/** What other steps may see of the running turns. */
export type RunningTurns = Pick<ReadonlyMap<string, Readonly<RunningTurn>>, "get" | "has">;

export interface FrameStepOptions {
  store: Pick<AsyncStore, "inbound" | "outbound">;
  delivery: Pick<DeliveryPort, "typing">;
  /** Wall-time limit of one turn (none: no limit). */
  turnTimeoutMs: number | undefined;
  onEvent: ((event: DispatchEvent) => void) | undefined;
  notices: Pick<Notices, "finish" | "sendQuiet" | "words">;
  /** Shared accounts: whether this node still holds the account's lease (see DispatchOptions.owns). */
  owns: ((accountId: string) => boolean) | undefined;
  onLeft: ((accountId: string) => void) | undefined;
  logger: Logger;
}

export class FrameStep {
  readonly #o: FrameStepOptions;
  readonly #running = new Map<string, RunningTurn>();

  constructor(options: FrameStepOptions) {
    this.#o = options;
  }

  /** The turns in progress by conversation key. */
  get turns(): RunningTurns {
    return this.#running;
  }

  /** Turns in progress for an account, or in all. */
  count(accountId?: string): number {
    if (accountId === undefined) return this.#running.size;
    let n = 0;
    for (const r of this.#running.values()) if (r.message.accountId === accountId) n += 1;
    return n;
  }

  /** Shutdown: abort the running turns (only those waiting on an `ask`, or all); how many were. */
  abort(which: "asking" | "all"): number {
    let aborted = 0;
    for (const r of this.#running.values()) {
      if (which === "asking" ? r.asking : !r.abort.signal.aborted) {
        r.abort.abort(new TurnAborted("shutdown"));
        aborted += 1;
      }
    }
    return aborted;
  }

  readonly step: Step<Job & { kind: "turn" }, Framed> = async (job, next) => {
    const { store, onEvent } = this.#o;
    const { message, key, scheduled } = job;
    const ids = { accountId: message.accountId, userId: message.fromUserId, inboundId: message.id };
    // A reply recorded before a crash is not produced again: delivery resumes its pending bubbles.
    if (!scheduled && (await store.outbound.forInbound(message.id)).length > 0) {
      await this.#o.notices.finish(message, "done", "reply already recorded before a restart");
      onEvent?.({ type: "turn-end", ...ids, outcome: "skipped" });
      return;
    }
    const abort = new AbortController();
    const running: RunningTurn = { message, abort, asking: false };
    this.#running.set(key, running);
    const { signal } = abort;
    // The wall-time limit aborts the turn's own controller (first reason wins, /stop included) and
    // is cleared when the turn ends, so finished turns leave no timer behind.
    const timeoutMs = this.#o.turnTimeoutMs;
    const limit = timeoutMs
      ? setTimeout(() => abort.abort(new TurnAborted("timeout")), timeoutMs)
      : undefined;
    const typing = this.#o.delivery.typing(message);
    let outcome: TurnOutcome = "done";
    const turn: TurnFrame = {
      signal,
      setAsking: (waiting) => {
        running.asking = waiting;
      },
      // A scheduled turn's end is the scheduler's to record; a message's is the inbound row's.
      finish: async (state, reason, ends = state) => {
        outcome = ends;
        if (scheduled) await scheduled.end(state, reason);
        else await this.#o.notices.finish(message, state, reason);
      },
    };
    onEvent?.({ type: "turn-start", ...ids });
    try {
      if (!scheduled) await store.inbound.setState(message.id, "processing");
      await next({ ...job, turn });
    } catch (err) {
      outcome = await this.#afterFailure(message, signal, err, scheduled);
    } finally {
      clearTimeout(limit);
      void typing.stop().catch(() => {});
      this.#running.delete(key);
      onEvent?.({ type: "turn-end", ...ids, outcome });
    }
  };

  async #afterFailure(
    message: InboundMessage,
    signal: AbortSignal,
    err: unknown,
    scheduled: ScheduledTurn | undefined,
  ): Promise<TurnOutcome> {
    const { notices, logger: log } = this.#o;
    const reason = signal.aborted ? signal.reason : undefined;
    const kind: AbortKind | undefined =
      reason instanceof TurnAborted ? reason.kind : signal.aborted ? "timeout" : undefined;
    if (kind === "shutdown") {
      // Left `processing`: unfinished() hands it to the next start.
      log.info({ inboundId: message.id }, "turn interrupted by shutdown; it will be replayed");
      await scheduled?.end("interrupted");
      return "interrupted";
    }
    if (this.#o.owns && !this.#o.owns(message.accountId)) {
      // The account moved to another node during the turn: that node replays the message (or the
      // firing) and records how it ends; a "failed" written here could stop it from doing so.
      log.info(
        { inboundId: message.id, err: errText(err) },
        "turn ended after the lease was lost: left to the new holder",
      );
      this.#o.onLeft?.(message.accountId);
      await scheduled?.end("interrupted");
      return "interrupted";
    }
    if (kind === "stop") {
      if (scheduled) await scheduled.end("stopped");
      else await notices.finish(message, "done", "stopped by /stop");
      return "stopped";
    }
    const why = kind === "timeout" ? "the answer took too long and was stopped" : "the agent failed";
    log.error({ err: errText(err), inboundId: message.id }, `turn failed: ${why}`);
    const recorded = kind === "timeout" ? "turn timeout" : errText(err).slice(0, 500);
    if (scheduled) {
      await scheduled.end("failed", recorded);
      return "failed";
    }
    const w = notices.words(message);
    await notices.sendQuiet(message, kind === "timeout" ? w.turnTimedOut : w.turnFailed);
    await notices.finish(message, "failed", recorded);
    return "failed";
  }
}
