/**
 * Running one job the scheduler hands out: a `/new` reset, or an agent turn (its input, its
 * `AgentIO` with progress notes, files and `ask`, the reply prepared and delivered) and how a
 * failure, a `/stop`, a timeout or a shutdown ends it.
 */

import { join } from "node:path";
import type { AgentInput, AgentIO, AgentReply, Contact, QuotedMessage } from "../agent/types.js";
import type { Lang } from "../shared/i18n.js";
import type { InboundMessage, Store } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import { errText } from "../util/logger.js";
import { askInChat } from "./ask-chat.js";
import type { AskRegistry } from "./asks.js";
import type { DispatchOptions, Job, Running, TurnOutcome } from "./dispatcher-types.js";
import { describeContent, withFirstText } from "./inbound.js";
import type { Notices } from "./notices.js";
import { restoreQuote } from "./quotes.js";
import { checkedOutboundPath, prepareReplyMedia } from "./reply-media.js";
import type { ScheduledTurn } from "./schedule/scheduler.js";
import { type AbortKind, ProgressNotes, TurnAborted } from "./turn-parts.js";

/** Why a turn's `ended` signal fires: the agent's run has settled. */
const TURN_ENDED = new Error("the turn ended");

export interface TurnRunnerDeps {
  options: DispatchOptions;
  asks: AskRegistry;
  /** Turns in progress by conversation key, owned by the dispatcher: a turn adds and removes its own. */
  running: Map<string, Running>;
  notices: Notices;
}

export class TurnRunner {
  readonly #o: DispatchOptions;
  readonly #log: Logger;
  readonly #asks: AskRegistry;
  readonly #running: Map<string, Running>;
  readonly #notices: Notices;

  constructor(deps: TurnRunnerDeps) {
    this.#o = deps.options;
    this.#log = deps.options.logger;
    this.#asks = deps.asks;
    this.#running = deps.running;
    this.#notices = deps.notices;
  }

  /** Who wrote `message`, with the account's language. */
  #contact(message: InboundMessage): Contact {
    return contactOf(this.#o.store, message, this.#notices.lang(message));
  }

  /** Newer WeChat clients quote by id only: the quoted message comes from the store (never throws). */
  #storedQuote(message: InboundMessage): QuotedMessage | undefined {
    try {
      return restoreQuote(this.#o.store, message, this.#o.mediaDir ? { mediaDir: this.#o.mediaDir } : {});
    } catch (err) {
      this.#log.warn({ err: errText(err), inboundId: message.id }, "could not restore the quoted message");
      return undefined;
    }
  }

  async run(job: Job, key: string): Promise<void> {
    const { message } = job;
    if (job.kind === "reset") {
      try {
        await this.#o.agent.reset?.(this.#contact(message));
        await this.#o.delivery.sendNotice(message, this.#notices.words(message).newConversation);
        this.#notices.finish(message, "done", "/new");
      } catch (err) {
        this.#log.error({ err: errText(err), inboundId: message.id }, "/new failed");
        this.#notices.finish(message, "failed", `/new failed: ${errText(err)}`);
      }
      return;
    }
    await this.#runTurn(message, key, job.text, job.scheduled);
  }

  async #runTurn(
    message: InboundMessage,
    key: string,
    agentText: string | undefined,
    scheduled: ScheduledTurn | undefined,
  ): Promise<void> {
    const { store, agent, delivery } = this.#o;
    const ids = { accountId: message.accountId, userId: message.fromUserId, inboundId: message.id };
    // A reply recorded before a crash is not produced again: delivery resumes its pending bubbles.
    if (!scheduled && store.outbound.forInbound(message.id).length > 0) {
      this.#notices.finish(message, "done", "reply already recorded before a restart");
      this.#o.onEvent?.({ type: "turn-end", ...ids, outcome: "skipped" });
      return;
    }
    const abort = new AbortController();
    const running: Running = { message, abort, asking: false };
    this.#running.set(key, running);
    const { signal } = abort;
    // The wall-time limit aborts the turn's own controller (first reason wins, /stop included) and
    // is cleared when the turn ends, so finished turns leave no timer behind.
    const limit = this.#o.turnTimeoutMs
      ? setTimeout(() => abort.abort(new TurnAborted("timeout")), this.#o.turnTimeoutMs)
      : undefined;
    const source = agentText === undefined ? message : withFirstText(message, agentText);
    const content = describeContent(source, this.#o.maxTextChars ?? 16_000);
    if (content.unknownTypes.length > 0 || content.truncatedChars > 0) {
      this.#log.warn(
        { inboundId: message.id, unknownTypes: content.unknownTypes, truncatedChars: content.truncatedChars },
        "inbound message has unsupported items or was cut",
      );
    }
    const input: AgentInput = {
      contact: this.#contact(message),
      messageId: String(message.id),
      text: content.text,
      media: content.media,
      signal,
    };
    const quote = content.quote ?? this.#storedQuote(message);
    if (quote) input.quote = quote;
    const progress = new ProgressNotes(this.#o.progressIntervalMs ?? 15_000, (t) =>
      delivery.progress(message, t),
    );
    const typing = delivery.typing(message);
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
    const io = this.#ioFor(message, running, signal, progress, endedSignal);
    // A scheduled turn's end is the scheduler's to record; a message's is the inbound row's.
    const finish = (state: "done" | "failed", reason?: string, outcome?: TurnOutcome) =>
      scheduled
        ? scheduled.end(outcome ?? (state === "done" ? "done" : "failed"), reason)
        : this.#notices.finish(message, state, reason);
    let outcome: TurnOutcome = "done";
    let stage: "agent" | "delivery" = "agent";
    this.#o.onEvent?.({ type: "turn-start", ...ids });
    try {
      if (!scheduled) store.inbound.setState(message.id, "processing");
      if ((await this.#o.resolveMedia?.(message, input)) === "answered") {
        // The notice was the answer: nothing usable reached us, so the agent has nothing to say.
        finish("done", "media unusable: the contact was told");
        outcome = "skipped";
        return;
      }
      let raw: AgentReply;
      try {
        raw = await agent.run(input, io);
      } finally {
        over = true;
        // A shared reason: `abort()` without one builds a DOMException (with a stack) for every turn.
        ended?.abort(TURN_ENDED);
      }
      signal.throwIfAborted();
      const reply = await this.#prepareReply(message, input.contact, raw);
      progress.close();
      stage = "delivery";
      if (scheduled) await scheduled.deliver(reply);
      else {
        await delivery.deliverReply(message, reply);
        this.#notices.finish(message, "done");
      }
    } catch (err) {
      progress.close();
      if (stage === "delivery") {
        // The reply could not even be recorded: a notice would fail the same way.
        this.#log.error({ err: errText(err), inboundId: message.id }, "delivering the reply failed");
        finish("failed", `delivery failed: ${errText(err).slice(0, 300)}`);
        outcome = "failed";
      } else {
        outcome = await this.#afterFailure(message, signal, err, scheduled);
      }
    } finally {
      clearTimeout(limit);
      progress.close();
      void typing.stop().catch(() => {});
      this.#running.delete(key);
      this.#o.onEvent?.({ type: "turn-end", ...ids, outcome });
    }
  }

  async #afterFailure(
    message: InboundMessage,
    signal: AbortSignal,
    err: unknown,
    scheduled?: ScheduledTurn,
  ): Promise<TurnOutcome> {
    const reason = signal.aborted ? signal.reason : undefined;
    const kind: AbortKind | undefined =
      reason instanceof TurnAborted ? reason.kind : signal.aborted ? "timeout" : undefined;
    if (kind === "shutdown") {
      // Left `processing`: unfinished() hands it to the next start.
      this.#log.info({ inboundId: message.id }, "turn interrupted by shutdown; it will be replayed");
      scheduled?.end("interrupted");
      return "interrupted";
    }
    if (kind === "stop") {
      if (scheduled) scheduled.end("stopped");
      else this.#notices.finish(message, "done", "stopped by /stop");
      return "stopped";
    }
    const why = kind === "timeout" ? "the answer took too long and was stopped" : "the agent failed";
    this.#log.error({ err: errText(err), inboundId: message.id }, `turn failed: ${why}`);
    if (scheduled) {
      scheduled.end("failed", kind === "timeout" ? "turn timeout" : errText(err).slice(0, 500));
      return "failed";
    }
    const w = this.#notices.words(message);
    await this.#notices.sendQuiet(message, kind === "timeout" ? w.turnTimedOut : w.turnFailed);
    this.#notices.finish(message, "failed", kind === "timeout" ? "turn timeout" : errText(err).slice(0, 500));
    return "failed";
  }

  /** Files named by the reply checked against the contact's workspace; a long text becomes a `.md`. */
  #prepareReply(message: InboundMessage, contact: Contact, reply: AgentReply): Promise<AgentReply> {
    const o = this.#o;
    if (!o.workspaceDirFor) return Promise.resolve(reply);
    const options = {
      workspaceDir: o.workspaceDirFor(contact),
      // `<<FILE:…>>` obeys the preset: only a contact allowed send_file gets files with a reply.
      allowFiles: (o.agent.sendFilePermission?.(contact) ?? "allow") === "allow",
      limits: o.mediaLimits,
      maxBubbles: o.maxReplyBubbles,
      chunkChars: o.chunkChars,
      lang: this.#notices.lang(message),
    };
    return prepareReplyMedia(reply, options, (err) =>
      this.#log.error({ err: errText(err), inboundId: message.id }, "preparing the reply's files failed"),
    );
  }

  async #sendFile(message: InboundMessage, path: string, caption: string | undefined): Promise<void> {
    const { workspaceDirFor, mediaLimits, delivery, agent } = this.#o;
    if (agent.sendFilePermission?.(this.#contact(message)) === "deny") {
      throw new Error("sending files is not allowed for this contact");
    }
    if (!workspaceDirFor) return delivery.sendFile(message, path, caption);
    const ws = workspaceDirFor(this.#contact(message));
    return delivery.sendFile(message, await checkedOutboundPath(path, ws, mediaLimits), caption);
  }

  #ioFor(
    message: InboundMessage,
    running: Running,
    signal: AbortSignal,
    progress: ProgressNotes,
    ended: () => AbortSignal,
  ): AgentIO {
    return {
      progress: (text) => progress.add(text),
      sendFile: (path, caption) => this.#sendFile(message, path, caption),
      ...(this.#o.scheduleFor ? { schedule: this.#o.scheduleFor(contactOf(this.#o.store, message)) } : {}),
      ask: (question, options = {}) =>
        askInChat(question, options, {
          message,
          signal,
          ended: ended(),
          asks: this.#asks,
          ...(this.#o.mediaDir ? { fileDir: join(this.#o.mediaDir, "questions") } : {}),
          delivery: this.#o.delivery,
          lang: this.#notices.lang(message),
          ownerOf: (accountId) => this.#o.store.accounts.get(accountId)?.ownerUserId,
          defaultTimeoutMs: this.#o.askTimeoutMs ?? 120_000,
          onWaiting: (waiting) => {
            running.asking = waiting;
          },
          logger: this.#log,
        }),
    };
  }
}

/**
 * The agent's view of who wrote `message` (the account's owner is recorded in the store), with
 * the account's language when known.
 */
export function contactOf(store: Store, message: InboundMessage, language?: Lang): Contact {
  const owner = store.accounts.get(message.accountId)?.ownerUserId;
  const contact: Contact = {
    accountId: message.accountId,
    userId: message.fromUserId,
    isOwner: owner !== undefined && owner === message.fromUserId,
  };
  if (message.groupId) contact.groupId = message.groupId;
  if (language) contact.language = language;
  return contact;
}
