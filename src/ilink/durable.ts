/**
 * The durable inbox, opt-in for `Bot` users: `bot.use(durable({ store }))`. With it a message is
 * recorded in `store` before the poll that acknowledges it and before any handler sees it, and
 * marked done once its middleware chain ended (returned or threw: a throw reaches `bot.catch`, it
 * is not retried). `start()` first replays what was recorded and not done, oldest first, so a
 * crash mid-handler costs a re-run of that handler, never the message. Handlers stay as they are.
 *
 * The SDK defines only the interface; wxagent's SQLite store has an adapter (`storeBotInbox` in
 * the app), and any store with these three calls fits.
 */
import type { MiddlewareFn, MiddlewareObj } from "./composer.js";
import type { Context } from "./context.js";
import type { WeixinMessage } from "./wire.js";

/**
 * A recorded message the handlers have not finished.
 *
 * @example
 * import type { InboxEntry } from "wxagent/ilink";
 * const entry: InboxEntry = { id: "1", message: { from_user_id: "alice@im.wechat" } };
 */
export interface InboxEntry {
  id: string;
  message: WeixinMessage;
}

/**
 * Where `durable()` keeps messages until their handlers ended.
 *
 * @example
 * import type { DurableInbox, InboxEntry } from "wxagent/ilink";
 * const rows = new Map<string, InboxEntry & { done: boolean }>();
 * const inbox: DurableInbox = {
 *   record: (message) => {
 *     const id = String(message.message_id);
 *     if (rows.has(id)) return undefined;
 *     rows.set(id, { id, message, done: false });
 *     return id;
 *   },
 *   markDone: (id) => {
 *     const row = rows.get(id);
 *     if (row) row.done = true;
 *   },
 *   unfinished: () => [...rows.values()].filter((r) => !r.done),
 * };
 */
export interface DurableInbox {
  /**
   * Record a message (durably, before resolving). Returns the id `markDone` takes, or undefined
   * when this message is already recorded (a redelivery: it is not handled again).
   */
  record(message: WeixinMessage): string | undefined | Promise<string | undefined>;
  /** The message's middleware chain ended. */
  markDone(id: string): void | Promise<void>;
  /** Recorded messages not marked done, oldest first. */
  unfinished(): readonly InboxEntry[] | Promise<readonly InboxEntry[]>;
}

/**
 * What `durable()` returns: `bot.use()` takes it as any middleware, and the bot records through
 * its store. As middleware it only passes on; where it sits in the chain does not matter.
 *
 * @example
 * import { Durable, type DurableInbox } from "wxagent/ilink";
 * const isDurable = (m: unknown, store: DurableInbox) => m instanceof Durable && m.store === store;
 */
export class Durable implements MiddlewareObj<Context> {
  constructor(readonly store: DurableInbox) {}

  middleware(): MiddlewareFn<Context> {
    return (_ctx, next) => next();
  }
}

/**
 * Opt into the durable inbox: messages are recorded before handlers run and replayed on restart.
 *
 * @example
 * import { Bot, durable, type DurableInbox } from "wxagent/ilink";
 * declare const store: DurableInbox;
 * const bot = new Bot({ token: "bot-token" });
 * bot.use(durable({ store }));
 * bot.on("message:text", (ctx) => ctx.reply("recorded before this ran"));
 */
export function durable(options: { store: DurableInbox }): Durable {
  return new Durable(options.store);
}
