/**
 * The one error base of wxagent. It lives in the SDK, the lowest layer, so every layer above
 * (store, gateway, agents, ops, admin, MCP, CLI) extends the same class: each error carries a
 * stable upper-case `code` to switch on, an `isRetryable` flag (retry loops read the flag instead
 * of re-deciding from the code), a message that names the fix, and an optional `cause`.
 * `toJSON()` is what crosses a boundary (logs, REST and MCP answers): no stack, no cause.
 */

export interface WxErrorOptions {
  cause?: unknown;
  /** Default false: an error is retryable only when its class or caller says so. */
  isRetryable?: boolean;
}

/** The plain data of an error, as REST and MCP answers carry it. */
export interface WxErrorJSON<Code extends string = string> {
  code: Code;
  message: string;
  retryable: boolean;
}

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

/** Whether `err` is a WxError, optionally with this code. */
export function isWxError<Code extends string = string>(err: unknown, code?: Code): err is WxError<Code> {
  return err instanceof WxError && (code === undefined || err.code === code);
}

/**
 * A readable message for any thrown value: an Error's message, the `message` of an error-like
 * object (JSON-RPC errors are plain objects), else the value as text. No redaction: log lines
 * that may hold a token go through `errText` (util/logger), which redacts this.
 */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err) return String(err.message);
  return String(err);
}
