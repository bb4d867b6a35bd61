/**
 * `Bot`: the SDK on its own, no store needed. It long-polls getupdates (the server's hint as the
 * next client timeout; 2 s backoff, 30 s after 3 failures in a row), drops bot echoes and
 * redeliveries it has seen, and runs handlers in order per contact, in parallel across contacts.
 * The cursor lives in memory; `onCursor` lets a caller persist it. Delivery is at most once (the
 * cursor moves on when a batch arrives): the gateway adds the durable inbox on top.
 *
 * @example
 * const bot = new Bot({ token }).on("message", (ctx) => ctx.reply(`you said: ${ctx.text}`));
 * await bot.start(); // until bot.stop()
 */
import { createHash } from "node:crypto";
import { sleep } from "../shared/sleep.js";
import { type FetchLike, ILinkClient } from "./client.js";
import { Context } from "./context.js";
import { isSessionExpiredError } from "./errors.js";
import { type ILinkLogger, silentLogger } from "./logger.js";
import { TypingTickets } from "./typing.js";
import { MessageType, type WeixinMessage } from "./wire.js";
import { messageOf, WxError } from "./wx-error.js";

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

export type MessageHandler = (ctx: Context) => unknown;
export type ErrorHandler = (error: BotError) => unknown;

/** A handler threw. `code` is stable; the message names the sender, never a token. */
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

export class Bot {
  readonly client: ILinkClient;
  readonly #o: BotOptions;
  readonly #log: ILinkLogger;
  readonly #handlers: MessageHandler[] = [];
  readonly #errorHandlers: ErrorHandler[] = [];
  readonly #chains = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();
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
  }

  on(event: "message", handler: MessageHandler): this;
  on(event: "error", handler: ErrorHandler): this;
  on(event: "message" | "error", handler: MessageHandler | ErrorHandler): this {
    if (event === "message") this.#handlers.push(handler as MessageHandler);
    else this.#errorHandlers.push(handler as ErrorHandler);
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

  /** Abort the long poll in flight, wait for the handlers in flight, then notifystop. */
  async stop(): Promise<void> {
    const abort = this.#abort;
    if (!abort) return;
    abort.abort(new Error("bot stopped"));
    await this.#loop?.catch(() => {});
    await this.#idle();
    try {
      await this.client.notifyStop({ timeoutMs: 10_000 });
    } catch (err) {
      this.#log.warn({ code: (err as { code?: unknown }).code }, "notifystop failed (ignored)");
    }
    this.#abort = undefined;
  }

  /** Hand one message to the handlers (as the poll loop does). Resolves when its handlers ran. */
  handle(message: WeixinMessage): Promise<void> {
    const signal = this.#abort?.signal ?? new AbortController().signal;
    const ctx = new Context(message, { client: this.client, tickets: this.#tickets, signal });
    const key = message.group_id || message.from_user_id || "";
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.#runHandlers(ctx));
    this.#chains.set(key, run);
    this.#inFlight.add(run);
    void run.finally(() => {
      this.#inFlight.delete(run);
      if (this.#chains.get(key) === run) this.#chains.delete(key);
    });
    return run;
  }

  async #runHandlers(ctx: Context): Promise<void> {
    for (const handler of this.#handlers) {
      try {
        await handler(ctx);
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
  }

  async #idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
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
          await this.#idle();
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

function textsOf(m: WeixinMessage): unknown[] {
  return (m.item_list ?? []).map((i) => [
    i.type,
    i.text_item?.text,
    i.file_item?.file_name,
    i.voice_item?.text,
  ]);
}
