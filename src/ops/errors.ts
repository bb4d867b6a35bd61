/**
 * Errors that cross a boundary: every operation failure reaches an MCP client as a tool error and
 * a REST client as `{error: {code, message, retryable}}` (`errorBody`). Each carries a stable `code`, an `isRetryable` flag
 * derived from it, and one sentence that says what is wrong and what fixes it. Never a secret.
 */

import { isWxError, WxError, type WxErrorJSON } from "../shared/wx-error.js";
import { errText } from "../util/logger.js";

export type OpsErrorCode =
  /** No such account in the store (or no account at all). */
  | "UNKNOWN_ACCOUNT"
  /** The contact never wrote to this account. */
  | "UNKNOWN_CONTACT"
  /** The contact is known but no context token is stored (e.g. after a re-login). */
  | "NO_CONTEXT_TOKEN"
  /** The account's session expired (-14): a new QR login is needed. */
  | "ACCOUNT_EXPIRED"
  /** The per-context-token send quota is spent: the message waits in the outbox. */
  | "QUOTA_SPENT"
  /** Several accounts could send to this contact: name one. */
  | "AMBIGUOUS_ACCOUNT"
  /** A message, media item, file or login id does not exist. */
  | "NOT_FOUND"
  /** The input does not fit the operation. */
  | "BAD_INPUT"
  /** The server refused or the network failed. */
  | "SEND_FAILED"
  /** A QR login could not start or failed. */
  | "LOGIN_FAILED"
  /** A bug or an unexpected failure. */
  | "INTERNAL";

// QUOTA_SPENT is not retryable: the message is already queued, and a retry would queue it twice.
const RETRYABLE: ReadonlySet<OpsErrorCode> = new Set<OpsErrorCode>(["SEND_FAILED"]);

/** HTTP status of each code, for the REST API. */
export const HTTP_STATUS: Record<OpsErrorCode, 400 | 404 | 409 | 429 | 500 | 502> = {
  UNKNOWN_ACCOUNT: 404,
  UNKNOWN_CONTACT: 404,
  NOT_FOUND: 404,
  NO_CONTEXT_TOKEN: 409,
  ACCOUNT_EXPIRED: 409,
  QUOTA_SPENT: 429,
  AMBIGUOUS_ACCOUNT: 400,
  BAD_INPUT: 400,
  SEND_FAILED: 502,
  LOGIN_FAILED: 502,
  INTERNAL: 500,
};

/**
 * How a surface names operations and their input fields. Messages say `{{op:list_contacts}}` and
 * `{{field:account}}` (see `opRef`, `fieldRef`) because each surface calls them otherwise: the MCP
 * tool `list_contacts`, the REST route `GET /api/contacts`, the command `wxagent contacts`.
 */
export interface Names {
  op(name: string): string;
  field(name: string): string;
}

/** The MCP server's names (the tools and their arguments): what `OpsError.message` says. */
export const MCP_NAMES: Names = { op: (name) => name, field: (name) => `\`${name}\`` };

export const opRef = (name: string): string => `{{op:${name}}}`;
export const fieldRef = (name: string): string => `{{field:${name}}}`;

export function renderMessage(template: string, names: Names): string {
  return template.replace(/\{\{(op|field):([a-z_]+)\}\}/g, (_, kind: string, name: string) =>
    kind === "op" ? names.op(name) : names.field(name),
  );
}

export class OpsError extends WxError<OpsErrorCode> {
  override readonly name = "OpsError";
  /** The message with its `{{op:…}}`/`{{field:…}}` markers, for `messageFor`. */
  readonly template: string;

  /** `isRetryable` defaults to what the code implies; INTERNAL takes it from the error it wraps. */
  constructor(code: OpsErrorCode, message: string, options?: { cause?: unknown; isRetryable?: boolean }) {
    super(code, renderMessage(message, MCP_NAMES), {
      cause: options?.cause,
      isRetryable: options?.isRetryable ?? RETRYABLE.has(code),
    });
    this.template = message;
  }

  /** The message in the words of a surface (the REST routes, the CLI's commands). */
  messageFor(names: Names): string {
    return renderMessage(this.template, names);
  }
}

/**
 * The body of an error answer, the same on every surface (REST, the MCP tools' structured
 * content): `{error: {code, message, retryable}}`. `retryable` says whether the same call may
 * succeed later; a script checks it instead of keeping a list of codes.
 */
export function errorBody(code: string, message: string, retryable = false): { error: WxErrorJSON } {
  return { error: { code, message, retryable } };
}

export function isOpsError(err: unknown, code?: OpsErrorCode): err is OpsError {
  return err instanceof OpsError && (code === undefined || err.code === code);
}

/**
 * Any failure as an OpsError: ours pass through; an SDK -14 becomes ACCOUNT_EXPIRED; the rest is
 * INTERNAL with a redacted message (a foreign error may carry a token in its text), retryable
 * when the wrapped WxError is (a busy database, a network failure).
 */
export function toOpsError(err: unknown): OpsError {
  if (err instanceof OpsError) return err;
  const code = (err as { code?: unknown } | null | undefined)?.code;
  const text = errText(err);
  // The SDK's messages name its own call (`loginWithQr()`); here the way back in is wxagent's.
  const relogin = "; in wxagent: run `wxagent login` (or call login_start)";
  if (code === "SESSION_EXPIRED") return new OpsError("ACCOUNT_EXPIRED", `${text}${relogin}`, { cause: err });
  if (code === "ACCOUNT_LOCKED" || code === "BAD_SCHEDULE")
    return new OpsError("BAD_INPUT", text, { cause: err });
  const hint = code === "HTTP_401" || code === "HTTP_403" ? relogin : "";
  return new OpsError("INTERNAL", `unexpected failure: ${text}${hint}`, {
    cause: err,
    isRetryable: isWxError(err) && err.isRetryable,
  });
}
