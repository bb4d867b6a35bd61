import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ILinkClient } from "./client.js";
import { createNodeFetch } from "./node-fetch.js";
import type { FetchLike } from "./request.js";

let server: Server;
let base: string;
const seen: { method: string; headers: IncomingMessage["headers"]; body: string }[] = [];
/** Requests the server holds without answering (to test aborts). */
const held: (() => void)[] = [];

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
        return;
      }
      if (req.url === "/empty") {
        res.statusCode = 204;
        res.end();
        return;
      }
      res.setHeader("content-type", "application/json");
      res.setHeader("x-echo", "yes");
      res.statusCode = req.url === "/missing" ? 404 : 200;
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

describe("createNodeFetch", () => {
  it("POSTs a string body with its headers and answers a Response with status, headers and body", async () => {
    const f = createNodeFetch();
    const res = await f(`${base}/ok`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Test": "1" },
      body: '{"a":"ü"}',
    });
    expect(res.ok).toBe(true);
    expect(res.headers.get("x-echo")).toBe("yes");
    expect(await res.json()).toEqual({ got: '{"a":"ü"}' });
    const req = seen.at(-1);
    expect(req?.headers["x-test"]).toBe("1");
    expect(req?.headers["content-length"]).toBe(String(Buffer.byteLength('{"a":"ü"}')));
  });

  it("keeps non-2xx statuses and null-body statuses", async () => {
    const f = createNodeFetch();
    const missing = await f(`${base}/missing`, { method: "POST", body: "x" });
    expect(missing.status).toBe(404);
    expect(missing.ok).toBe(false);
    const empty = await f(new URL(`${base}/empty`), { method: "POST", body: "" });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("hands GETs and non-string bodies to the fallback", async () => {
    const calls: string[] = [];
    const fallback: FetchLike = async (input) => {
      calls.push(String(input));
      return new Response("fallback");
    };
    const f = createNodeFetch({ fallback });
    await f(`${base}/get`);
    await f(`${base}/bin`, { method: "POST", body: new Uint8Array([1, 2]) });
    expect(calls).toEqual([`${base}/get`, `${base}/bin`]);
  });

  it("rejects with the signal's reason when aborted mid-request", async () => {
    const f = createNodeFetch();
    const ac = new AbortController();
    const p = f(`${base}/hold`, { method: "POST", body: "{}", signal: ac.signal });
    await expect.poll(() => held.length).toBeGreaterThan(0);
    const reason = new Error("stop");
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
  });

  it("lets many calls share one caller signal and aborts them all (ILinkClient over it)", async () => {
    const client = new ILinkClient({ baseUrl: `${base}/ok/`, token: "t", fetch: createNodeFetch() });
    const ac = new AbortController();
    // Answered calls leave no callback behind on the shared signal; held ones are all aborted.
    for (let i = 0; i < 3; i++) await client.call("sendMessage", {}, { signal: ac.signal });
    const before = held.length;
    const hold = new ILinkClient({ baseUrl: `${base}/hold/`, token: "t", fetch: createNodeFetch() });
    const pending = Array.from({ length: 5 }, () => hold.call("sendMessage", {}, { signal: ac.signal }));
    await expect.poll(() => held.length).toBe(before + 5);
    ac.abort(new Error("shutdown"));
    const results = await Promise.allSettled(pending);
    expect(
      results.map((r) => (r.status === "rejected" ? (r.reason as { code?: string }).code : "ok")),
    ).toEqual(Array(5).fill("ABORTED"));
  });
});
