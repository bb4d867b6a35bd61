import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSimulator, startSimulator } from "../simulator/index.js";
import { probeSimulator, simulatorAccount, simulatorGone } from "./simulator.js";

let sim: RunningSimulator;
let bot: { account_id: string };

beforeAll(async () => {
  sim = await startSimulator({ port: 0, realism: false });
  const res = await fetch(`${sim.url}/sim/accounts`, {
    method: "POST",
    body: JSON.stringify({ name: "shop" }),
  });
  bot = (await res.json()) as { account_id: string };
});
afterAll(() => sim.close());

/** A plain HTTP server that answers every request with `body` (not a simulator). */
async function serveText(status: number, body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("telling a simulator's accounts from WeChat's", () => {
  it("finds a running simulator and the accounts it knows, with their names", async () => {
    const probe = await probeSimulator(sim.url);
    expect(probe.kind).toBe("simulator");
    expect(await simulatorAccount(sim.url, bot.account_id)).toEqual({ state: "active", name: "shop" });
    expect(await simulatorAccount(`${sim.url}/`, "nobody@im.bot")).toBeUndefined();
  });

  it("takes a simulator's name for a bot without its control characters", async () => {
    const odd = await serveText(
      200,
      JSON.stringify({ accounts: [{ account_id: "a@im.bot", state: "active", name: " bot\u001b[31m\n2 " }] }),
    );
    try {
      expect(await simulatorAccount(odd.url, "a@im.bot")).toEqual({ state: "active", name: "bot[31m2" });
    } finally {
      odd.server.close();
    }
  });

  it("never asks an https host (iLink itself): no request leaves", async () => {
    const refuse = () => Promise.reject(new Error("a request was made"));
    expect(await probeSimulator("https://ilinkai.weixin.qq.com", { fetch: refuse })).toEqual({
      kind: "not-simulator",
    });
  });

  it("something else on the port is not a simulator, whatever JSON it sends", async () => {
    for (const [status, body] of [
      [404, "not found"],
      [200, '{"accounts": "all of them"}'],
      [200, "[1, 2, 3]"],
      [200, "not json"],
    ] as const) {
      const other = await serveText(status, body);
      try {
        expect((await probeSimulator(other.url)).kind).toBe("not-simulator");
        // Not proof that the simulator is gone: a simulated account there is kept.
        expect(await simulatorGone({ id: "x@im.bot", baseUrl: other.url })).toBeUndefined();
      } finally {
        other.server.close();
      }
    }
  });

  it("a simulated account is gone when its simulator stopped or no longer knows it, not before", async () => {
    expect(await simulatorGone({ id: bot.account_id, baseUrl: sim.url })).toBeUndefined();
    expect(await simulatorGone({ id: "old@im.bot", baseUrl: sim.url })).toMatch(/no longer knows it/);
    const stopped = await startSimulator({ port: 0 });
    await stopped.close();
    const probe = await probeSimulator(stopped.url);
    expect(probe).toMatchObject({ kind: "unreachable", reason: expect.stringContaining("ECONNREFUSED") });
    expect(await simulatorGone({ id: bot.account_id, baseUrl: stopped.url })).toBe(
      `its simulator at ${stopped.url} is not running`,
    );
  });

  it("a server that does not answer in time decides nothing", async () => {
    const server = createServer(() => {
      // never answers
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await probeSimulator(url, { timeoutMs: 200 })).kind).toBe("unknown");
      expect(await simulatorGone({ id: "x@im.bot", baseUrl: url }, { timeoutMs: 200 })).toBeUndefined();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
