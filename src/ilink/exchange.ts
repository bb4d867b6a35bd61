/**
 * One HTTP exchange of the bot API, reduced to what the client reads: the status and the body as
 * text. Each exchange owns its timeout and honours the caller's signal. Two implementations:
 *
 * - `fetchExchange(fetch)`: over any `fetch` (the injected one in tests, or a caller's own);
 * - `defaultExchange()`: undici's `dispatch()` on one shared keep-alive `Agent`, with a plain
 *   handler that collects the body. A gateway makes one bot API call per bubble, so the per-call
 *   cost matters. Measured on loopback against the simulator: fetch (undici plus WHATWG streams and
 *   a `Response` per call) ~400 µs of CPU per call, node:http ~140 µs, undici's `request()` ~110
 *   µs; `dispatch()` drops `request()`'s body stream, its promise plumbing and the AbortController
 *   and listeners per call. undici is Node's own HTTP client (fetch is built on it) and is already
 *   in the tree through the AI SDK.
 */
import { createRequire } from "node:module";
import type { Dispatcher, Agent as UndiciAgent } from "undici";
import { readBounded } from "../shared/bounded-body.js";
import { onAbortOf } from "./abort-fanout.js";
import type { FetchLike } from "./request.js";
import { WxError } from "./wx-error.js";

export interface ExchangeRequest {
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** The caller's signal, often shared by many requests: aborting it rejects with its reason. */
  signal?: AbortSignal;
  /** Undefined or 0: no client-side timeout. On expiry the exchange rejects with `ExchangeTimeout`. */
  timeoutMs?: number;
}

/** The exchange's own timeout fired (the request was aborted and its socket released). */
export class ExchangeTimeout extends WxError<"TIMEOUT"> {
  override name = "ExchangeTimeout";
  constructor(readonly timeoutMs: number) {
    super("TIMEOUT", `no answer within ${timeoutMs} ms`, { isRetryable: true });
  }
}

export interface ExchangeResponse {
  status: number;
  text: string;
}

/**
 * The largest bot API answer read, in bytes. A getupdates batch of real messages is a few KB (the
 * gateway takes at most 64 Ki characters of one message); a body past this is not an answer but a
 * server filling this process's memory, which every account shares. The request is aborted there.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** The answer's body went past MAX_RESPONSE_BYTES: the request was aborted, nothing of it read. */
export class ExchangeTooLarge extends WxError<"TOO_LARGE"> {
  override name = "ExchangeTooLarge";
  constructor(readonly maxBytes: number) {
    super("TOO_LARGE", `the answer is larger than ${maxBytes} bytes`, { isRetryable: false });
  }
}

/** The body of `res` as text, refused past `maxBytes` (the stream is cancelled there). */
async function boundedText(res: Response, maxBytes: number): Promise<string> {
  const bytes = await readBounded(res.body, maxBytes);
  if (!bytes) throw new ExchangeTooLarge(maxBytes);
  return bytes.toString("utf8");
}

/** Sends one request and resolves with its status and whole body; rejects on network failure, abort or timeout. */
export type Exchange = (req: ExchangeRequest) => Promise<ExchangeResponse>;

export function fetchExchange(fetch: FetchLike): Exchange {
  return async (req) => {
    // A derived controller: the timeout aborts it (so the socket is released, never abandoned),
    // and so does the caller's signal.
    const ctrl = new AbortController();
    const off = req.signal ? onAbortOf(req.signal, () => ctrl.abort(req.signal?.reason)) : undefined;
    const timer = req.timeoutMs
      ? setTimeout(() => ctrl.abort(new ExchangeTimeout(req.timeoutMs ?? 0)), req.timeoutMs)
      : undefined;
    // Raced against every wait, in case an injected fetch ignores the abort signal.
    const aborted = new Promise<never>((_, reject) => {
      ctrl.signal.addEventListener("abort", () => reject(ctrl.signal.reason), { once: true });
    });
    aborted.catch(() => {});
    try {
      const res = await Promise.race([
        fetch(req.url, {
          method: req.method,
          headers: req.headers,
          ...(req.body === undefined ? {} : { body: req.body }),
          signal: ctrl.signal,
        }),
        aborted,
      ]);
      return {
        status: res.status,
        text: await Promise.race([boundedText(res, MAX_RESPONSE_BYTES), aborted]),
      };
    } finally {
      if (timer) clearTimeout(timer);
      off?.();
    }
  };
}

// undici's Agent alone, not its index: the index loads fetch, WebSocket, EventSource and the caches
// too, about 5 MB of an idle gateway's memory that the bot API's exchanges never use.
// undici 6 has no `exports` map, so its files are reachable; a moved file fails at start, loudly.
const Agent = createRequire(import.meta.url)("undici/lib/dispatcher/agent.js") as typeof UndiciAgent;

let shared: UndiciAgent | undefined;

/**
 * The process-wide keep-alive pool. No cap on connections per origin: every account holds one
 * long-poll open, and a cap would make sends wait behind them; the gateway's `--max-turns` bounds
 * the sends in flight.
 */
function sharedAgent(): UndiciAgent {
  shared ??= new Agent({ keepAliveTimeout: 30_000 });
  return shared;
}

export function defaultExchange(): Exchange {
  return (req) =>
    new Promise<ExchangeResponse>((resolve, reject) => {
      if (req.signal?.aborted) {
        reject(abortReason(req.signal));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      let status = 0;
      let settled = false;
      /** undici's abort for this request, once it is on a socket. */
      let abortRequest: ((err: Error) => void) | undefined;
      /** Why we aborted, if it happened before undici handed us `abortRequest`. */
      let abortedWith: Error | undefined;
      const settle = (err: unknown, value?: ExchangeResponse): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        off?.();
        if (value) resolve(value);
        else reject(err);
      };
      const abort = (err: Error): void => {
        abortedWith ??= err;
        if (abortRequest) abortRequest(err);
        else settle(err); // still queued: undici calls onConnect later, which aborts it at once
      };
      const off = req.signal ? onAbortOf(req.signal, () => abort(abortReason(req.signal))) : undefined;
      const timer = req.timeoutMs
        ? setTimeout(() => abort(new ExchangeTimeout(req.timeoutMs ?? 0)), req.timeoutMs)
        : undefined;
      const handler: Dispatcher.DispatchHandlers = {
        onConnect(abortFn) {
          abortRequest = abortFn;
          if (abortedWith) abortFn(abortedWith);
        },
        onHeaders(statusCode) {
          status = statusCode;
          return true;
        },
        onData(chunk) {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) {
            chunks.length = 0;
            abort(new ExchangeTooLarge(MAX_RESPONSE_BYTES));
            return false;
          }
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          settle(undefined, { status, text: Buffer.concat(chunks).toString("utf8") });
        },
        onError(err) {
          settle(err);
        },
      };
      sharedAgent().dispatch(
        {
          origin: req.url.origin,
          path: `${req.url.pathname}${req.url.search}`,
          method: req.method,
          headers: req.headers,
          body: req.body ?? null,
          // Our timer owns timeouts (the long-poll waits 35 s or what the server asks).
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        handler,
      );
    });
}

/** The signal's reason as an Error (undici's abort takes one). */
function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException(String(reason ?? "aborted"), "AbortError");
}
