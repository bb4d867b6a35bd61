/**
 * Injected faults (`POST /sim/faults`): for the next N calls of an endpoint, answer an HTTP
 * status or an application `ret`, add latency, or drop the connection. A dropped connection is
 * a destroyed socket when listening, and a network error (`TypeError: fetch failed`) through the
 * in-process fetch; a bare `app.request()` sees a 599 response marked with `x-sim-dropped`.
 */
import type { Context, MiddlewareHandler } from "hono";
import { toJsonText } from "./json.js";
import { emit, type SimState } from "./state.js";

/** Endpoints faults can target; the names of `Endpoint` in wire.ts lowercased, plus the CDN. */
export const FAULT_ENDPOINTS = [
  "get_bot_qrcode",
  "get_qrcode_status",
  "getupdates",
  "sendmessage",
  "getuploadurl",
  "getconfig",
  "sendtyping",
  "notifystart",
  "notifystop",
  "cdn_upload",
  "cdn_download",
] as const;
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number] | "*";

export interface FaultRule {
  id: number;
  endpoint: FaultEndpoint;
  /** calls left to affect */
  remaining: number;
  status?: number;
  ret?: number;
  errmsg?: string;
  latency_ms?: number;
  drop?: boolean;
  /** only calls made with this bot's token (bot endpoints) */
  account_id?: string;
}

/** Header marking a dropped connection on a response that nobody should read. */
export const DROPPED_HEADER = "x-sim-dropped";

const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * Maps an endpoint name or a request path to its fault name: `sendmessage`,
 * `ilink/bot/sendmessage`, `sendMessage`, `/c2c/upload` and `cdn_upload` all work.
 */
export function normalizeEndpoint(name: string): FaultEndpoint | undefined {
  if (name === "*") return "*";
  const s = squash(name);
  for (const e of FAULT_ENDPOINTS) {
    const core = squash(e.replace(/^cdn_/, ""));
    if (e.startsWith("cdn_")) {
      if (s === squash(e) || s === `c2c${core}` || s === core) return e;
    } else if (s === squash(e) || s.endsWith(`ilinkbot${squash(e)}`) || s.endsWith(`ilinkbotmsg${squash(e)}`))
      return e;
  }
  return undefined;
}

/** Parses a fault body; returns an error string for a malformed one. */
export function parseFault(state: SimState, body: Record<string, unknown>): FaultRule | string {
  const endpoint = typeof body.endpoint === "string" ? normalizeEndpoint(body.endpoint) : undefined;
  if (!endpoint) return `endpoint must be one of ${FAULT_ENDPOINTS.join(", ")} or "*"`;
  const rule: FaultRule = { id: state.nextFaultId++, endpoint, remaining: 1 };
  const int = (k: string, min: number): number | undefined | string => {
    const v = body[k];
    if (v === undefined) return undefined;
    return typeof v === "number" && Number.isInteger(v) && v >= min ? v : `${k} must be an integer ≥ ${min}`;
  };
  const count = int("count", 1);
  const status = int("status", 200);
  const latency = int("latency_ms", 0);
  for (const v of [count, status, latency]) if (typeof v === "string") return v;
  if (typeof count === "number") rule.remaining = count;
  if (typeof status === "number") {
    if (status > 599) return "status must be an HTTP status";
    rule.status = status;
  }
  if (typeof latency === "number") rule.latency_ms = latency;
  if (body.ret !== undefined) {
    if (typeof body.ret !== "number" || !Number.isInteger(body.ret)) return "ret must be an integer";
    rule.ret = body.ret;
  }
  if (body.errmsg !== undefined) rule.errmsg = String(body.errmsg);
  if (body.drop !== undefined) rule.drop = body.drop === true;
  if (typeof body.account_id === "string") rule.account_id = body.account_id;
  if (rule.status === undefined && rule.ret === undefined && !rule.drop && rule.latency_ms === undefined)
    return "a fault needs status, ret, drop or latency_ms";
  return rule;
}

/** Takes the first rule matching this call and counts it down. */
function takeFault(
  state: SimState,
  endpoint: FaultEndpoint,
  accountId: string | undefined,
): FaultRule | undefined {
  const rule = state.faults.find(
    (f) =>
      f.remaining > 0 &&
      (f.endpoint === "*" || f.endpoint === endpoint) &&
      (f.account_id === undefined || f.account_id === accountId),
  );
  if (!rule) return undefined;
  rule.remaining--;
  if (rule.remaining === 0) state.faults = state.faults.filter((f) => f !== rule);
  return rule;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Destroys the socket when served by @hono/node-server; marks the response either way. */
function drop(c: Context): Response {
  const env = c.env as { incoming?: { socket?: { destroy(): void } } } | undefined;
  env?.incoming?.socket?.destroy();
  return new Response(null, { status: 599, headers: { [DROPPED_HEADER]: "1" } });
}

/** Middleware applying faults to the iLink and CDN routes. */
export function faultMiddleware(state: SimState): MiddlewareHandler {
  return async (c, next) => {
    const endpoint = normalizeEndpoint(c.req.path);
    if (!endpoint || state.faults.length === 0) return next();
    const bearer = c.req
      .header("Authorization")
      ?.replace(/^Bearer\s+/i, "")
      .trim();
    const accountId = bearer ? state.accountsByToken.get(bearer)?.account_id : undefined;
    const rule = takeFault(state, endpoint, accountId);
    if (!rule) return next();
    emit(state, "fault.triggered", { fault_id: rule.id, endpoint, account_id: accountId ?? null });
    if (rule.latency_ms) await sleep(rule.latency_ms, c.req.raw.signal);
    if (rule.drop) return drop(c);
    if (rule.status !== undefined) {
      const errmsg = rule.errmsg ?? `simulated HTTP ${rule.status}`;
      return c.body(toJsonText({ errmsg }), rule.status as 500, {
        "content-type": "application/json",
        "x-error-message": errmsg,
      });
    }
    if (rule.ret !== undefined) {
      const body = { ret: rule.ret, errcode: rule.ret, errmsg: rule.errmsg ?? "simulated error" };
      return c.body(toJsonText(body), 200, { "content-type": "application/json" });
    }
    return next();
  };
}
