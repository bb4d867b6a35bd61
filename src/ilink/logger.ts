/**
 * The SDK's logging port. The SDK loads no logging library: it writes to whatever logger it is
 * given, and to nothing by default. pino's loggers fit as they are (`logger: pino()`), and so does
 * anything with these four methods.
 */

/**
 * Fields first, then the message: the argument order of pino (and bunyan).
 *
 * @example
 * import type { ILinkLogFn } from "wxagent/ilink";
 * const toStderr: ILinkLogFn = (fields, msg) => process.stderr.write(`${msg} ${JSON.stringify(fields)}\n`);
 */
export type ILinkLogFn = (fields: Record<string, unknown>, msg: string) => void;

/**
 * What the SDK logs through: `debug` per request, `warn` for an ignored failure, `error` for one it stops on.
 *
 * @example
 * import { Bot, type ILinkLogger } from "wxagent/ilink";
 * const line = (level: string) => (fields: Record<string, unknown>, msg: string) =>
 *   process.stderr.write(`${level} ${msg} ${JSON.stringify(fields)}\n`);
 * const logger: ILinkLogger = { debug: () => {}, info: line("info"), warn: line("warn"), error: line("error") };
 * new Bot({ token: "bot-token", logger });
 */
export interface ILinkLogger {
  debug: ILinkLogFn;
  info: ILinkLogFn;
  warn: ILinkLogFn;
  error: ILinkLogFn;
}

const nothing: ILinkLogFn = () => {};

/**
 * The default: drops every line.
 *
 * @example
 * import { Bot, silentLogger } from "wxagent/ilink";
 * new Bot({ token: "bot-token", logger: silentLogger }); // the same as no logger
 */
export const silentLogger: ILinkLogger = Object.freeze({
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
});
