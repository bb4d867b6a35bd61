/**
 * One HTTP exchange of the bot API, reduced to what the client reads: the status and the body as
 * text. Two implementations:
 *
 * - `fetchExchange(fetch)`: over any `fetch` (the injected one in tests, or a caller's own);
 * - `defaultExchange()`: undici's `request()` on one shared keep-alive `Agent`. A gateway makes
 *   one bot API call per bubble, so the per-call cost matters: measured on loopback against the
 *   simulator, fetch (undici plus WHATWG streams and a `Response` per call) cost ~400 µs of CPU
 *   per call, node:http with a hand-built `Response` ~140 µs, undici's `request()` ~110 µs. undici
 *   is Node's own HTTP client (fetch is built on it) and is already in the tree through the AI SDK.
 */
import { Agent, request } from "undici";
import type { FetchLike } from "./request.js";

export interface ExchangeRequest {
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface ExchangeResponse {
  status: number;
  text: string;
}

/** Sends one request and resolves with its status and whole body; rejects on network failure or abort. */
export type Exchange = (req: ExchangeRequest) => Promise<ExchangeResponse>;

export function fetchExchange(fetch: FetchLike): Exchange {
  return async (req) => {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: req.signal,
    });
    return { status: res.status, text: await res.text() };
  };
}

let shared: Agent | undefined;

/**
 * The process-wide keep-alive pool. No cap on connections per origin: every account holds one
 * long-poll open, and a cap would make sends wait behind them; the gateway's `--max-turns` bounds
 * the sends in flight.
 */
function sharedAgent(): Agent {
  shared ??= new Agent({ keepAliveTimeout: 30_000 });
  return shared;
}

export function defaultExchange(): Exchange {
  return async (req) => {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: req.signal,
      dispatcher: sharedAgent(),
      // The caller's timer owns timeouts (the long-poll waits 35 s or what the server asks).
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    return { status: res.statusCode, text: await res.body.text() };
  };
}
