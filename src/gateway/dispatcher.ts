/**
 * Ordered dispatch: one agent turn at a time per conversation (accountId + group or sender),
 * up to `maxTurns` turns at once across conversations, with backpressure toward the poller.
 * Commands, `ask` answers and bad input are handled here, before a turn is queued.
 */
import type { Agent, AgentInput, AgentIO, AgentReply, Contact } from "../agent/types.js";
import { MessageItemType } from "../ilink/wire.js";
import type { InboundMessage, Store } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import { type AccessCheck, admit } from "./access-gate.js";
import { AskRegistry, askInChat, type PendingAsk } from "./asks.js";
import {
  commandArg,
  HELP_TEXT,
  parseCommand,
  statusText,
  type UnlockHook,
  unlockAnswer,
} from "./commands.js";
import { conversationKey, describeContent, firstText, withFirstText } from "./inbound.js";
import type { MediaLimits } from "./media/index.js";
import { errText } from "./poller.js";
import type { DeliveryPort } from "./ports.js";
import { checkedOutboundPath, prepareReplyMedia } from "./reply-media.js";
import { KeyedScheduler } from "./scheduler.js";
import { type AbortKind, ProgressNotes, TurnAborted, timeoutSignal } from "./turn-parts.js";

export type { AccessCheck, AccessVerdictLike } from "./access-gate.js";
export type { UnlockHook } from "./commands.js";
export { TurnAborted } from "./turn-parts.js";

export interface DispatchOptions {
  store: Store;
  agent: Agent;
  delivery: DeliveryPort;
  /** Agent turns running at once across all conversations (default 4). */
  maxTurns?: number;
  /** Queued turns per account above which the poller waits before its next long poll (default 100). */
  maxBacklog?: number;
  /** Queued turns per conversation; more is refused as a flood, with one notice (default 20). */
  maxQueuedPerContact?: number;
  /** Longer texts reach the agent cut, with a note (default 16 000). */
  maxTextChars?: number;
  /** Wall-time limit of one turn (default none). */
  turnTimeoutMs?: number;
  /** Default wait of `AgentIO.ask` (default 120 000). */
  askTimeoutMs?: number;
  /** Bot messages per inbound message (context-token quota, default 10), for `/status`. */
  sendQuota?: number;
  /** Progress notes are coalesced and sent at most this often (default 15 000). */
  progressIntervalMs?: number;
  /** Who may talk to the bot (`policy/createAccessPolicy`); checked before anything else. */
  access?: AccessCheck;
  /** Fill in `path` of inbound media (download); optional. */
  resolveMedia?: (message: InboundMessage, input: AgentInput) => Promise<void>;
  /**
   * The contact's workspace. When given, replies go through `prepareOutboundReply` (`<<FILE:>>`
   * tags and files checked against the workspace, long replies as a `.md`) and `AgentIO.sendFile`
   * refuses files outside it. Not given (tests, other platforms): replies go out as the agent wrote them.
   */
  workspaceDirFor?: (contact: Contact) => string;
  /** Size limits of outbound files (default `DEFAULT_MEDIA_LIMITS`). */
  mediaLimits?: Partial<MediaLimits>;
  /** A reply needing more bubbles than this goes as a summary plus a `.md` file (default 6). */
  maxReplyBubbles?: number;
  /** Bubble size used to count a reply's bubbles (default 2000, delivery's). */
  chunkChars?: number;
  /** `/unlock <passphrase>` and `/lock`; without it both answer that unlocking is not enabled. */
  unlock?: UnlockHook;
  onEvent?: (event: DispatchEvent) => void;
  logger: Logger;
}

export type TurnOutcome = "done" | "failed" | "stopped" | "interrupted" | "skipped";

export type DispatchEvent =
  | { type: "turn-start"; accountId: string; userId: string; inboundId: number }
  | { type: "turn-end"; accountId: string; userId: string; inboundId: number; outcome: TurnOutcome };

/** How long aborted turns get to end at shutdown before they are left behind. */
const DRAIN_GRACE_MS = 2_000;

interface Job {
  message: InboundMessage;
  kind: "turn" | "reset";
  /** The text for the agent when the access policy rewrote it (a group mention removed). */
  text?: string;
}

interface Running {
  message: InboundMessage;
  abort: AbortController;
  asking: boolean;
}

export class Dispatcher {
  readonly #o: DispatchOptions;
  readonly #log: Logger;
  readonly #scheduler: KeyedScheduler<Job>;
  readonly #asks = new AskRegistry();
  readonly #running = new Map<string, Running>();
  readonly #flooded = new Set<string>();
  /** Inbound ids queued or running: a re-login replay must not queue a message twice. */
  readonly #known = new Set<number>();
  #inboundChain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: DispatchOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#scheduler = new KeyedScheduler<Job>(options.maxTurns ?? 4, (job, key) => this.#runJob(job, key));
  }

  /** Route one stored message. `replay`: it came from the store after a restart (no onInbound). */
  submit(message: InboundMessage, options: { replay?: boolean } = {}): void {
    if (this.#closed) return; // stays unfinished in the store; the next start replays it
    if (this.#known.has(message.id)) return;
    const key = conversationKey(message.accountId, message.fromUserId, message.groupId);
    let text = firstText(message.items);
    let agentText: string | undefined;
    if (this.#o.access) {
      const verdict = this.#checkAccess(message, text);
      if (verdict === undefined) return;
      if (verdict !== null) {
        agentText = verdict;
        text = verdict;
      }
    }
    if (!options.replay) this.#notifyInbound(message);
    const command = parseCommand(text);
    if (command === "stop") {
      this.#stop(key, message);
      return;
    }
    // Before asks: a passphrase must never be taken as the answer to an agent's question.
    if ((command === "unlock" || command === "lock") && text !== undefined) {
      this.#unlockCommand(message, command, commandArg(text));
      return;
    }
    if (text !== undefined && !options.replay && this.#asks.offer(key, message.fromUserId, text)) {
      this.#finish(message, "done", "answer to a question");
      return;
    }
    if (command === "help" || command === "status") {
      this.#notice(message, command === "help" ? HELP_TEXT : this.#statusFor(key, message), "done");
      return;
    }
    if (message.items.length === 0) {
      this.#log.warn({ inboundId: message.id, from: message.fromUserId }, "empty message ignored");
      this.#finish(message, "refused", "empty message");
      return;
    }
    const max = this.#o.maxQueuedPerContact ?? 20;
    if (this.#scheduler.queuedFor(key) >= max) {
      this.#flood(key, message, max);
      return;
    }
    this.#flooded.delete(key);
    this.#known.add(message.id);
    const job: Job = { message, kind: command === "new" ? "reset" : "turn" };
    if (agentText !== undefined) job.text = agentText;
    this.#scheduler.push(key, message.accountId, job);
  }

  /** `undefined` when refused (recorded, its reply sent); else the agent's text, or null when unchanged. */
  #checkAccess(message: InboundMessage, text: string | undefined): string | undefined | null {
    const outcome = admit(this.#o.access as AccessCheck, message, text, this.#log);
    if (outcome.allowed) return outcome.text;
    this.#finish(message, "refused", outcome.reason);
    if (outcome.reply) void this.#sendNoticeQuiet(message, outcome.reply);
    return undefined;
  }

  /** Backpressure for the poller of `accountId`. */
  waitForCapacity(accountId: string, signal: AbortSignal): Promise<void> {
    return this.#scheduler.waitForRoom(accountId, this.#o.maxBacklog ?? 100, signal);
  }

  /** Turns waiting (not running) for an account, or in all. */
  /** Questions agents asked in the chat that wait for an answer. */
  pendingAsks(): PendingAsk[] {
    return this.#asks.pending();
  }

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
      await this.#runJobInner(job, key);
    } finally {
      this.#known.delete(job.message.id);
    }
  }

  async #runJobInner(job: Job, key: string): Promise<void> {
    const { message } = job;
    if (job.kind === "reset") {
      try {
        await this.#o.agent.reset?.(this.#contactOf(message));
        await this.#o.delivery.sendNotice(message, "Started a new conversation.");
        this.#finish(message, "done", "/new");
      } catch (err) {
        this.#log.error({ err: errText(err), inboundId: message.id }, "/new failed");
        this.#finish(message, "failed", `/new failed: ${errText(err)}`);
      }
      return;
    }
    await this.#runTurn(message, key, job.text);
  }

  async #runTurn(message: InboundMessage, key: string, agentText: string | undefined): Promise<void> {
    const { store, agent, delivery } = this.#o;
    const ids = { accountId: message.accountId, userId: message.fromUserId, inboundId: message.id };
    // A reply recorded before a crash is not produced again: delivery resumes its pending bubbles.
    if (store.outbound.forInbound(message.id).length > 0) {
      this.#finish(message, "done", "reply already recorded before a restart");
      this.#o.onEvent?.({ type: "turn-end", ...ids, outcome: "skipped" });
      return;
    }
    const abort = new AbortController();
    const running: Running = { message, abort, asking: false };
    this.#running.set(key, running);
    const signal = this.#o.turnTimeoutMs
      ? AbortSignal.any([abort.signal, timeoutSignal(this.#o.turnTimeoutMs)])
      : abort.signal;
    const source = agentText === undefined ? message : withFirstText(message, agentText);
    const content = describeContent(source, this.#o.maxTextChars ?? 16_000);
    if (content.unknownTypes.length > 0 || content.truncatedChars > 0) {
      this.#log.warn(
        { inboundId: message.id, unknownTypes: content.unknownTypes, truncatedChars: content.truncatedChars },
        "inbound message has unsupported items or was cut",
      );
    }
    const input: AgentInput = {
      contact: this.#contactOf(message),
      messageId: String(message.id),
      text: content.text,
      media: content.media,
      signal,
    };
    if (content.quote) input.quote = content.quote;
    const progress = new ProgressNotes(this.#o.progressIntervalMs ?? 15_000, (t) =>
      delivery.progress(message, t),
    );
    const typing = delivery.typing(message);
    const io = this.#ioFor(message, running, signal, progress);
    let outcome: TurnOutcome = "done";
    let stage: "agent" | "delivery" = "agent";
    this.#o.onEvent?.({ type: "turn-start", ...ids });
    try {
      store.inbound.setState(message.id, "processing");
      await this.#o.resolveMedia?.(message, input);
      const raw = await agent.run(input, io);
      signal.throwIfAborted();
      const reply = await this.#prepareReply(message, input.contact, raw);
      progress.close();
      stage = "delivery";
      await delivery.deliverReply(message, reply);
      this.#finish(message, "done");
    } catch (err) {
      progress.close();
      if (stage === "delivery") {
        // The reply could not even be recorded: a notice would fail the same way.
        this.#log.error({ err: errText(err), inboundId: message.id }, "delivering the reply failed");
        this.#finish(message, "failed", `delivery failed: ${errText(err).slice(0, 300)}`);
        outcome = "failed";
      } else {
        outcome = await this.#afterFailure(message, signal, err);
      }
    } finally {
      progress.close();
      void typing.stop().catch(() => {});
      this.#running.delete(key);
      this.#o.onEvent?.({ type: "turn-end", ...ids, outcome });
    }
  }

  async #afterFailure(message: InboundMessage, signal: AbortSignal, err: unknown): Promise<TurnOutcome> {
    const reason = signal.aborted ? signal.reason : undefined;
    const kind: AbortKind | undefined =
      reason instanceof TurnAborted ? reason.kind : signal.aborted ? "timeout" : undefined;
    if (kind === "shutdown") {
      // Left `processing`: unfinished() hands it to the next start.
      this.#log.info({ inboundId: message.id }, "turn interrupted by shutdown; it will be replayed");
      return "interrupted";
    }
    if (kind === "stop") {
      this.#finish(message, "done", "stopped by /stop");
      return "stopped";
    }
    const why = kind === "timeout" ? "the answer took too long and was stopped" : "the agent failed";
    this.#log.error({ err: errText(err), inboundId: message.id }, `turn failed: ${why}`);
    await this.#sendNoticeQuiet(message, `Sorry, ${why}. Please try again, or send /new to start over.`);
    this.#finish(message, "failed", kind === "timeout" ? "turn timeout" : errText(err).slice(0, 500));
    return "failed";
  }

  /** Files named by the reply checked against the contact's workspace; a long text becomes a `.md`. */
  #prepareReply(message: InboundMessage, contact: Contact, reply: AgentReply): Promise<AgentReply> {
    const o = this.#o;
    if (!o.workspaceDirFor) return Promise.resolve(reply);
    const options = {
      workspaceDir: o.workspaceDirFor(contact),
      limits: o.mediaLimits,
      maxBubbles: o.maxReplyBubbles,
      chunkChars: o.chunkChars,
    };
    return prepareReplyMedia(reply, options, (err) =>
      this.#log.error({ err: errText(err), inboundId: message.id }, "preparing the reply's files failed"),
    );
  }

  async #sendFile(message: InboundMessage, path: string, caption: string | undefined): Promise<void> {
    const { workspaceDirFor, mediaLimits, delivery } = this.#o;
    if (!workspaceDirFor) return delivery.sendFile(message, path, caption);
    const ws = workspaceDirFor(this.#contactOf(message));
    return delivery.sendFile(message, await checkedOutboundPath(path, ws, mediaLimits), caption);
  }

  #ioFor(message: InboundMessage, running: Running, signal: AbortSignal, progress: ProgressNotes): AgentIO {
    return {
      progress: (text) => progress.add(text),
      sendFile: (path, caption) => this.#sendFile(message, path, caption),
      ask: (question, options = {}) =>
        askInChat(question, options, {
          message,
          signal,
          asks: this.#asks,
          delivery: this.#o.delivery,
          ownerOf: (accountId) => this.#o.store.accounts.get(accountId)?.ownerUserId,
          defaultTimeoutMs: this.#o.askTimeoutMs ?? 120_000,
          onWaiting: (waiting) => {
            running.asking = waiting;
          },
          logger: this.#log,
        }),
    };
  }

  /** `/unlock …` and `/lock`. The argument (a passphrase) is never logged, stored as a reason or echoed. */
  #unlockCommand(message: InboundMessage, command: "unlock" | "lock", arg: string): void {
    const contact = this.#contactOf(message);
    if (command === "unlock" && arg.trim()) {
      // The passphrase must not stay in the history, the admin UI or a backup of the database.
      try {
        this.#o.store.inbound.replaceItems(message.id, [
          { type: MessageItemType.TEXT, text_item: { text: "/unlock [redacted]" } },
        ]);
      } catch (err) {
        this.#log.error(
          { err: errText(err), inboundId: message.id },
          "could not scrub the /unlock passphrase",
        );
      }
    }
    void unlockAnswer(this.#o.unlock, command, contact, arg)
      .catch((err: unknown) => {
        this.#log.error({ err: errText(err), inboundId: message.id }, `/${command} failed`);
        return `Sorry, /${command} failed. Please try again later.`;
      })
      .then((text) => {
        this.#log.info({ inboundId: message.id, from: message.fromUserId }, `/${command} answered`);
        this.#notice(message, text, "done");
      });
  }

  #stop(key: string, message: InboundMessage): void {
    const running = this.#running.get(key);
    if (running && !running.abort.signal.aborted) {
      running.abort.abort(new TurnAborted("stop"));
      this.#notice(message, "Stopped.", "done");
    } else {
      this.#notice(message, "Nothing is running for you right now.", "done");
    }
  }

  #flood(key: string, message: InboundMessage, max: number): void {
    this.#log.warn(
      { from: message.fromUserId, inboundId: message.id, max },
      "contact flooding: message refused",
    );
    this.#o.store.inbound.setState(message.id, "refused", `flood: ${max} messages already queued`);
    if (this.#flooded.has(key)) return;
    this.#flooded.add(key);
    void this.#sendNoticeQuiet(
      message,
      `You have ${max} messages waiting already; I skipped the newest. Please wait for my answers.`,
    );
  }

  #statusFor(key: string, message: InboundMessage): string {
    const quota = this.#o.sendQuota ?? 10;
    const token = this.#o.store.contextTokens.get(message.accountId, message.fromUserId);
    return statusText({
      running: this.#running.has(key),
      queued: this.#scheduler.queuedFor(key),
      sendsLeft: token ? Math.max(0, quota - token.sendCount) : undefined,
      sendQuota: quota,
      deferred: this.#o.store.outbound.deferred(message.accountId, message.fromUserId).length,
    });
  }

  #notice(message: InboundMessage, text: string, state: "done"): void {
    void this.#sendNoticeQuiet(message, text).then(() => this.#finish(message, state));
  }

  async #sendNoticeQuiet(message: InboundMessage, text: string): Promise<void> {
    try {
      await this.#o.delivery.sendNotice(message, text);
    } catch (err) {
      this.#log.error({ err: errText(err), inboundId: message.id }, "could not send a gateway notice");
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

  #finish(message: InboundMessage, state: "done" | "failed" | "refused", reason?: string): void {
    try {
      this.#o.store.inbound.setState(message.id, state, reason);
    } catch (err) {
      this.#log.error({ err: errText(err), inboundId: message.id }, "could not record the message state");
    }
  }

  #contactOf(message: InboundMessage): Contact {
    const owner = this.#o.store.accounts.get(message.accountId)?.ownerUserId;
    const contact: Contact = {
      accountId: message.accountId,
      userId: message.fromUserId,
      isOwner: owner !== undefined && owner === message.fromUserId,
    };
    if (message.groupId) contact.groupId = message.groupId;
    return contact;
  }
}
