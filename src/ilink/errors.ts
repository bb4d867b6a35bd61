/**
 * The SDK's errors. Every one carries a stable string `code` to switch on, an `isRetryable` flag
 * derived from that code (retry loops check the flag instead of re-deciding), the `endpoint` it
 * came from, and a message that names the fix. Messages are passed through `redactText` with the
 * secrets the caller knows (bot token, context token), so they never leak a credential.
 */
import { redactText } from "../shared/redact.js";
import { ErrCode } from "./wire.js";
import { messageOf, WxError, type WxErrorJSON } from "./wx-error.js";

/**
 * @example
 * import type { ILinkErrorCode } from "wxagent/ilink";
 * const fatal: ILinkErrorCode[] = ["SESSION_EXPIRED"];
 */
export type ILinkErrorCode =
  /** ret/errcode -14: the bot token is stale or was revoked; a new QR login is the only fix. */
  | "SESSION_EXPIRED"
  /** ret/errcode -2: per-context-token quota spent, burst throttle, or an oversized message. */
  | "THROTTLED"
  /** Any other non-zero ret/errcode in a 200 body. */
  | "API_ERROR"
  /** The body is not the JSON the endpoint promises. */
  | "BAD_RESPONSE"
  /** The client-side timeout of the call elapsed. */
  | "TIMEOUT"
  /** The caller's AbortSignal fired. */
  | "ABORTED"
  /** The request never got an HTTP answer (DNS, refused, reset, TLS). */
  | "NETWORK"
  /** A non-2xx HTTP status; `status` holds the number. */
  | `HTTP_${number}`
  /** getuploadurl gave neither upload_full_url nor upload_param. */
  | "NO_UPLOAD_URL"
  /** The message item has no downloadable media (no full_url, no encrypt_query_param). */
  | "NO_MEDIA"
  /** The AES key is missing or decodes to neither 16 raw bytes nor 32 hex chars. */
  | "BAD_AES_KEY"
  /** Ciphertext is truncated or the key does not match it. */
  | "DECRYPT_FAILED"
  /** A file is over the caller's size limit. */
  | "TOO_LARGE"
  /** The file to upload cannot be read. */
  | "FILE_UNREADABLE"
  /** QR login: the overall deadline passed. */
  | "LOGIN_TIMEOUT"
  /** QR login: three QR codes expired (or wrong pairing codes blocked it). */
  | "QR_EXPIRED"
  /** QR login: the server confirmed without the fields a login needs, or the user gave up. */
  | "LOGIN_FAILED";

/** Endpoint label used in messages: an `Endpoint` path, or `cdn/upload`, `cdn/download`, `qr-login`. */
export type ErrorEndpoint = string;

function retryableCode(code: ILinkErrorCode, status?: number): boolean {
  if (code === "THROTTLED" || code === "TIMEOUT" || code === "NETWORK") return true;
  if (code.startsWith("HTTP_")) return status !== undefined && status >= 500;
  return false;
}

export interface ILinkErrorOptions {
  endpoint?: ErrorEndpoint;
  cause?: unknown;
  /** Secrets to mask in the message (token, context token). */
  secrets?: readonly string[];
  /** Overrides the flag derived from the code (CDN upload: a 201 is retried, §2.9). */
  isRetryable?: boolean;
}

/** `{code, message, retryable}` plus the endpoint and, per subclass, the server's status fields. */
export type ILinkErrorJSON = WxErrorJSON<ILinkErrorCode> & Record<string, unknown>;

/**
 * @example
 * import { ILinkError } from "wxagent/ilink";
 * const retryable = (err: unknown) => err instanceof ILinkError && err.isRetryable;
 */
export class ILinkError extends WxError<ILinkErrorCode> {
  override name = "ILinkError";
  readonly endpoint: ErrorEndpoint | undefined;

  constructor(code: ILinkErrorCode, message: string, options: ILinkErrorOptions = {}) {
    super(code, redactText(message, options.secrets), {
      cause: options.cause,
      isRetryable: options.isRetryable ?? retryableCode(code),
    });
    this.endpoint = options.endpoint;
  }

  /** Plain data for logs and API answers: no stack, no cause (whose text may hold a URL). */
  override toJSON(): ILinkErrorJSON {
    return { ...super.toJSON(), name: this.name, endpoint: this.endpoint };
  }
}

/**
 * The server answered HTTP 200 with ret/errcode ≠ 0.
 *
 * @example
 * import { ILinkApiError } from "wxagent/ilink";
 * const describe = (err: unknown) => (err instanceof ILinkApiError ? `errcode ${err.errcode}` : String(err));
 */
export class ILinkApiError extends ILinkError {
  override name = "ILinkApiError";
  readonly ret: number | undefined;
  readonly errcode: number | undefined;
  readonly errmsg: string | undefined;

  constructor(
    endpoint: ErrorEndpoint,
    status: { ret?: number; errcode?: number; errmsg?: string },
    options: Omit<ILinkErrorOptions, "endpoint"> = {},
  ) {
    const code = apiErrorCode(status);
    super(code, apiErrorMessage(endpoint, code, status), { ...options, endpoint });
    this.ret = status.ret;
    this.errcode = status.errcode;
    // errmsg is server text and may echo what was sent: mask secrets here too.
    this.errmsg = status.errmsg === undefined ? undefined : redactText(status.errmsg, options.secrets);
  }

  override toJSON(): ILinkErrorJSON {
    return { ...super.toJSON(), ret: this.ret, errcode: this.errcode, errmsg: this.errmsg };
  }
}

function apiErrorCode(s: { ret?: number; errcode?: number }): ILinkErrorCode {
  if (s.ret === ErrCode.SESSION_EXPIRED || s.errcode === ErrCode.SESSION_EXPIRED) return "SESSION_EXPIRED";
  if (s.ret === ErrCode.THROTTLED || s.errcode === ErrCode.THROTTLED) return "THROTTLED";
  return "API_ERROR";
}

function apiErrorMessage(
  endpoint: string,
  code: ILinkErrorCode,
  s: { ret?: number; errcode?: number; errmsg?: string },
): string {
  const detail = `ret=${s.ret ?? "-"} errcode=${s.errcode ?? "-"} errmsg=${JSON.stringify(s.errmsg ?? "")}`;
  switch (code) {
    case "SESSION_EXPIRED":
      return `${endpoint}: the bot session expired or its token was revoked (${detail}); log in again (\`loginWithQr()\`) for a new token`;
    case "THROTTLED":
      return `${endpoint}: the server refused the send (${detail}); about 10 bot messages fit per inbound message (per-context-token quota), bursts are throttled and oversized text is refused: wait for the contact's next message or back off`;
    default:
      return `${endpoint}: the server reported an error (${detail})`;
  }
}

/**
 * The request failed below the application layer: network, timeout, abort or a non-2xx status.
 *
 * @example
 * import { ILinkTransportError } from "wxagent/ilink";
 * const status = (err: unknown) => (err instanceof ILinkTransportError ? err.status : undefined);
 */
export class ILinkTransportError extends ILinkError {
  override name = "ILinkTransportError";
  /** HTTP status for `HTTP_<status>` errors. */
  readonly status: number | undefined;

  constructor(code: ILinkErrorCode, message: string, options: ILinkErrorOptions & { status?: number } = {}) {
    super(code, message, {
      ...options,
      isRetryable: options.isRetryable ?? retryableCode(code, options.status),
    });
    this.status = options.status;
  }

  override toJSON(): ILinkErrorJSON {
    return { ...super.toJSON(), status: this.status };
  }
}

/** Non-2xx answer. `bodyText` is cut to 200 chars and redacted. */
export function httpError(
  endpoint: ErrorEndpoint,
  status: number,
  bodyText: string,
  secrets: readonly string[] = [],
): ILinkTransportError {
  const snippet = bodyText.length > 200 ? `${bodyText.slice(0, 200)}…` : bodyText;
  const hint =
    status >= 500
      ? "the server or a gateway in front of it failed; retry later"
      : status === 401 || status === 403
        ? "the token was refused; log in again (`loginWithQr()`) for a new token"
        : "the request was refused";
  return new ILinkTransportError(`HTTP_${status}`, `${endpoint}: HTTP ${status} (${hint}): ${snippet}`, {
    endpoint,
    status,
    secrets,
  });
}

/**
 * How a dropped request failed, for logs (§1.9's classification).
 *
 * @example
 * import type { NetworkKind } from "wxagent/ilink";
 * const kind: NetworkKind = "dns";
 */
export type NetworkKind = "dns" | "tcp" | "tls" | "unknown";

export function networkKind(err: unknown): NetworkKind {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    parts.push(e.message, String((e as { code?: unknown }).code ?? ""));
    e = e.cause;
  }
  const text = parts.join(" ");
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(text)) return "dns";
  if (/ECONNREFUSED|UND_ERR_CONNECT_TIMEOUT|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ECONNRESET/.test(text))
    return "tcp";
  if (/UND_ERR_SOCKET|SSL|TLS|CERT|UNABLE_TO_VERIFY|DEPTH_ZERO/.test(text)) return "tls";
  return "unknown";
}

export function networkError(
  endpoint: ErrorEndpoint,
  cause: unknown,
  secrets: readonly string[] = [],
): ILinkTransportError {
  const kind = networkKind(cause);
  const causeText = messageOf(cause);
  const inner = cause instanceof Error && cause.cause instanceof Error ? ` (${cause.cause.message})` : "";
  return new ILinkTransportError(
    "NETWORK",
    `${endpoint}: network failure [${kind}]: ${causeText}${inner}; check the connection and the base URL`,
    { endpoint, cause, secrets },
  );
}

export function timeoutError(endpoint: ErrorEndpoint, timeoutMs: number): ILinkTransportError {
  return new ILinkTransportError("TIMEOUT", `${endpoint}: no answer within ${timeoutMs} ms`, { endpoint });
}

export function abortedError(endpoint: ErrorEndpoint, reason?: unknown): ILinkTransportError {
  return new ILinkTransportError("ABORTED", `${endpoint}: aborted by the caller`, {
    endpoint,
    cause: reason,
  });
}

/**
 * @example
 * import { isILinkError } from "wxagent/ilink";
 * const throttled = (err: unknown) => isILinkError(err, "THROTTLED");
 */
export function isILinkError(err: unknown, code?: ILinkErrorCode): err is ILinkError {
  return err instanceof ILinkError && (code === undefined || err.code === code);
}

/**
 * @example
 * import { isILinkApiError } from "wxagent/ilink";
 * const errmsg = (err: unknown) => (isILinkApiError(err) ? err.errmsg : undefined);
 */
export function isILinkApiError(err: unknown): err is ILinkApiError {
  return err instanceof ILinkApiError;
}

/**
 * @example
 * import { isILinkTransportError } from "wxagent/ilink";
 * const network = (err: unknown) => isILinkTransportError(err) && err.isRetryable;
 */
export function isILinkTransportError(err: unknown): err is ILinkTransportError {
  return err instanceof ILinkTransportError;
}

/**
 * True when the error is iLink's -14: polling must pause until a new login (`loginWithQr()`).
 *
 * @example
 * import { Bot, isSessionExpiredError } from "wxagent/ilink";
 * await new Bot({ token: "bot-token" }).start().catch((err) => {
 *   if (isSessionExpiredError(err)) console.error("log in again with loginWithQr()");
 * });
 */
export function isSessionExpiredError(err: unknown): boolean {
  return isILinkError(err, "SESSION_EXPIRED");
}
