/**
 * Job step 5, turn: the agent runs, with its `AgentIO`: progress notes (coalesced), files sent
 * from its workspace (if its preset allows), the contact's scheduled jobs, and questions asked in
 * the chat. A question still open when the agent's run settles is withdrawn. Progress notes stay
 * open until the reply step sends the reply.
 */
import { join } from "node:path";
import type { Agent, AgentIO, Contact, ScheduleIO } from "../../agent/types.js";
import type { AsyncStore } from "../../store/async.js";
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import { askInChat } from "../ask-chat.js";
import type { AskRegistry } from "../asks.js";
import type { MediaLimits } from "../media/index.js";
import type { DeliveryPort } from "../ports.js";
import { checkedOutboundPath } from "../reply-media.js";
import type { Step } from "./compose.js";
import type { Answered, TurnFrame, WithInput } from "./context.js";
import type { Notices } from "./notices.js";
import { ProgressNotes } from "./turn-parts.js";

/** Why a turn's `ended` signal fires: the agent's run has settled. */
const TURN_ENDED = new Error("the turn ended");

export interface TurnStepOptions {
  store: Pick<AsyncStore, "accounts">;
  agent: Pick<Agent, "run" | "sendFilePermission">;
  delivery: Pick<DeliveryPort, "progress" | "sendFile" | "sendNotice" | "sendQuestion">;
  /** The open questions (the pending-asks step's). */
  asks: AskRegistry;
  /** Progress notes are coalesced and sent at most this often. */
  progressIntervalMs: number;
  /** Default wait of `AgentIO.ask`. */
  askTimeoutMs: number;
  /** Where long questions are written as files (`<mediaDir>/questions`; none: the OS temp dir). */
  mediaDir: string | undefined;
  /** The contact's workspace: `sendFile` refuses files outside it (none: files go as named). */
  workspaceDirFor: ((contact: Contact) => string) | undefined;
  mediaLimits: Partial<MediaLimits> | undefined;
  /** The contact's scheduled jobs, for the agent's `schedule` tool (none: no scheduler). */
  scheduleFor: ((contact: Contact) => ScheduleIO) | undefined;
  notices: Pick<Notices, "lang">;
  logger: Logger;
}

export class TurnStep {
  readonly #o: TurnStepOptions;

  constructor(options: TurnStepOptions) {
    this.#o = options;
  }

  readonly step: Step<WithInput, Answered> = async (ctx, next) => {
    const { message, turn } = ctx;
    const o = this.#o;
    const progress = new ProgressNotes(o.progressIntervalMs, (t) => o.delivery.progress(message, t));
    // Aborted once the agent's run has settled: a question it left open is withdrawn, and told.
    // Made with the first question only: an abort builds a DOMException with its stack trace,
    // a cost every turn paid before (bench/accounts.ts profile), though few turns ever ask.
    let ended: AbortController | undefined;
    let over = false;
    const endedSignal = (): AbortSignal => {
      if (!ended) {
        ended = new AbortController();
        if (over) ended.abort(TURN_ENDED);
      }
      return ended.signal;
    };
    try {
      const io = this.#ioFor(message, ctx.contact, turn, progress, endedSignal);
      let reply: Answered["reply"];
      try {
        reply = await o.agent.run(ctx.input, io);
      } finally {
        over = true;
        // A shared reason: `abort()` without one builds a DOMException (with a stack) for every turn.
        ended?.abort(TURN_ENDED);
      }
      turn.signal.throwIfAborted();
      await next({ ...ctx, reply, progress });
    } finally {
      progress.close();
    }
  };

  async #sendFile(message: InboundMessage, contact: Contact, path: string, caption?: string): Promise<void> {
    const { workspaceDirFor, mediaLimits, delivery, agent } = this.#o;
    if ((await agent.sendFilePermission?.(contact)) === "deny") {
      throw new Error("sending files is not allowed for this contact");
    }
    if (!workspaceDirFor) return delivery.sendFile(message, path, caption);
    const ws = workspaceDirFor(contact);
    return delivery.sendFile(message, await checkedOutboundPath(path, ws, mediaLimits), caption);
  }

  #ioFor(
    message: InboundMessage,
    contact: Contact,
    turn: TurnFrame,
    progress: ProgressNotes,
    ended: () => AbortSignal,
  ): AgentIO {
    const o = this.#o;
    return {
      progress: (text) => progress.add(text),
      sendFile: (path, caption) => this.#sendFile(message, contact, path, caption),
      ...(o.scheduleFor ? { schedule: o.scheduleFor(contact) } : {}),
      ask: (question, options = {}) =>
        askInChat(question, options, {
          message,
          signal: turn.signal,
          ended: ended(),
          asks: o.asks,
          ...(o.mediaDir ? { fileDir: join(o.mediaDir, "questions") } : {}),
          delivery: o.delivery,
          lang: o.notices.lang(message),
          ownerOf: async (accountId) => (await o.store.accounts.get(accountId))?.ownerUserId,
          defaultTimeoutMs: o.askTimeoutMs,
          onWaiting: (waiting) => turn.setAsking(waiting),
          logger: o.logger,
        }),
    };
  }
}
