/**
 * `Bot`: the SDK on its own, no store needed. It long-polls getupdates (the server's hint as the
 * next client timeout; 2 s backoff, 30 s after 3 failures in a row), drops bot echoes and
 * redeliveries it has seen, and runs handlers in order per contact, in parallel across contacts.
 * The cursor lives in memory; `onCursor` lets a caller persist it. Delivery is at most once (the
 * cursor moves on when a batch arrives): the gateway adds the durable inbox on top.
 *
 * Middleware (`use`, `on`) runs koa-style for each message: a middleware that does not call
 * `next()` ends the chain for that message, so of two `on("message", h)` handlers only the first
 * runs unless it calls `next()`. An error thrown anywhere in the chain ends it too, and reaches the
 * `catch` handlers as a `BotError` carrying the context.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { sleep } from "../shared/sleep.js";
import { Api } from "./api.js";
import { type FetchLike, ILinkClient } from "./client.js";
import { Composer, type Middleware } from "./composer.js";
import { Context } from "./context.js";
import { isSessionExpiredError } from "./errors.js";
import type { Filter, FilterQuery } from "./filter.js";
import { type ILinkLogger, silentLogger } from "./logger.js";
import { TypingTickets } from "./typing.js";
import { MessageType, type WeixinMessage } from "./wire.js";
import { messageOf, WxError } from "./wx-error.js";

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
  /** Use this client instead of building one from token/baseUrl/fetch. */
  client?: ILinkClient;
  /** Where the bot, its client and typing tickets log (default: nowhere; a pino logger fits). */
  logger?: ILinkLogger;
}

/**
 * A handler for every message (a middleware that ignores `next`).
 *
 * @example
 * import type { MessageHandler } from "wxagent/ilink";
 * const log: MessageHandler = (ctx) => void ctx.from;
 */
export type MessageHandler = (ctx: Context) => unknown;
/**
 * Receives every error a middleware threw, wrapped with its context.
 *
 * @example
 * import type { ErrorHandler } from "wxagent/ilink";
 * const report: ErrorHandler = (err) => console.error(err.code, err.ctx.from, err.error);
 */
export type ErrorHandler = (error: BotError) => unknown;

/** One message's run through the middleware: its contact chain, its place in it, its end. */
interface Task {
  key: string;
  seq: number;
  done: Promise<void>;
}

/**
 * A handler threw. `code` is stable; the message names the sender, never a token.
 *
 * @example
 * import { Bot, BotError } from "wxagent/ilink";
 * new Bot({ token: "bot-token" }).catch((err: BotError) => console.error(err.ctx.from, err.error));
 */
export class BotError extends WxError<"HANDLER_FAILED"> {
  override name = "BotError";
  constructor(
    readonly error: unknown,
    readonly ctx: Context,
  ) {
    super("HANDLER_FAILED", `a message handler failed for ${ctx.from}: ${messageOf(error)}`, {
      cause: error,
    });
  }
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
  readonly #chains = new Map<string, Promise<void>>();
  readonly #tasks = new Set<Task>();
  /** The task whose middleware is running, to tell a call from inside a handler. */
  readonly #current = new AsyncLocalStorage<Task>();
  /** Tasks waiting in `drain()` from inside a handler: a drain does not wait for them. */
  readonly #draining = new Set<Task>();
  #changed = wakeup();
  #seq = 0;
  readonly #seen = new Set<string>();
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
    this.#tickets = new TypingTickets(this.client, { logger: this.#log });
    this.api = new Api(this.client, { tickets: this.#tickets });
  }

  /** Append middleware for every message (koa-style `(ctx, next)`; a `Composer` works too). */
  use(...middleware: Middleware<Context>[]): this {
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
    const signal = this.#abort?.signal ?? new AbortController().signal;
    const ctx = new Context(message, { client: this.client, tickets: this.#tickets, signal });
    const key = message.group_id || message.from_user_id || "";
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const task: Task = { key, seq: this.#seq++, done: Promise.resolve() };
    const run = previous.then(() => this.#current.run(task, () => this.#runMiddleware(ctx)));
    task.done = run;
    this.#chains.set(key, run);
    this.#tasks.add(task);
    void run.finally(() => {
      this.#touch(() => this.#tasks.delete(task));
      if (this.#chains.get(key) === run) this.#chains.delete(key);
    });
    return run;
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
    let failures = 0;
    while (!signal.aborted) {
      try {
        const res = await this.client.getUpdates(this.#cursor, { signal });
        failures = 0;
        const msgs = Array.isArray(res.msgs) ? res.msgs : [];
        if (res.get_updates_buf && res.get_updates_buf !== this.#cursor) {
          this.#cursor = res.get_updates_buf;
          await this.#saveCursor(this.#cursor);
        }
        for (const m of msgs) if (this.#accept(m)) void this.handle(m);
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
        const long = failures >= (this.#o.failuresBeforeLongDelay ?? 3);
        if (long) failures = 0;
        const delayMs = long ? (this.#o.longDelayMs ?? 30_000) : (this.#o.retryDelayMs ?? 2_000);
        this.#log.warn({ code: (err as { code?: unknown }).code, delayMs }, "getupdates failed; backing off");
        await sleep(delayMs, signal).catch(() => {});
      }
    }
  }

  /** User messages only, each once (by id, and by content for a redelivery under a new id). */
  #accept(m: unknown): m is WeixinMessage {
    if (typeof m !== "object" || m === null) return false;
    const msg = m as WeixinMessage;
    if (msg.message_type === MessageType.BOT) return false;
    if (!msg.from_user_id) return false;
    const content = createHash("sha256")
      .update(
        JSON.stringify([msg.from_user_id, msg.group_id ?? "", msg.create_time_ms ?? null, textsOf(msg)]),
      )
      .digest("hex");
    const keys = [msg.message_id ? `id:${msg.message_id}` : undefined, `c:${content}`];
    if (keys.some((k) => k !== undefined && this.#seen.has(k))) return false;
    for (const k of keys) if (k) this.#seen.add(k);
    // Bounded memory: forget the oldest half when it grows large.
    if (this.#seen.size > 20_000) for (const k of [...this.#seen].slice(0, 10_000)) this.#seen.delete(k);
    return true;
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

function textsOf(m: WeixinMessage): unknown[] {
  return (m.item_list ?? []).map((i) => [
    i.type,
    i.text_item?.text,
    i.file_item?.file_name,
    i.voice_item?.text,
  ]);
}
