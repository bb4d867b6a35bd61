/**
 * Test helper (not shipped API): a fetch that records every request, headers exactly as the
 * client spelled them, and answers through a responder function.
 */
import type { FetchLike } from "./client.js";

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Body as text (JSON calls). */
  body: string | undefined;
  /** Body bytes (CDN uploads, stream bodies included). */
  bytes: Buffer | undefined;
  signal: AbortSignal | undefined;
  duplex: unknown;
}

export type Responder = (req: RecordedRequest, index: number) => Response | Promise<Response>;

async function readBody(body: unknown): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ReadableStream) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as ReadableStream<Uint8Array>) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new Error(`fake fetch: unsupported body ${typeof body}`);
}

export function fakeFetch(responder: Responder): { fetch: FetchLike; calls: RecordedRequest[] } {
  const calls: RecordedRequest[] = [];
  const fetch: FetchLike = async (input, init) => {
    const headers: Record<string, string> = {};
    const h = init?.headers;
    if (h && !(h instanceof Headers) && !Array.isArray(h)) Object.assign(headers, h);
    const bytes = await readBody(init?.body);
    const req: RecordedRequest = {
      url: String(input),
      method: init?.method ?? "GET",
      headers,
      body: bytes?.toString("utf8"),
      bytes,
      signal: init?.signal ?? undefined,
      duplex: (init as { duplex?: unknown } | undefined)?.duplex,
    };
    calls.push(req);
    return responder(req, calls.length - 1);
  };
  return { fetch, calls };
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** A response that never comes, but honours the request's abort signal like real fetch. */
export function hangUntilAborted(req: RecordedRequest): Promise<Response> {
  return new Promise((_, reject) => {
    req.signal?.addEventListener("abort", () => reject(req.signal?.reason), { once: true });
  });
}

/** A dropped connection as undici reports it. */
export function connectionRefused(): Promise<Response> {
  const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
  return Promise.reject(new TypeError("fetch failed", { cause }));
}
