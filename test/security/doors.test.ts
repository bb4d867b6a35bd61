/**
 * Every door checks, tried as a web page on the same machine would: a page on another name that
 * DNS-rebinds to 127.0.0.1 (its requests carry `Host: evil.example:<port>`), and a page of another
 * origin posting `text/plain` or a form (no CORS preflight). Against the simulator's control API,
 * its SSE and chat page, the admin UI and REST API, and MCP over HTTP; the legitimate users (the
 * chat page itself, scripts, the SDK under any name) keep working.
 *
 * Requests go through node:http because fetch will not send a Host of our choosing.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminServer } from "../../src/admin/server.js";
import { closeFixture, type Fixture, makeFixture } from "../../src/admin/testing.js";
import { createEchoAgent } from "../../src/agent/echo.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import { createILinkTransport } from "../../src/gateway/ilink-transport.js";
import { ILinkClient } from "../../src/ilink/client.js";
import { type McpHttpServer, startMcpHttp } from "../../src/mcp/http.js";
import { createSimulator, type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { newBot } from "../../src/simulator/testkit.js";
import { openStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";
import { createLogger } from "../../src/util/logger.js";

interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
  json: () => Record<string, unknown>;
}

function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers ?? {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
        // An SSE stream that was let in never ends: what arrived is enough.
        if (res.headers["content-type"]?.includes("text/event-stream")) req.destroy();
      });
      const done = (): void =>
        resolve({
          status: res.statusCode ?? 0,
          text,
          headers: res.headers,
          json: () => JSON.parse(text) as Record<string, unknown>,
        });
      res.on("end", done);
      res.on("close", done);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

const refusal = (a: Answer): { code?: unknown; message?: unknown } => {
  const body = a.json();
  const e = body.error;
  return typeof e === "object" && e !== null
    ? (e as { code?: unknown; message?: unknown })
    : { ...body, message: e };
};

describe("doors: the simulator's control API and chat page", () => {
  let sim: RunningSimulator;
  let account: { account_id: string; token: string; owner_user_id: string };
  let evilHost: string;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, realism: false, seed: 14, longPollTimeoutMs: 500 });
    evilHost = `evil.example:${sim.port}`;
    const made = await fetch(`${sim.url}/sim/accounts`, { method: "POST", body: "{}" });
    account = (await made.json()) as typeof account;
  });
  afterAll(() => sim?.close());

  it("answers a rebinding page (Host evil.example) 403 HOST_NOT_ALLOWED and no token", async () => {
    const res = await raw(`${sim.url}/sim/accounts`, { headers: { host: evilHost } });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain(account.token);
    const e = refusal(res);
    expect(e.code).toBe("HOST_NOT_ALLOWED");
    expect(String(e.message)).toContain("--allowed-host");
    // The same page, with its own Origin as a rebinding page would send, on every door.
    const origin = { host: evilHost, origin: `http://${evilHost}` };
    for (const [method, path] of [
      ["GET", "/sim/events"],
      ["GET", "/sim/users"],
      ["POST", "/sim/faults"],
      ["GET", "/"],
      ["GET", "/chat/app.js"],
      ["POST", "/ilink/bot/get_bot_qrcode"],
    ] as const) {
      const r = await raw(`${sim.url}${path}`, {
        method,
        headers: origin,
        body: method === "POST" ? "{}" : "",
      });
      expect(r.status, `${method} ${path}`).toBe(403);
    }
  });

  it("refuses a cross-origin text/plain post to /sim/messages and creates no message", async () => {
    const body = JSON.stringify({
      account_id: account.account_id,
      from: account.owner_user_id,
      text: "rm -rf ~",
    });
    const before = sim.simulator.state.messages.length;
    for (const headers of <Record<string, string>[]>[
      { "content-type": "text/plain", origin: "https://evil.example" },
      { "content-type": "text/plain", origin: "null" },
      { "content-type": "text/plain", "sec-fetch-site": "cross-site" },
      { "content-type": "application/x-www-form-urlencoded", origin: `http://localhost:${sim.port + 1}` },
    ]) {
      const res = await raw(`${sim.url}/sim/messages`, { method: "POST", headers, body });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(refusal(res).code).toBe("CROSS_ORIGIN");
    }
    expect(sim.simulator.state.messages.length).toBe(before);
    expect(sim.simulator.state.accounts.get(account.account_id)?.queue).toHaveLength(0);
  });

  it("still serves its own page, same-origin calls, scripts, and iLink clients under any name", async () => {
    const page = await raw(`${sim.url}/`, {
      headers: { "sec-fetch-site": "none", "sec-fetch-mode": "navigate" },
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain("<!doctype html>");
    // …but not inside another site's frame, where its clicks would be the owner's.
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    // A navigation from another site (a link, the admin UI's QR link) only opens the page.
    const linked = await raw(`${sim.url}/?qrcode=x`, {
      headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" },
    });
    expect(linked.status).toBe(200);
    for (const host of [`localhost:${sim.port}`, `127.0.0.1:${sim.port}`, `[::1]:${sim.port}`]) {
      const own = await raw(`${sim.url}/sim/messages`, {
        method: "POST",
        headers: {
          host,
          origin: `http://${host}`,
          "sec-fetch-site": "same-origin",
          "content-type": "application/json",
        },
        body: JSON.stringify({
          account_id: account.account_id,
          from: account.owner_user_id,
          text: `hi ${host}`,
        }),
      });
      expect(own.status, host).toBe(200);
    }
    // A script (no Origin) reads the tokens; the SDK polls under a name the simulator never heard of.
    expect((await raw(`${sim.url}/sim/accounts`)).text).toContain(account.token);
    const client = new ILinkClient({ baseUrl: sim.url, token: account.token });
    const viaOtherName = await raw(`${sim.url}/ilink/bot/getupdates`, {
      method: "POST",
      headers: {
        host: `sim.internal:9000`,
        "content-type": "application/json",
        AuthorizationType: "ilink_bot_token",
        Authorization: `Bearer ${account.token}`,
      },
      body: JSON.stringify({ get_updates_buf: "" }),
    });
    expect(viaOtherName.status).toBe(200);
    expect(viaOtherName.text).toContain("hi localhost");
    const polled = await client.getUpdates("", { timeoutMs: 2_000 });
    expect(polled.msgs?.length).toBe(3);
  });

  it("answers the names given with allowedHosts, and on 0.0.0.0 the machine's own addresses", async () => {
    const wide = await startSimulator({
      host: "0.0.0.0",
      port: 0,
      realism: false,
      allowedHosts: ["sim.internal"],
    });
    try {
      const at = `http://127.0.0.1:${wide.port}`;
      for (const host of [`sim.internal:${wide.port}`, `127.0.0.1:${wide.port}`, `localhost:${wide.port}`])
        expect((await raw(`${at}/sim/accounts`, { headers: { host } })).status, host).toBe(200);
      for (const host of [
        `evil.example:${wide.port}`,
        `sim.internal:${wide.port + 1}`,
        `localhost.evil.example`,
      ])
        expect((await raw(`${at}/sim/accounts`, { headers: { host } })).status, host).toBe(403);
    } finally {
      await wide.close();
    }
  });
});

describe("doors: the admin UI and REST API", () => {
  let f: Fixture;
  let admin: Awaited<ReturnType<typeof startAdminServer>>;

  beforeAll(async () => {
    f = makeFixture();
    admin = await startAdminServer({ app: f.app, port: 0 });
  });
  afterAll(async () => {
    await admin?.close();
    await closeFixture(f);
  });

  it("refuses a rebinding Host even with the token, and a cross-origin post", async () => {
    const bearer = { authorization: `Bearer ${f.token}` };
    for (const path of ["/api/accounts", "/", "/static/admin.css"]) {
      const res = await raw(`${admin.url}${path}`, {
        headers: { ...bearer, host: `evil.example:${admin.port}` },
      });
      expect(res.status, path).toBe(403);
      expect(refusal(res).code).toBe("HOST_NOT_ALLOWED");
    }
    const post = await raw(`${admin.url}/pairing`, {
      method: "POST",
      headers: { ...bearer, "content-type": "text/plain", origin: "https://evil.example" },
      body: "code=ABCDEF",
    });
    expect(post.status).toBe(403);
    // Its own names still work.
    for (const host of [`127.0.0.1:${admin.port}`, `localhost:${admin.port}`, `[::1]:${admin.port}`])
      expect((await raw(`${admin.url}/api/accounts`, { headers: { ...bearer, host } })).status, host).toBe(
        200,
      );
  });
});

describe("doors: MCP over HTTP", () => {
  let mcp: McpHttpServer;
  const home = `${process.env.TMPDIR ?? "/tmp"}/wxagent-doors-${process.pid}`;

  beforeAll(async () => {
    mcp = await startMcpHttp({ home, port: 0, poll: false });
  });
  afterAll(async () => {
    await mcp?.close();
    const { rmSync } = await import("node:fs");
    rmSync(home, { recursive: true, force: true });
  });

  it("refuses a rebinding Host and a foreign Origin even with the token", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${mcp.token}`,
    };
    const rebound = await raw(mcp.mcpUrl, {
      method: "POST",
      headers: { ...headers, host: `evil.example:${mcp.port}` },
      body,
    });
    expect(rebound.status).toBe(403);
    expect(refusal(rebound).code).toBe("HOST_NOT_ALLOWED");
    expect(rebound.text).not.toContain("send_text");
    const foreign = await raw(mcp.mcpUrl, {
      method: "POST",
      headers: { ...headers, "content-type": "text/plain", origin: "https://evil.example" },
      body,
    });
    expect(foreign.status).toBe(403);
    const own = await raw(mcp.mcpUrl, {
      method: "POST",
      headers: { ...headers, host: `localhost:${mcp.port}` },
      body,
    });
    expect(own.status).toBe(200);
    expect(own.text).toContain("send_text");
  });
});

describe("doors: a malformed server message is isolated", () => {
  it("refuses a 20 000-deep message, moves the cursor on, and answers the messages around it, after a restart too", async () => {
    const sim = createSimulator({ realism: false, seed: 9, longPollTimeoutMs: 300 });
    const store: Store = openStore(":memory:");
    const gateways: Gateway[] = [];
    try {
      const bot = await newBot(sim);
      store.accounts.upsert({
        id: bot.account_id,
        baseUrl: "http://simulator.local",
        cdnBaseUrl: "http://simulator.local/c2c",
        token: bot.token,
        ownerUserId: bot.owner_user_id,
        state: "active",
      });
      const send = async (from: string, extra: string): Promise<void> => {
        // Written by hand: JSON.stringify itself cannot write 20 000 levels.
        const res = await sim.app.request("/sim/messages", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: `{"account_id":${JSON.stringify(bot.account_id)},"from":${JSON.stringify(from)},${extra}}`,
        });
        expect(res.status, await res.clone().text()).toBe(200);
      };
      const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
      // Same poll: a good message, the deep one, another good one.
      await send("alice@im.wechat", `"text":"before"`);
      await send("mallory@im.wechat", `"raw_items":[{"type":1,"text_item":{"text":"x"},"deep":${deep}}]`);
      await send("bob@im.wechat", `"text":"after"`);
      const start = async (): Promise<Gateway> => {
        const g = createGateway({
          store,
          agent: createEchoAgent(),
          transportFor: (a) => createILinkTransport(a, { fetch: sim.fetch }),
          delivery: { spacingMs: 0, typingStartAfterMs: 60_000 },
          logger: createLogger("test"),
        });
        gateways.push(g);
        await g.start();
        return g;
      };
      const replies = (): string[] =>
        sim.state.messages
          .filter((m) => m.direction === "outbound")
          .flatMap((m) => m.items.flatMap((i) => (i.type === "text" ? [i.text] : [])));
      const gw = await start();
      await expect.poll(replies, { timeout: 10_000 }).toEqual(expect.arrayContaining(["before", "after"]));
      // A later poll is answered too.
      await send("carol@im.wechat", `"text":"later"`);
      await expect.poll(replies, { timeout: 10_000 }).toContain("later");

      const refused = store.inbound
        .list({ accountId: bot.account_id, limit: 50 })
        .filter((m) => m.fromUserId === "mallory@im.wechat");
      expect(refused).toHaveLength(1);
      expect(refused[0]?.state).toBe("refused");
      expect(refused[0]?.stateReason).toMatch(/nested deeper than \d+ levels/);
      const status = (await gw.status()).accounts[0];
      expect(status?.consecutiveFailures).toBe(0);
      expect(status?.lastError).toBeUndefined();

      // A restart polls from the stored cursor: the deep message is not fetched again.
      await gw.stop({ drainTimeoutMs: 1_000 });
      expect(
        sim.state.accounts
          .get(bot.account_id)
          ?.queue.some((d) => d.wire.from_user_id === "mallory@im.wechat"),
      ).toBe(false);
      await start();
      await send("dave@im.wechat", `"text":"after restart"`);
      await expect.poll(replies, { timeout: 10_000 }).toContain("after restart");
      expect(
        store.inbound
          .list({ accountId: bot.account_id, limit: 50 })
          .filter((m) => m.fromUserId === "mallory@im.wechat"),
      ).toHaveLength(1);
      expect(replies().filter((r) => r === "x")).toHaveLength(0);
    } finally {
      for (const g of gateways) await g.stop({ drainTimeoutMs: 0 }).catch(() => undefined);
      sim.close();
      store.close();
    }
  });
});
