/**
 * Shared answers of the iLink routes. The live server answers HTTP 200 with `ret`/`errcode`/
 * `errmsg` for application errors; both fields carry the code, so clients that read either
 * (getupdates reads both, §1.9) see it.
 */
import type { Context, MiddlewareHandler } from "hono";
import { AUTHORIZATION_TYPE, Header, ILINK_APP_ID } from "../ilink/wire.js";
import { readBounded } from "../shared/bounded-body.js";
import { parseJsonLossless, toJsonText } from "./json.js";
import type { SimAccount, SimState } from "./state.js";

/** Codes the simulator answers with, beside wire.ts's ErrCode. */
export const SimErr = {
  /** malformed request: bad JSON, missing or invalid fields, bad headers */
  BAD_REQUEST: -1,
  THROTTLED: -2,
  NO_TICKET: -4,
  SESSION_EXPIRED: -14,
} as const;

export function sendJson(c: Context, body: unknown, status = 200): Response {
  return c.body(toJsonText(body), status as 200, { "content-type": "application/json" });
}

export function apiError(
  c: Context,
  ret: number,
  errmsg: string,
  extra: Record<string, unknown> = {},
): Response {
  return sendJson(c, { ret, errcode: ret, errmsg, ...extra });
}

/** The largest iLink call body the simulator reads: far above any real one (a bubble is 4,000 characters). */
export const MAX_JSON_BODY_BYTES = 8 * 1024 * 1024;
/**
 * The largest control API body: a user's file comes as base64 in JSON, and the files a contact can
 * send are capped at 100 MiB (as the SDK's download limit), so 100 MiB in base64 and some room.
 */
export const MAX_CONTROL_BODY_BYTES = 140 * 1024 * 1024;

/**
 * Refuses a body past `maxSize` with 413 before any of it is kept. A declared Content-Length is
 * checked alone (Node's parser holds the body to it), so the body is still read on node-server's
 * fast path; only a body without one (chunked) is read here, bounded. (Hono's own bodyLimit opens
 * every request's body as a web stream: it halved the simulator's throughput in bench/round.ts.)
 */
export function jsonBodyLimit(maxSize: number): MiddlewareHandler {
  const tooLarge = (c: Context) =>
    sendJson(
      c,
      { ret: SimErr.BAD_REQUEST, errcode: SimErr.BAD_REQUEST, errmsg: `body larger than ${maxSize} bytes` },
      413,
    );
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const declared = c.req.header("content-length");
    if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number(declared) > maxSize ? tooLarge(c) : next();
    }
    const body = await readBounded(c.req.raw.body, maxSize);
    if (!body) return tooLarge(c);
    c.req.raw = new Request(c.req.raw, { body });
    return next();
  };
}

export type JsonBody = { ok: true; value: Record<string, unknown> } | { ok: false; response: Response };

/** Reads a JSON object body; an empty body counts as `{}` only when `allowEmpty`. */
export async function readJson(c: Context, allowEmpty = false): Promise<JsonBody> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    return { ok: false, response: apiError(c, SimErr.BAD_REQUEST, "unreadable body") };
  }
  if (text.trim() === "" && allowEmpty) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = parseJsonLossless(text);
  } catch {
    return { ok: false, response: apiError(c, SimErr.BAD_REQUEST, "invalid json") };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { ok: false, response: apiError(c, SimErr.BAD_REQUEST, "invalid json: expected an object") };
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * The app headers every iLink call may carry. Tolerated: absent, `iLink-App-Id` "" (clients before
 * 2.4.3) or "bot", `iLink-App-ClientVersion` "0" or any uint32 `0x00MMNNPP` (§1.6).
 */
export function checkAppHeaders(c: Context): Response | undefined {
  const appId = c.req.header(Header.appId);
  if (appId !== undefined && appId !== "" && appId !== ILINK_APP_ID)
    return apiError(c, SimErr.BAD_REQUEST, `invalid ${Header.appId}: expected "${ILINK_APP_ID}"`);
  const version = c.req.header(Header.clientVersion);
  if (version !== undefined && version !== "" && !(/^\d{1,8}$/.test(version) && Number(version) <= 0xffffff))
    return apiError(c, SimErr.BAD_REQUEST, `invalid ${Header.clientVersion}: expected a decimal uint32`);
  return undefined;
}

export type Authed = { ok: true; account: SimAccount } | { ok: false; response: Response };

/** Bot endpoints: `AuthorizationType: ilink_bot_token` and a live `Authorization: Bearer` token. */
export function authenticate(c: Context, state: SimState, extra: Record<string, unknown> = {}): Authed {
  const bad = checkAppHeaders(c);
  if (bad) return { ok: false, response: bad };
  if (c.req.header(Header.authorizationType) !== AUTHORIZATION_TYPE)
    return {
      ok: false,
      response: apiError(
        c,
        SimErr.BAD_REQUEST,
        `invalid ${Header.authorizationType}: expected ${AUTHORIZATION_TYPE}`,
      ),
    };
  const auth = c.req.header(Header.authorization) ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
  const account = match?.[1] ? state.accountsByToken.get(match[1].trim()) : undefined;
  if (account?.token_state !== "live")
    return {
      ok: false,
      response: apiError(c, SimErr.SESSION_EXPIRED, "session timeout", extra),
    };
  account.last_client = {
    app_id: c.req.header(Header.appId) ?? null,
    client_version: c.req.header(Header.clientVersion) ?? null,
  };
  return { ok: true, account };
}

export const isNonEmptyString = (v: unknown): v is string => typeof v === "string" && v !== "";
