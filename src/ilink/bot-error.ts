/** What a `Bot`'s handlers are, and the error they raise through `bot.catch`. */
import type { Context } from "./context.js";
import { messageOf, WxError } from "./wx-error.js";

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
