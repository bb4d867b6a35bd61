/**
 * One HTTP exchange with the iLink server, mapped onto typed errors: the client-side timeout
 * aborts a derived AbortController (so the socket is released, never abandoned), an abort of the
 * caller's signal is ABORTED, a dropped request is NETWORK, a non-2xx is HTTP_<status>, and a
 * body that is not a JSON object is BAD_RESPONSE.
 */
import type { Logger } from "../util/logger.js";
import { abortedError, httpError, ILinkError, networkError, timeoutError } from "./errors.js";
import type { Exchange, ExchangeResponse } from "./exchange.js";
import { parseJsonLosslessIds } from "./json-ids.js";

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** `lossless` keeps uint64 ids exact (getupdates, sendmessage: §1.10); `plain` is JSON.parse. */
export type ParseMode = "lossless" | "plain";

export interface RequestSpec {
  /** Label for errors and logs (an `Endpoint` path). */
  endpoint: string;
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** undefined or 0: no client-side timeout. */
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
}

export interface RequestContext {
  /** Masked in error text. */
  secrets: readonly string[];
  logger: Logger;
}

/**
 * Abort callbacks per caller signal. Many requests in flight often share one signal (a gateway's
 * shutdown signal); Node's EventTarget scans its listener list on every add and remove, so one
 * listener per request makes each call O(requests in flight). One listener per signal fans out
 * to a Set instead (O(1) add and remove).
 */
const abortFanout = new WeakMap<AbortSignal, Set<() => void>>();

function onAbortOf(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = abortFanout.get(signal);
  if (!callbacks) {
    const set = new Set<() => void>();
    callbacks = set;
    abortFanout.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        abortFanout.delete(signal);
        for (const cb of [...set]) cb();
      },
      { once: true },
    );
  }
  callbacks.add(callback);
  return () => {
    callbacks.delete(callback);
  };
}

/** Send one request and read its body as text; throws typed errors. */
export async function sendRequest(
  exchange: Exchange,
  spec: RequestSpec,
  ctx: RequestContext,
): Promise<string> {
  const { endpoint, signal, timeoutMs } = spec;
  if (signal?.aborted) throw abortedError(endpoint, signal.reason);
  const ctrl = new AbortController();
  let timedOut = false;
  const offAbort = signal ? onAbortOf(signal, () => ctrl.abort(signal.reason)) : undefined;
  const timer =
    timeoutMs !== undefined && timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          ctrl.abort(new DOMException(`${endpoint} timed out`, "TimeoutError"));
        }, timeoutMs)
      : undefined;
  // Raced against every wait, in case an injected transport ignores the abort signal.
  const aborted = new Promise<never>((_, reject) => {
    ctrl.signal.addEventListener("abort", () => reject(ctrl.signal.reason), { once: true });
  });
  aborted.catch(() => {});
  const started = Date.now();
  const failure = (err: unknown): ILinkError => {
    if (timedOut) return timeoutError(endpoint, timeoutMs ?? 0);
    if (signal?.aborted) return abortedError(endpoint, signal.reason);
    if (err instanceof ILinkError) return err;
    return networkError(endpoint, err, ctx.secrets);
  };
  try {
    let res: ExchangeResponse;
    try {
      res = await Promise.race([
        exchange({
          method: spec.method,
          url: spec.url,
          headers: spec.headers,
          ...(spec.body === undefined ? {} : { body: spec.body }),
          signal: ctrl.signal,
        }),
        aborted,
      ]);
    } catch (err) {
      throw failure(err);
    }
    ctx.logger.debug({ endpoint, status: res.status, ms: Date.now() - started }, "ilink call");
    if (res.status < 200 || res.status > 299) throw httpError(endpoint, res.status, res.text, ctx.secrets);
    return res.text;
  } finally {
    if (timer) clearTimeout(timer);
    offAbort?.();
  }
}

/** Parse a response body. An empty body is tolerated as `{}`: the endpoint's checks still apply. */
export function parseBody<T>(text: string, mode: ParseMode, endpoint: string): T {
  if (text.trim() === "") return {} as T;
  let parsed: unknown;
  try {
    parsed = mode === "lossless" ? parseJsonLosslessIds(text) : JSON.parse(text);
  } catch (err) {
    throw new ILinkError("BAD_RESPONSE", `${endpoint}: the server answered with a body that is not JSON`, {
      endpoint,
      cause: err,
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ILinkError("BAD_RESPONSE", `${endpoint}: the server answered JSON that is not an object`, {
      endpoint,
    });
  }
  return parsed as T;
}

export async function requestJson<T>(
  exchange: Exchange,
  mode: ParseMode,
  spec: RequestSpec,
  ctx: RequestContext,
): Promise<T> {
  return parseBody<T>(await sendRequest(exchange, spec, ctx), mode, spec.endpoint);
}
