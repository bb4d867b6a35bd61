import { afterEach, describe, expect, it } from "vitest";
import { verifies } from "../../test/protocol/requirements.js";
import { createSimulator, type Simulator } from "./app.js";
import { startSimulator } from "./server.js";
import {
  botHeaders,
  callApi,
  control,
  getUpdates,
  type Json,
  newBot,
  sendText,
  userWrites,
} from "./testkit.js";

const USER = "alice@im.wechat";
let sim: Simulator;
afterEach(() => sim?.close());
const make = (): Simulator => {
  sim = createSimulator({ seed: 4, realism: false, longPollTimeoutMs: 100 });
  return sim;
};

describe("control API", () => {
  it("accounts and users", async () => {
    make();
    const made = await control(sim, "POST", "/accounts", { name: "helper" });
    expect(made.body).toMatchObject({
      base_url: "http://simulator.local",
      cdn_base_url: "http://simulator.local/c2c",
    });
    expect(made.body.account_id).toMatch(/@im\.bot$/);
    expect(made.body.owner_user_id).toMatch(/@im\.wechat$/);
    const user = await control(sim, "POST", "/users", { name: "Bob" });
    expect(user.body.user_id).toMatch(/@im\.wechat$/);
    const owned = await control(sim, "POST", "/accounts", { owner_user_id: user.body.user_id });
    expect(owned.body.owner_user_id).toBe(user.body.user_id);
    const list = (await control(sim, "GET", "/accounts")).body.accounts as Json[];
    expect(list.map((a) => [a.name, a.state, a.token])).toEqual([
      ["helper", "active", made.body.token],
      ["bot-2", "active", owned.body.token],
    ]);
    expect((await control(sim, "POST", "/users", { name: 5 })).status).toBe(400);
  });

  it("messages: validation, filters and items", async () => {
    make();
    const bot = await newBot(sim);
    expect(
      (await control(sim, "POST", "/messages", { account_id: "x@im.bot", from: USER, text: "a" })).status,
    ).toBe(404);
    expect((await control(sim, "POST", "/messages", { account_id: bot.account_id, from: USER })).status).toBe(
      400,
    );
    expect((await control(sim, "POST", "/messages", { account_id: bot.account_id, text: "a" })).status).toBe(
      400,
    );
    expect(
      (
        await control(sim, "POST", "/messages", {
          account_id: bot.account_id,
          from: USER,
          image: { name: "a" },
        })
      ).status,
    ).toBe(400);
    const voice = await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: USER,
      voice: { transcript: "only words" },
      group_id: "g1",
    });
    expect(voice.status).toBe(200);
    const { context_token } = await userWrites(sim, bot, "bob@im.wechat", "hi");
    await sendText(sim, bot, "bob@im.wechat", "hello bob", context_token, "cid");
    const alice = (await control(sim, "GET", `/messages?user_id=${USER}`)).body.messages as Json[];
    expect(alice).toEqual([
      expect.objectContaining({
        direction: "inbound",
        from: USER,
        group_id: "g1",
        items: [{ type: "voice", transcript: "only words", playtime_ms: 1000 }],
      }),
    ]);
    const out = (await control(sim, "GET", "/messages?direction=outbound&user_id=bob@im.wechat")).body
      .messages as Json[];
    expect(out.map((m) => m.client_id)).toEqual(["cid"]);
    expect(((await control(sim, "GET", "/messages")).body.messages as Json[]).length).toBe(3);
  });

  it("serves the chat page at / with its script and styles", async () => {
    make();
    const res = await sim.app.request("/");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('id="wx-boot"');
    expect((await sim.app.request("/chat/app.js")).headers.get("content-type")).toContain("javascript");
  });
});

describe("faults", () => {
  it(`HTTP status and ret for the next N calls, then normal again ${verifies("fault:injection")}`, async () => {
    make();
    const bot = await newBot(sim);
    const { context_token } = await userWrites(sim, bot, USER, "hi");
    const added = await control(sim, "POST", "/faults", { endpoint: "sendmessage", status: 503, count: 2 });
    expect(added.body).toMatchObject({ endpoint: "sendmessage", remaining: 2, status: 503 });
    expect((await sendText(sim, bot, USER, "a", context_token)).status).toBe(503);
    expect((await sendText(sim, bot, USER, "a", context_token)).status).toBe(503);
    expect((await sendText(sim, bot, USER, "a", context_token)).body.ret).toBe(0);
    await control(sim, "POST", "/faults", { endpoint: "ilink/bot/getupdates", ret: -2, errmsg: "busy" });
    expect((await getUpdates(sim, bot)).body).toEqual({ ret: -2, errcode: -2, errmsg: "busy" });
    await control(sim, "POST", "/faults", { endpoint: "cdn_download", status: 500 });
    expect((await sim.fetch("/c2c/download?encrypted_query_param=x")).status).toBe(500);
    // Only the named bot's calls.
    const other = await newBot(sim);
    await control(sim, "POST", "/faults", { endpoint: "getupdates", ret: -2, account_id: other.account_id });
    expect((await getUpdates(sim, bot)).body.ret).toBe(0);
    expect((await getUpdates(sim, other)).body.ret).toBe(-2);
    // Cleared faults do nothing.
    await control(sim, "POST", "/faults", { endpoint: "*", status: 500, count: 5 });
    expect((await control(sim, "DELETE", "/faults")).body.cleared).toBe(1);
    expect((await getUpdates(sim, bot)).status).toBe(200);
    for (const bad of [
      { endpoint: "nope", status: 500 },
      { endpoint: "getupdates" },
      { endpoint: "getupdates", status: 42 },
    ])
      expect((await control(sim, "POST", "/faults", bad)).status).toBe(400);
  });

  it(`latency and dropped connections (in-process) ${verifies("fault:injection")}`, async () => {
    make();
    const bot = await newBot(sim);
    await control(sim, "POST", "/faults", { endpoint: "getconfig", latency_ms: 60 });
    const t0 = Date.now();
    await callApi(sim, "ilink/bot/getconfig", bot.token, { ilink_user_id: USER });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    await control(sim, "POST", "/faults", { endpoint: "sendtyping", drop: true });
    const dropped = sim.fetch("http://simulator.local/ilink/bot/sendtyping", {
      method: "POST",
      headers: botHeaders(bot.token),
      body: "{}",
    });
    await expect(dropped).rejects.toThrow(TypeError);
  });

  it(`redeliver: queued again with the same, empty or new id ${verifies("poll:redelivery")}`, async () => {
    make();
    const bot = await newBot(sim);
    const sent = await userWrites(sim, bot, USER, "again please");
    const first = await getUpdates(sim, bot);
    const cursor = first.body.get_updates_buf as string;
    for (const id_mode of ["same", "empty", "new"] as const) {
      const res = await control(sim, "POST", "/faults", {
        redeliver: { account_id: bot.account_id, id_mode },
      });
      expect(res.body).toMatchObject({ redelivered: sent.message_id, id_mode });
    }
    const copies = (await getUpdates(sim, bot, cursor)).body.msgs as Json[];
    expect(copies.map((m) => m.message_id === sent.message_id)).toEqual([true, false, false]);
    expect(copies[1]?.message_id).toBeUndefined();
    expect(copies[2]?.message_id).toMatch(/^\d{19}$/);
    expect((await control(sim, "POST", "/faults", { redeliver: { account_id: "x" } })).status).toBe(400);
  });

  it(`expire_token makes every call -14 ${verifies("err:-14")}`, async () => {
    make();
    const bot = await newBot(sim);
    const held = getUpdates(sim, bot);
    await control(sim, "POST", "/faults", { expire_token: bot.account_id });
    expect((await held).body).toMatchObject({ ret: -14, errcode: -14 });
  });
});

describe("events", () => {
  it(`GET /sim/events streams what happens ${verifies("sim:events")}`, async () => {
    make();
    const res = await sim.app.request("/sim/events");
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const bot = await newBot(sim);
    await userWrites(sim, bot, USER, "hi");
    let text = "";
    const decoder = new TextDecoder();
    while (!text.includes("event: message.inbound")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toContain("event: hello");
    expect(text).toContain("event: account.created");
    expect(text).toMatch(/event: message\.inbound\ndata: \{[^\n]*"text":"hi"/);
    sim.close();
    await reader.cancel();
  });
});

describe("startSimulator (loopback)", () => {
  it(`writes its real URL into baseurl and upload URLs, and drops sockets ${verifies("fault:injection")}`, async () => {
    const running = await startSimulator({ port: 0, realism: false, seed: 1, longPollTimeoutMs: 200 });
    try {
      expect(running.url).toBe(`http://127.0.0.1:${running.port}`);
      const accounts = await fetch(`${running.url}/sim/accounts`, { method: "POST", body: "{}" });
      const bot = (await accounts.json()) as Json;
      expect(bot.base_url).toBe(running.url);
      await fetch(`${running.url}/sim/messages`, {
        method: "POST",
        body: JSON.stringify({ account_id: bot.account_id, from: USER, text: "hi" }),
      });
      const ticket = await fetch(`${running.url}/ilink/bot/getuploadurl`, {
        method: "POST",
        headers: botHeaders(bot.token as string),
        body: JSON.stringify({
          filekey: "0".repeat(32),
          media_type: 3,
          to_user_id: USER,
          rawsize: 1,
          rawfilemd5: "0".repeat(32),
          filesize: 16,
          aeskey: "1".repeat(32),
        }),
      });
      expect(((await ticket.json()) as Json).upload_full_url).toMatch(
        new RegExp(`^${running.url}/c2c/upload\\?`),
      );
      await fetch(`${running.url}/sim/faults`, {
        method: "POST",
        body: JSON.stringify({ endpoint: "getupdates", drop: true }),
      });
      const dropped = fetch(`${running.url}/ilink/bot/getupdates`, {
        method: "POST",
        headers: botHeaders(bot.token as string),
        body: JSON.stringify({ get_updates_buf: "" }),
      });
      await expect(dropped).rejects.toThrow(/fetch failed/);
      const ok = await fetch(`${running.url}/ilink/bot/getupdates`, {
        method: "POST",
        headers: botHeaders(bot.token as string),
        body: JSON.stringify({ get_updates_buf: "" }),
      });
      expect(((await ok.json()) as Json).ret).toBe(0);
    } finally {
      await running.close();
    }
  });
});
