/**
 * `Bot`: the SDK on its own, no store needed. It long-polls getupdates (the server's hint as the
 * next client timeout; the shared backoff: 2 s, 30 s after 3 failures in a row), drops bot echoes
 * and redeliveries it has seen (the gateway's dedup keys), and runs handlers in order per contact,
 * in parallel across contacts (`sequentialize`, bounded by `maxConcurrency`). The cursor lives in
 * memory; `onCursor` lets a caller persist it. Delivery is at most once (the cursor moves on when
 * a batch arrives) unless the bot uses `durable({ store })`: then each message is recorded before
 * the cursor moves on and replayed by the next `start()` until its handlers ended.
 *
 * Middleware (`use`, `on`) runs koa-style for each message: a middleware that does not call
 * `next()` ends the chain for that message, so of two `on("message", h)` handlers only the first
 * runs unless it calls `next()`. An error thrown anywhere in the chain ends it too, and reaches the
 * `catch` handlers as a `BotError` carrying the context.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { backoffDelayMs, DEFAULT_BACKOFF } from "../shared/backoff.js";
import { RecentKeys } from "../shared/recent-keys.js";
import { type Sequencer, sequentialize } from "../shared/sequentialize.js";
import { sleep } from "../shared/sleep.js";
import { Api } from "./api.js";
import { BotError, type ErrorHandler } from "./bot-error.js";
import { type FetchLike, ILinkClient } from "./client.js";
import { Composer, type Middleware } from "./composer.js";
import { Context } from "./context.js";
import { contentKey } from "./dedup.js";
import { Durable, type DurableInbox } from "./durable.js";
import { isSessionExpiredError } from "./errors.js";
import type { Filter, FilterQuery } from "./filter.js";
import { type ILinkLogger, silentLogger } from "./logger.js";
import { TypingTickets } from "./typing.js";
import { MessageType, type WeixinMessage } from "./wire.js";

/**
 * How to build a `Bot`: a token (from `loginWithQr()`) and, for tests, a transport.
 *
 * @example
 * import type { BotOptions } from "wxagent/ilink";
 * const options: BotOptions = { token: "bot-token", onCursor: (cursor) => void cursor };
 */
export interface BotOptions {
  token: string;
  baseUrl?: string;
  cdnBaseUrl?: string;
  /** Inject a transport (tests, the simulator's in-process fetch). */
  fetch?: FetchLike;
  /** Resume from a saved cursor (default ""). */
  cursor?: string;
  /** Called with every new non-empty cursor, so the caller can persist it. Errors are logged. */
  onCursor?: (cursor: string) => void | Promise<void>;
  /** Backoff after failed polls (defaults 2 000 / 30 000 / 3). */
  retryDelayMs?: number;
  longDelayMs?: number;
  failuresBeforeLongDelay?: number;
  /** Handlers running at once across contacts (default: no bound); one contact is always one at a time. */
  maxConcurrency?: number;
  /** Use this client instead of building one from token/baseUrl/fetch. */
  client?: ILinkClient;
  /** Where the bot, its client and typing tickets log (default: nowhere; a pino logger fits). */
  logger?: ILinkLogger;
}

export { BotError, type ErrorHandler, type MessageHandler } from "./bot-error.js";

/** One message's run through the middleware: its contact chain, its place in it, its end. */
interface Task {
  key: string;
  seq: number;
  done: Promise<void>;
}

/**
 * The bot: long-poll, middleware, replies.
 *
 * @example
 * import { Bot } from "wxagent/ilink";
 * const bot = new Bot({ token: "bot-token" });
 * bot.on("message:text", (ctx) => ctx.reply(`you said: ${ctx.textItem.text_item.text}`));
 * await bot.start(); // until bot.stop()
 */
export class Bot {
  readonly client: ILinkClient;
  /** Sends, typing and downloads outside a handler (`bot.api.sendText(to, text)`). */
  readonly api: Api;
  readonly #o: BotOptions;
  readonly #log: ILinkLogger;
  readonly #composer = new Composer<Context>();
  readonly #errorHandlers: ErrorHandler[] = [];
  readonly #perContact: Sequencer<WeixinMessage>;
  readonly #tasks = new Set<Task>();
  /** The task whose middleware is running, to tell a call from inside a handler. */
  readonly #current = new AsyncLocalStorage<Task>();
  /** Tasks waiting in `drain()` from inside a handler: a drain does not wait for them. */
  readonly #draining = new Set<Task>();
  #changed = wakeup();
  #seq = 0;
  /** Dedup keys of the messages handed to the middleware (a day, at most 20 000 keys). */
  readonly #seen = new RecentKeys(24 * 3_600_000, 20_000);
  #inbox: DurableInbox | undefined;
  #cursor: string;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #tickets: TypingTickets;

  constructor(options: BotOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.client =
      options.client ??
      new ILinkClient({
        token: options.token,
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        ...(options.cdnBaseUrl ? { cdnBaseUrl: options.cdnBaseUrl } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        logger: this.#log,
      });
    this.#cursor = options.cursor ?? "";
    this.#perContact = sequentialize(contactOf, {
      ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
    });
    this.#tickets = new TypingTickets(this.client, { logger: this.#log });
    this.api = new Api(this.client, { tickets: this.#tickets });
  }

  /**
   * Append middleware for every message (koa-style `(ctx, next)`; a `Composer` works too).
   * `durable({ store })` here makes the bot record every message in `store` before handling it.
   */
  use(...middleware: Middleware<Context>[]): this {
    for (const m of middleware) if (m instanceof Durable) this.#inbox = m.store;
    this.#composer.use(...middleware);
    return this;
  }

  /**
   * Middleware for the messages a filter query matches, `ctx` narrowed to suit
   * (`"message:text"` makes `ctx.textItem` present); `"error"` adds an error handler, as `catch`.
   */
  on(event: "error", handler: ErrorHandler): this;
  on<Q extends FilterQuery>(query: Q | readonly Q[], ...middleware: Middleware<Filter<Context, Q>>[]): this;
  on(query: FilterQuery | readonly FilterQuery[] | "error", ...middleware: unknown[]): this {
    if (query === "error") return this.catch(middleware[0] as ErrorHandler);
    this.#composer.on(query, ...(middleware as Middleware<Context>[]));
    return this;
  }

  /** Handle errors thrown by middleware; without one, they are logged. Handlers run in order. */
  catch(handler: ErrorHandler): this {
    this.#errorHandlers.push(handler);
    return this;
  }

  get cursor(): string {
    return this.#cursor;
  }

  get isRunning(): boolean {
    return this.#loop !== undefined;
  }

  /**
   * notifystart, then poll until `stop()`. Resolves after a stop; rejects with the SDK's
   * SESSION_EXPIRED error on -14 (the only fix is a new QR login), after in-flight handlers end.
   */
  start(): Promise<void> {
    if (this.#loop) return this.#loop;
    const abort = new AbortController();
    this.#abort = abort;
    this.#loop = this.#run(abort.signal).finally(() => {
      this.#loop = undefined;
    });
    return this.#loop;
  }

  /**
   * Stop polling: abort the long poll in flight and wait for the poll loop to end, then `drain()`
   * (bounded by `drainTimeoutMs` when given), then notifystop. Safe to call from a handler: the
   * drain then skips that handler and the messages queued behind it, so `await bot.stop()` there
   * returns once the other handlers ended.
   */
  async stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    const abort = this.#abort;
    if (!abort) return;
    abort.abort(new Error("bot stopped"));
    await this.#loop?.catch(() => {});
    await this.drain(options.drainTimeoutMs === undefined ? {} : { timeoutMs: options.drainTimeoutMs });
    if (this.#abort !== abort) return; // a concurrent stop() got here first and notified
    this.#abort = undefined;
    try {
      await this.client.notifyStop({ timeoutMs: 10_000 });
    } catch (err) {
      this.#log.warn({ code: (err as { code?: unknown }).code }, "notifystop failed (ignored)");
    }
  }

  /**
   * Wait until no message is being handled, or `timeoutMs` passed: true when drained. From inside
   * a handler it does not wait for that handler, nor for the messages queued behind it (same
   * contact), nor for other handlers that are themselves draining.
   */
  async drain(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const self = this.#current.getStore();
    if (self) this.#touch(() => this.#draining.add(self));
    const timeout = new AbortController();
    const timedOut =
      options.timeoutMs === undefined
        ? new Promise<never>(() => {})
        : sleep(options.timeoutMs, timeout.signal).then(
            () => "timeout" as const,
            () => "timeout" as const,
          );
    try {
      for (;;) {
        const waitFor = [...this.#tasks].filter(
          (t) => ![...this.#draining].some((d) => d.key === t.key && t.seq >= d.seq),
        );
        if (waitFor.length === 0) return true;
        const changed = this.#changed.promise;
        if ((await Promise.race([changed, ...waitFor.map((t) => t.done), timedOut])) === "timeout")
          return false;
      }
    } finally {
      timeout.abort();
      if (self) this.#touch(() => this.#draining.delete(self));
    }
  }

  /** Hand one message to the middleware (as the poll loop does). Resolves when its chain ran. */
  handle(message: WeixinMessage): Promise<void> {
    return this.#enqueue(message, undefined);
  }

  /** Queue behind the contact's earlier messages; `inboxId` is marked done once the chain ended. */
  #enqueue(message: WeixinMessage, inboxId: string | undefined): Promise<void> {
    const signal = this.#abort?.signal ?? new AbortController().signal;
    const ctx = new Context(message, { client: this.client, tickets: this.#tickets, signal });
    const task: Task = { key: contactOf(message), seq: this.#seq++, done: Promise.resolve() };
    const run = this.#perContact.run(message, () =>
      this.#current.run(task, async () => {
        await this.#runMiddleware(ctx);
        if (inboxId !== undefined) await this.#markDone(inboxId);
      }),
    );
    task.done = run;
    this.#tasks.add(task);
    void run.finally(() => this.#touch(() => this.#tasks.delete(task)));
    return run;
  }

  async #markDone(id: string): Promise<void> {
    try {
      await this.#inbox?.markDone(id);
    } catch (err) {
      this.#log.error({ err: String(err) }, "durable inbox: markDone failed; the message replays on restart");
    }
  }

  async #runMiddleware(ctx: Context): Promise<void> {
    try {
      await this.#composer.middleware()(ctx, async () => {});
    } catch (error) {
      const botError = new BotError(error, ctx);
      if (this.#errorHandlers.length === 0) this.#log.error({ from: ctx.from }, botError.message);
      for (const h of this.#errorHandlers) {
        try {
          await h(botError);
        } catch (err) {
          this.#log.error({ err: String(err) }, "the error handler threw");
        }
      }
    }
  }

  /** Change the task sets, and wake every `drain()` to look again. */
  #touch(change: () => void): void {
    change();
    this.#changed.resolve();
    this.#changed = wakeup();
  }

  async #run(signal: AbortSignal): Promise<void> {
    try {
      await this.client.notifyStart({ signal, timeoutMs: 10_000 });
    } catch (err) {
      if (signal.aborted) return;
      this.#log.warn({ code: (err as { code?: unknown }).code }, "notifystart failed (ignored)");
    }
    if (this.#inbox) await this.#replay(this.#inbox);
    let failures = 0;
    while (!signal.aborted) {
      try {
        const res = await this.client.getUpdates(this.#cursor, { signal });
        failures = 0;
        await this.#take(Array.isArray(res.msgs) ? res.msgs : []);
        if (res.get_updates_buf && res.get_updates_buf !== this.#cursor) {
          this.#cursor = res.get_updates_buf;
          await this.#saveCursor(this.#cursor);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isSessionExpiredError(err)) {
          this.#log.error(
            {},
            "session expired (-14): log in again (`loginWithQr()`) for a new token; polling stopped",
          );
          await this.drain();
          throw err;
        }
        failures += 1;
        const delayMs = backoffDelayMs(failures, {
          retryDelayMs: this.#o.retryDelayMs ?? DEFAULT_BACKOFF.retryDelayMs,
          longDelayMs: this.#o.longDelayMs ?? DEFAULT_BACKOFF.longDelayMs,
          failuresBeforeLongDelay: this.#o.failuresBeforeLongDelay ?? DEFAULT_BACKOFF.failuresBeforeLongDelay,
        });
        this.#log.warn({ code: (err as { code?: unknown }).code, delayMs }, "getupdates failed; backing off");
        await sleep(delayMs, signal).catch(() => {});
      }
    }
  }

  /**
   * Hand a batch's new user messages to the middleware, each once; with a durable inbox each is
   * recorded first. A failed record throws before the cursor moves on: the batch is polled again.
   */
  async #take(msgs: readonly unknown[]): Promise<void> {
    const now = Date.now();
    const batch = new Set<string>();
    for (const m of msgs) {
      const keys = this.#fresh(m, batch, now);
      if (!keys) continue;
      const id = this.#inbox ? await this.#inbox.record(m as WeixinMessage) : undefined;
      for (const k of keys) this.#seen.add(k, now);
      if (this.#inbox && id === undefined) continue; // recorded before: a redelivery
      void this.#enqueue(m as WeixinMessage, id);
    }
  }

  /** The inbox's unfinished messages, oldest first, before the first poll. */
  async #replay(inbox: DurableInbox): Promise<void> {
    const now = Date.now();
    const entries = await inbox.unfinished();
    if (entries.length > 0) this.#log.info({ count: entries.length }, "durable inbox: replaying unfinished");
    for (const { id, message } of entries) {
      for (const k of dedupKeys(message)) this.#seen.add(k, now);
      void this.#enqueue(message, id);
    }
  }

  /** The dedup keys of a user message not seen before (nor earlier in `batch`), else undefined. */
  #fresh(m: unknown, batch: Set<string>, nowMs: number): string[] | undefined {
    if (typeof m !== "object" || m === null) return undefined;
    const msg = m as WeixinMessage;
    if (msg.message_type === MessageType.BOT) return undefined;
    if (!msg.from_user_id) return undefined;
    const keys = dedupKeys(msg);
    if (keys.some((k) => batch.has(k) || this.#seen.has(k, nowMs))) return undefined;
    for (const k of keys) batch.add(k);
    return keys;
  }

  async #saveCursor(cursor: string): Promise<void> {
    try {
      await this.#o.onCursor?.(cursor);
    } catch (err) {
      this.#log.warn({ err: String(err) }, "onCursor failed; the cursor stays in memory");
    }
  }
}

/** A promise and its resolve (Promise.withResolvers is Node 22+). */
function wakeup(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Messages of one contact (or group) are handled one at a time, in order. */
function contactOf(m: WeixinMessage): string {
  return m.group_id || m.from_user_id || "";
}

/** By id, and by content for a redelivery under a new id (the gateway's keys). */
function dedupKeys(m: WeixinMessage): string[] {
  return m.message_id ? [`id:${m.message_id}`, contentKey(m)] : [contentKey(m)];
}
