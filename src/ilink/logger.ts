/**
 * The SDK's logging port. The SDK loads no logging library: it writes to whatever logger it is
 * given, and to nothing by default. pino's loggers fit as they are (`logger: pino()`), and so does
 * anything with these four methods.
 */

/** Fields first, then the message: the argument order of pino (and bunyan). */
export type ILinkLogFn = (fields: Record<string, unknown>, msg: string) => void;

/** What the SDK logs through: `debug` per request, `warn` for an ignored failure, `error` for one it stops on. */
export interface ILinkLogger {
  debug: ILinkLogFn;
  info: ILinkLogFn;
  warn: ILinkLogFn;
  error: ILinkLogFn;
}

const nothing: ILinkLogFn = () => {};

/** The default: drops every line. */
export const silentLogger: ILinkLogger = Object.freeze({
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
});
