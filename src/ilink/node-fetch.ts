/**
 * A `FetchLike` on node:http/https with keep-alive agents, for the bot API's JSON POSTs. Under load
 * Node's built-in fetch (undici plus web streams) costs several times the CPU of node:http per
 * request, and a gateway makes one request per bubble. Only POSTs with a string body take this
 * path; anything else (CDN uploads and downloads, GETs, streams, `Request` objects) goes to
 * `fallback`, so redirects and binary bodies keep fetch's exact behaviour.
 */
import http from "node:http";
import https from "node:https";
import type { FetchLike } from "./request.js";

export interface NodeFetchOptions {
  /** Sockets per host kept open and used at once (default 64); more requests wait for a socket. */
  maxSockets?: number;
  /** Used for every request this adapter does not handle (default `globalThis.fetch`). */
  fallback?: FetchLike;
}

/** Statuses whose response must not carry a body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function createNodeFetch(options: NodeFetchOptions = {}): FetchLike {
  const maxSockets = options.maxSockets ?? 64;
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets }),
    "https:": new https.Agent({ keepAlive: true, maxSockets }),
  };
  const fallback: FetchLike = options.fallback ?? ((input, init) => globalThis.fetch(input, init));

  return (input, init) => {
    const body = init?.body;
    const method = init?.method ?? "GET";
    if (input instanceof Request || method !== "POST" || typeof body !== "string") {
      return fallback(input, init);
    }
    const url = typeof input === "string" ? new URL(input) : input;
    const protocol = url.protocol as keyof typeof agents;
    if (!(protocol in agents)) return fallback(input, init);
    const headers = plainHeaders(init?.headers);
    headers["content-length"] = String(Buffer.byteLength(body));
    const signal = init?.signal ?? undefined;

    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const request = (protocol === "https:" ? https : http).request(
        url,
        { method, headers, agent: agents[protocol] },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", fail);
          res.on("end", () => {
            signal?.removeEventListener("abort", onAbort);
            const status = res.statusCode ?? 0;
            const outHeaders = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (Array.isArray(v)) for (const one of v) outHeaders.append(k, one);
              else if (v !== undefined) outHeaders.set(k, v);
            }
            try {
              resolve(
                new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), {
                  status,
                  statusText: res.statusMessage ?? "",
                  headers: outHeaders,
                }),
              );
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      function fail(err: unknown): void {
        signal?.removeEventListener("abort", onAbort);
        reject(signal?.aborted ? signal.reason : err);
      }
      function onAbort(): void {
        request.destroy();
        reject(signal?.reason);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("error", fail);
      request.end(body);
    });
  };
}

/** Header names lower-cased; a plain object (what the client passes) is copied without a `Headers`. */
function plainHeaders(init: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  const entries: Iterable<[string, string]> =
    init instanceof Headers || Array.isArray(init)
      ? new Headers(init).entries()
      : Object.entries(init as Record<string, string>);
  for (const [k, v] of entries) out[k.toLowerCase()] = v;
  return out;
}
