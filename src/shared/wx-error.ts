/**
 * The one error base of wxagent. It lives in shared/, the lowest layer (the SDK re-exports it from
 * `wxagent/ilink`), so every layer (SDK, store, gateway, agents, ops, admin, MCP, CLI) extends the
 * same class: each error carries a
 * stable upper-case `code` to switch on, an `isRetryable` flag (retry loops read the flag instead
 * of re-deciding from the code), a message that names the fix, and an optional `cause`.
 * `toJSON()` is what crosses a boundary (logs, REST and MCP answers): no stack, no cause.
 */

/**
 * What a WxError is made with besides its code and message.
 *
 * @example
 * import { WxError, type WxErrorOptions } from "wxagent/ilink";
 * const options: WxErrorOptions = { isRetryable: true, cause: new Error("socket hang up") };
 * const err = new WxError("UPSTREAM_DOWN", "the model API did not answer; retry", options);
 */
export interface WxErrorOptions {
  cause?: unknown;
  /** Default false: an error is retryable only when its class or caller says so. */
  isRetryable?: boolean;
}

/**
 * The plain data of an error, as REST and MCP answers carry it.
 *
 * @example
 * import { WxError, type WxErrorJSON } from "wxagent/ilink";
 * const body: WxErrorJSON = new WxError("BAD_INPUT", "say who to send to").toJSON();
 * // { code: "BAD_INPUT", message: "say who to send to", retryable: false }
 */
export interface WxErrorJSON<Code extends string = string> {
  code: Code;
  message: string;
  retryable: boolean;
}

/**
 * The base of every wxagent error: a stable `code`, `isRetryable`, an actionable message.
 *
 * @example
 * import { WxError } from "wxagent/ilink";
 * class QuotaError extends WxError<"QUOTA_SPENT"> {}
 * const err = new QuotaError("QUOTA_SPENT", "ten replies sent; wait for the contact to write");
 * if (!err.isRetryable) console.error(err.code, err.message);
 */
export class WxError<Code extends string = string> extends Error {
  override name = "WxError";
  readonly code: Code;
  readonly isRetryable: boolean;

  constructor(code: Code, message: string, options: WxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.isRetryable = options.isRetryable ?? false;
  }

  toJSON(): WxErrorJSON<Code> {
    return { code: this.code, message: this.message, retryable: this.isRetryable };
  }
}

/**
 * Whether `err` is a WxError, optionally with this code.
 *
 * @example
 * import { isWxError } from "wxagent/ilink";
 * const expired = (err: unknown) => isWxError(err, "SESSION_EXPIRED");
 */
export function isWxError<Code extends string = string>(err: unknown, code?: Code): err is WxError<Code> {
  return err instanceof WxError && (code === undefined || err.code === code);
}

/**
 * A readable message for any thrown value: an Error's message, the `message` of an error-like
 * object (JSON-RPC errors are plain objects), else the value as text. No redaction: log lines
 * that may hold a token go through `errText` (util/logger), which redacts this.
 *
 * @example
 * import { messageOf } from "wxagent/ilink";
 * messageOf(new Error("boom")); // "boom"
 * messageOf({ code: -32000, message: "auth required" }); // "auth required"
 */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err) return String(err.message);
  return String(err);
}
