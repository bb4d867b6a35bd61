/**
 * One HTTP exchange with the iLink server, mapped onto typed errors: the exchange's own timeout
 * (which aborts the request, so the socket is released, never abandoned) is TIMEOUT, an abort of
 * the caller's signal is ABORTED, a dropped request is NETWORK, an answer past MAX_RESPONSE_BYTES
 * is TOO_LARGE, a non-2xx is HTTP_<status>, and a body that is not a JSON object is BAD_RESPONSE.
 */
import { abortedError, httpError, ILinkError, networkError, timeoutError } from "./errors.js";
import { type Exchange, type ExchangeResponse, ExchangeTimeout, ExchangeTooLarge } from "./exchange.js";
import { parseJsonLosslessIds } from "./json-ids.js";
import type { ILinkLogger } from "./logger.js";

/**
 * @example
 * import { type FetchLike, ILinkClient } from "wxagent/ilink";
 * const logged: FetchLike = (input, init) => fetch(input, init);
 * const client = new ILinkClient({ token: "bot-token", fetch: logged });
 */
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
  logger: ILinkLogger;
}

/** Send one request and read its body as text; throws typed errors. */
export async function sendRequest(
  exchange: Exchange,
  spec: RequestSpec,
  ctx: RequestContext,
): Promise<string> {
  const { endpoint, signal, timeoutMs } = spec;
  if (signal?.aborted) throw abortedError(endpoint, signal.reason);
  const started = Date.now();
  let res: ExchangeResponse;
  try {
    res = await exchange({
      method: spec.method,
      url: spec.url,
      headers: spec.headers,
      ...(spec.body === undefined ? {} : { body: spec.body }),
      ...(signal ? { signal } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  } catch (err) {
    if (err instanceof ExchangeTimeout) throw timeoutError(endpoint, timeoutMs ?? 0);
    if (err instanceof ExchangeTooLarge) {
      throw new ILinkError(
        "TOO_LARGE",
        `${endpoint}: the server's answer went past ${err.maxBytes / 1024 / 1024} MiB and was cut off unread; no real answer is that large, so check the account's base URL`,
        { endpoint, cause: err },
      );
    }
    if (signal?.aborted) throw abortedError(endpoint, signal.reason);
    if (err instanceof ILinkError) throw err;
    throw networkError(endpoint, err, ctx.secrets);
  }
  ctx.logger.debug({ endpoint, status: res.status, ms: Date.now() - started }, "ilink call");
  if (res.status < 200 || res.status > 299) throw httpError(endpoint, res.status, res.text, ctx.secrets);
  return res.text;
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
