import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ILinkClient } from "./client.js";
import {
  defaultExchange,
  ExchangeTimeout,
  ExchangeTooLarge,
  fetchExchange,
  MAX_RESPONSE_BYTES,
} from "./exchange.js";

let server: Server;
let base: string;
const seen: { method: string; headers: IncomingMessage["headers"]; body: string }[] = [];
/** Requests the server holds without answering (to test aborts). */
const held: (() => void)[] = [];
/** How many held requests the client gave up on (their connection closed unanswered). */
let heldClosed = 0;
/** How many endless answers the client cut off. */
let floodClosed = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", headers: req.headers, body });
      if (req.url?.startsWith("/hold")) {
        held.push(() => res.end("{}"));
        res.on("close", () => {
          if (!res.writableEnded) heldClosed += 1;
        });
        return;
      }
      if (req.url === "/flood") {
        // An answer that never ends: 1 MiB chunks for as long as the client reads.
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        res.setHeader("content-type", "application/json");
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk)) {}
          if (!res.destroyed) res.once("drain", pump);
        };
        res.on("close", () => {
          floodClosed += 1;
        });
        res.write('{"ret":0,"pad":"');
        pump();
        return;
      }
      if (req.url === "/empty") {
        res.statusCode = 204;
        res.end();
        return;
      }
      res.setHeader("content-type", "application/json");
      res.setHeader("x-echo", "yes");
      res.statusCode = req.url?.startsWith("/missing") ? 404 : 200;
      res.end(JSON.stringify({ got: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const release of held) release();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("defaultExchange (undici, shared keep-alive pool)", () => {
  const signal = new AbortController().signal;

  it("POSTs a string body with its headers and answers the status and body text", async () => {
    const res = await defaultExchange()({
      method: "POST",
      url: new URL(`${base}/ok`),
      headers: { "Content-Type": "application/json", "X-Test": "1" },
      body: '{"a":"ü"}',
      signal,
    });
    expect(res).toEqual({ status: 200, text: JSON.stringify({ got: '{"a":"ü"}' }) });
    const req = seen.at(-1);
    expect(req?.method).toBe("POST");
    expect(req?.headers["x-test"]).toBe("1");
    expect(req?.headers["content-length"]).toBe(String(Buffer.byteLength('{"a":"ü"}')));
  });

  it("keeps non-2xx statuses and empty bodies, and sends GETs", async () => {
    const x = defaultExchange();
    expect(
      (await x({ method: "POST", url: new URL(`${base}/missing`), headers: {}, body: "x", signal })).status,
    ).toBe(404);
    expect(await x({ method: "POST", url: new URL(`${base}/empty`), headers: {}, body: "", signal })).toEqual(
      {
        status: 204,
        text: "",
      },
    );
    await x({ method: "GET", url: new URL(`${base}/get`), headers: {}, signal });
    expect(seen.at(-1)?.method).toBe("GET");
  });

  it("cuts off an answer past MAX_RESPONSE_BYTES, closing the request, and the client says TOO_LARGE", async () => {
    const before = floodClosed;
    await expect(
      defaultExchange()({ method: "POST", url: new URL(`${base}/flood`), headers: {}, body: "{}", signal }),
    ).rejects.toBeInstanceOf(ExchangeTooLarge);
    await expect.poll(() => floodClosed).toBe(before + 1);
    // The client calls <base>/ilink/bot/getupdates: its fetch sends that call to the flood instead.
    const flooding = new ILinkClient({
      token: "t",
      baseUrl: base,
      fetch: (_url, init) => fetch(`${base}/flood`, init),
    });
    await expect(flooding.getUpdates("")).rejects.toMatchObject({
      code: "TOO_LARGE",
      isRetryable: false,
      message: expect.stringContaining("MiB"),
    });
  });

  it("rejects when the signal aborts mid-request", async () => {
    const ac = new AbortController();
    const before = held.length;
    const p = defaultExchange()({
      method: "POST",
      url: new URL(`${base}/hold`),
      headers: {},
      body: "{}",
      signal: ac.signal,
    });
    await expect.poll(() => held.length).toBe(before + 1);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow();
  });

  it("times out with ExchangeTimeout and closes the request it gave up on", async () => {
    const closedBefore = heldClosed;
    const p = defaultExchange()({
      method: "POST",
      url: new URL(`${base}/hold-timeout`),
      headers: {},
      body: "{}",
      timeoutMs: 50,
    });
    await expect(p).rejects.toBeInstanceOf(ExchangeTimeout);
    await expect.poll(() => heldClosed).toBe(closedBefore + 1);
  });

  it("rejects at once, sending nothing, when the signal is already aborted", async () => {
    const ac = new AbortController();
    ac.abort(new Error("gone"));
    const before = seen.length;
    await expect(
      defaultExchange()({
        method: "POST",
        url: new URL(`${base}/ok`),
        headers: {},
        body: "{}",
        signal: ac.signal,
      }),
    ).rejects.toThrow("gone");
    // A request that was sent would have been seen by now (the next one is).
    await defaultExchange()({ method: "POST", url: new URL(`${base}/ok`), headers: {}, body: "{}" });
    expect(seen.length).toBe(before + 1);
  });

  it("rejects a refused connection", async () => {
    await expect(
      defaultExchange()({
        method: "POST",
        url: new URL("http://127.0.0.1:9/x"),
        headers: {},
        body: "{}",
        signal,
      }),
    ).rejects.toThrow();
  });
});

describe("fetchExchange", () => {
  it("passes method, headers, body and signal to the injected fetch and reads the text", async () => {
    const calls: { url: string; init: RequestInit | undefined }[] = [];
    const x = fetchExchange(async (input, init) => {
      calls.push({ url: String(input), init });
      return new Response("nope", { status: 503 });
    });
    const ac = new AbortController();
    const res = await x({
      method: "POST",
      url: new URL("http://api/x"),
      headers: { A: "1" },
      body: "{}",
      signal: ac.signal,
    });
    expect(res).toEqual({ status: 503, text: "nope" });
    expect(calls[0]?.url).toBe("http://api/x");
    expect(calls[0]?.init).toMatchObject({
      method: "POST",
      headers: { A: "1" },
      body: "{}",
      signal: ac.signal,
    });
  });
});

describe("fetchExchange bounds", () => {
  it("reads an injected fetch's body only up to MAX_RESPONSE_BYTES, then cancels the stream", async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += 1;
        c.enqueue(new Uint8Array(256 * 1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const exchange = fetchExchange(async () => new Response(endless, { status: 200 }));
    await expect(
      exchange({ method: "GET", url: new URL("http://x.invalid/"), headers: {} }),
    ).rejects.toBeInstanceOf(ExchangeTooLarge);
    expect(cancelled).toBe(true);
    expect(pulled * 256 * 1024).toBeLessThanOrEqual(MAX_RESPONSE_BYTES + 2 * 256 * 1024);
  });
});

describe("fetchExchange timeouts", () => {
  it("rejects with ExchangeTimeout even when the injected fetch ignores its signal", async () => {
    vi.useFakeTimers();
    try {
      const x = fetchExchange(() => new Promise<Response>(() => {}));
      const p = x({
        method: "POST",
        url: new URL("http://api/x"),
        headers: {},
        body: "{}",
        timeoutMs: 1_000,
      });
      const outcome = p.catch((err: unknown) => err);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await outcome).toBeInstanceOf(ExchangeTimeout);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("ILinkClient without an injected fetch", () => {
  it("maps statuses and the client timeout onto typed errors", async () => {
    const missing = new ILinkClient({ baseUrl: `${base}/missing/`, token: "t" });
    await expect(missing.call("sendMessage", {})).rejects.toMatchObject({ code: "HTTP_404" });
    const hold = new ILinkClient({ baseUrl: `${base}/hold/`, token: "t" });
    await expect(hold.call("sendMessage", {}, { timeoutMs: 50 })).rejects.toMatchObject({ code: "TIMEOUT" });
  });

  it("lets many calls share one caller signal and aborts them all", async () => {
    const client = new ILinkClient({ baseUrl: `${base}/ok/`, token: "t" });
    const ac = new AbortController();
    // Answered calls leave no callback behind on the shared signal; held ones are all aborted.
    for (let i = 0; i < 3; i++) await client.call("sendMessage", {}, { signal: ac.signal });
    expect(seen.at(-1)?.headers.authorization).toBe("Bearer t");
    const before = held.length;
    const hold = new ILinkClient({ baseUrl: `${base}/hold/`, token: "t" });
    const pending = Array.from({ length: 5 }, () => hold.call("sendMessage", {}, { signal: ac.signal }));
    await expect.poll(() => held.length).toBe(before + 5);
    ac.abort(new Error("shutdown"));
    const results = await Promise.allSettled(pending);
    expect(
      results.map((r) => (r.status === "rejected" ? (r.reason as { code?: string }).code : "ok")),
    ).toEqual(Array(5).fill("ABORTED"));
  });
});
