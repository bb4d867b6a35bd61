import { afterEach, describe, expect, it, vi } from "vitest";
import { verifies } from "../../test/protocol/requirements.js";
import { createSimulator, type Simulator } from "./app.js";
import { callApi, control, getUpdates, type Json, newBot, sendText, userWrites } from "./testkit.js";

let sim: Simulator;
afterEach(() => {
  sim.close();
  vi.useRealTimers();
});

const USER = "alice@im.wechat";
const make = (longPollTimeoutMs = 100): Simulator => {
  sim = createSimulator({ seed: 1, realism: false, longPollTimeoutMs });
  return sim;
};

describe("getupdates", () => {
  it(`delivers user messages in the live shape with uint64 ids ${verifies("poll:message-shape", "ids:uint64")}`, async () => {
    make();
    const bot = await newBot(sim);
    const sent = await userWrites(sim, bot, USER, "hello");
    const res = await getUpdates(sim, bot);
    expect(res.status).toBe(200);
    // Raw digits in the JSON text, above 2^53.
    expect(res.text).toContain(`"message_id":${sent.message_id}`);
    expect(BigInt(sent.message_id) > 2n ** 53n).toBe(true);
    expect(res.body).toMatchObject({ ret: 0, longpolling_timeout_ms: 100 });
    const [msg] = res.body.msgs as Json[];
    expect(msg).toMatchObject({
      seq: 1,
      message_id: sent.message_id,
      from_user_id: USER,
      to_user_id: bot.account_id,
      message_type: 1,
      context_token: sent.context_token,
      item_list: [{ type: 1, text_item: { text: "hello" } }],
    });
    expect(typeof msg?.create_time_ms).toBe("number");
    const second = await userWrites(sim, bot, USER, "again");
    expect(second.context_token).not.toBe(sent.context_token);
  });

  it(`keeps messages until a cursor past them; an old cursor redelivers ${verifies("poll:cursor")}`, async () => {
    make();
    const bot = await newBot(sim);
    await userWrites(sim, bot, USER, "one");
    const first = await getUpdates(sim, bot, "");
    const c1 = first.body.get_updates_buf as string;
    expect(c1).not.toBe("");
    // Same (empty) cursor again: nothing was acknowledged, so the message comes again.
    expect(((await getUpdates(sim, bot, "")).body.msgs as Json[]).length).toBe(1);
    await userWrites(sim, bot, USER, "two");
    const next = await getUpdates(sim, bot, c1);
    expect((next.body.msgs as Json[]).map((m) => (m.item_list as Json[])[0])).toEqual([
      { type: 1, text_item: { text: "two" } },
    ]);
    // c1 acknowledged "one": an empty cursor now starts after it.
    expect(((await getUpdates(sim, bot, "")).body.msgs as Json[]).length).toBe(1);
    const c2 = next.body.get_updates_buf as string;
    expect((await getUpdates(sim, bot, c2)).body.msgs).toEqual([]);
    // A foreign or garbage cursor is read as "from the last acknowledgement".
    expect((await getUpdates(sim, bot, "garbage!")).body.msgs).toEqual([]);
  });

  it(`holds until a message arrives ${verifies("poll:longpoll-timeout")}`, async () => {
    make(35_000);
    const bot = await newBot(sim);
    const pending = getUpdates(sim, bot);
    await new Promise((r) => setTimeout(r, 20));
    await userWrites(sim, bot, USER, "wake up");
    const res = await pending;
    expect((res.body.msgs as Json[]).length).toBe(1);
    expect(res.body.longpolling_timeout_ms).toBe(35_000);
  });

  it(`answers empty a little before longpolling_timeout_ms (fake clock) ${verifies("poll:longpoll-timeout")}`, async () => {
    vi.useFakeTimers();
    make(35_000);
    const bot = await newBot(sim);
    let done = false;
    const pending = getUpdates(sim, bot).then((r) => {
      done = true;
      return r;
    });
    await vi.advanceTimersByTimeAsync(31_900);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(done).toBe(true);
    const res = await pending;
    expect(res.body).toMatchObject({ ret: 0, msgs: [], longpolling_timeout_ms: 35_000 });
  });

  it("releases a held poll when the client aborts", async () => {
    make(35_000);
    const bot = await newBot(sim);
    const ac = new AbortController();
    const pending = sim.fetch("http://any.host/ilink/bot/getupdates", {
      method: "POST",
      headers: { AuthorizationType: "ilink_bot_token", Authorization: `Bearer ${bot.token}` },
      body: JSON.stringify({ get_updates_buf: "" }),
      signal: ac.signal,
    });
    ac.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    expect(sim.state.accounts.get(bot.account_id)?.waiters.size).toBe(0);
  });
});

describe("sendmessage", () => {
  it(`answers ret 0 with a numeric message_id and records the reply ${verifies("send:message-id")}`, async () => {
    make();
    const bot = await newBot(sim);
    const inbound = await userWrites(sim, bot, USER, "hi");
    const res = await sendText(sim, bot, USER, "hello back", inbound.context_token, "cid-1");
    expect(res.body.ret).toBe(0);
    expect(res.text).toMatch(/"message_id":\d{19}/);
    const log = (await control(sim, "GET", `/messages?account_id=${bot.account_id}&direction=outbound`)).body;
    expect(log.messages).toEqual([
      expect.objectContaining({
        message_id: res.body.message_id,
        direction: "outbound",
        from: bot.account_id,
        to: USER,
        client_id: "cid-1",
        context_token: inbound.context_token,
        items: [{ type: "text", text: "hello back" }],
      }),
    ]);
  });

  it(`a repeated client_id is the same message ${verifies("send:client-id-dedup")}`, async () => {
    make();
    const bot = await newBot(sim);
    const inbound = await userWrites(sim, bot, USER, "hi");
    const a = await sendText(sim, bot, USER, "once", inbound.context_token, "same-id");
    const b = await sendText(sim, bot, USER, "once", inbound.context_token, "same-id");
    expect(b.body).toMatchObject({ ret: 0, message_id: a.body.message_id });
    const out = (await control(sim, "GET", "/messages?direction=outbound")).body.messages as Json[];
    expect(out.length).toBe(1);
  });

  it(`needs a known context token of that user ${verifies("send:context-token")}`, async () => {
    make();
    const bot = await newBot(sim);
    // Before the user ever wrote: refused, token or not.
    expect((await sendText(sim, bot, USER, "x", undefined)).body).toMatchObject({ ret: -2, errcode: -2 });
    const inbound = await userWrites(sim, bot, USER, "hi");
    const unknown = await sendText(sim, bot, USER, "x", "made-up-token");
    expect(unknown.body).toMatchObject({ ret: -2, errmsg: "unknown error" });
    await userWrites(sim, bot, "bob@im.wechat", "hi");
    expect((await sendText(sim, bot, "bob@im.wechat", "x", inbound.context_token)).body.ret).toBe(-2);
    expect((await sendText(sim, bot, USER, "x", inbound.context_token)).body.ret).toBe(0);
    // Tokenless send to a user who wrote before goes through (contested on the live platform).
    expect((await sendText(sim, bot, USER, "x", undefined)).body.ret).toBe(0);
  });

  it(`one item, message_type 2; no item_list is tolerated ${verifies("send:one-item")}`, async () => {
    make();
    const bot = await newBot(sim);
    const { context_token } = await userWrites(sim, bot, USER, "hi");
    const send = (msg: Json) => callApi(sim, "ilink/bot/sendmessage", bot.token, { msg });
    const base = { from_user_id: "", to_user_id: USER, message_state: 2, context_token };
    expect((await send({ ...base, message_type: 2 })).body.ret).toBe(0);
    const two = [
      { type: 1, text_item: { text: "a" } },
      { type: 3, voice_item: {} },
    ];
    expect((await send({ ...base, message_type: 2, item_list: two })).body).toMatchObject({
      ret: -2,
      errmsg: "invalid arguments",
    });
    expect((await send({ ...base, message_type: 1, item_list: [two[0]] })).body.ret).toBe(-2);
    expect((await send({ ...base, message_type: 2, message_state: 1 })).body.ret).toBe(-2);
    expect((await send({ message_type: 2 })).body.ret).toBe(-2);
  });
});

describe("getconfig, sendtyping, notify", () => {
  it(`getconfig: -4 before the user wrote, then a ticket ${verifies("config:typing-ticket")}`, async () => {
    make();
    const bot = await newBot(sim);
    const before = await callApi(sim, "ilink/bot/getconfig", bot.token, { ilink_user_id: USER });
    expect(before.body).toMatchObject({ ret: -4, errcode: -4, errmsg: "GetTypingTicket rpc failed" });
    const { context_token } = await userWrites(sim, bot, USER, "hi");
    const after = await callApi(sim, "ilink/bot/getconfig", bot.token, {
      ilink_user_id: USER,
      context_token,
    });
    expect(after.body.ret).toBe(0);
    expect(typeof after.body.typing_ticket).toBe("string");
  });

  it(`sendtyping records typing and cancel ${verifies("typing:events")}`, async () => {
    make();
    const bot = await newBot(sim);
    await userWrites(sim, bot, USER, "hi");
    const ticket = (await callApi(sim, "ilink/bot/getconfig", bot.token, { ilink_user_id: USER })).body
      .typing_ticket;
    for (const status of [1, 2]) {
      const res = await callApi(sim, "ilink/bot/sendtyping", bot.token, {
        ilink_user_id: USER,
        typing_ticket: ticket,
        status,
      });
      expect(res.body.ret).toBe(0);
    }
    const bad = await callApi(sim, "ilink/bot/sendtyping", bot.token, {
      ilink_user_id: USER,
      typing_ticket: "x",
      status: 1,
    });
    expect(bad.body.ret).toBe(-1);
    const events = (await control(sim, "GET", `/typing?account_id=${bot.account_id}&user_id=${USER}`)).body
      .events;
    expect((events as Json[]).map((e) => e.status)).toEqual(["typing", "cancel"]);
  });

  it(`notifystart/notifystop answer ret 0 and track online state ${verifies("notify:start-stop")}`, async () => {
    make();
    const bot = await newBot(sim);
    expect((await callApi(sim, "ilink/bot/msg/notifystart", bot.token, {})).body).toEqual({
      ret: 0,
      errmsg: "",
    });
    expect(((await control(sim, "GET", "/accounts")).body.accounts as Json[])[0]?.online).toBe(true);
    expect((await callApi(sim, "ilink/bot/msg/notifystop", bot.token, {})).body.ret).toBe(0);
    expect(((await control(sim, "GET", "/accounts")).body.accounts as Json[])[0]?.online).toBe(false);
  });
});

describe("auth and malformed requests", () => {
  it(`missing, unknown or expired tokens get -14 in ret and errcode ${verifies("auth:bearer", "err:-14", "err:http-200")}`, async () => {
    make();
    const bot = await newBot(sim);
    const noToken = await callApi(sim, "ilink/bot/getupdates", "", { get_updates_buf: "" });
    expect(noToken.status).toBe(200);
    expect(noToken.body).toMatchObject({ ret: -14, errcode: -14, longpolling_timeout_ms: 100 });
    expect((await callApi(sim, "ilink/bot/sendmessage", "nope", { msg: {} })).body.errcode).toBe(-14);
    const wrongType = await callApi(
      sim,
      "ilink/bot/getupdates",
      bot.token,
      { get_updates_buf: "" },
      {
        headers: { AuthorizationType: "oauth" },
      },
    );
    expect(wrongType.body).toMatchObject({ ret: -1, errcode: -1 });
    await control(sim, "POST", "/faults", { expire_token: bot.account_id });
    for (const endpoint of [
      "getupdates",
      "sendmessage",
      "getconfig",
      "getuploadurl",
      "sendtyping",
      "msg/notifystart",
    ]) {
      const res = await callApi(sim, `ilink/bot/${endpoint}`, bot.token, { get_updates_buf: "" });
      expect(res.body, endpoint).toMatchObject({ ret: -14, errcode: -14 });
    }
    expect(((await control(sim, "GET", "/accounts")).body.accounts as Json[])[0]?.state).toBe("expired");
  });

  it(`tolerates the app-header variants of real clients ${verifies("auth:app-headers")}`, async () => {
    make();
    const bot = await newBot(sim);
    for (const [appId, version] of [
      ["bot", "132105"],
      ["", "0"],
      ["bot", "65547"],
      ["bot", "131584"],
    ] as const) {
      const res = await callApi(
        sim,
        "ilink/bot/msg/notifystart",
        bot.token,
        {},
        {
          headers: { "iLink-App-Id": appId, "iLink-App-ClientVersion": version },
        },
      );
      expect(res.body.ret, `${appId}/${version}`).toBe(0);
    }
    const odd = await callApi(
      sim,
      "ilink/bot/msg/notifystart",
      bot.token,
      {},
      {
        headers: { "iLink-App-ClientVersion": "2.4.9" },
      },
    );
    expect(odd.body.errcode).toBe(-1);
  });

  it(`bad JSON, wrong types and missing fields get an errcode ${verifies("err:malformed")}`, async () => {
    make();
    const bot = await newBot(sim);
    for (const endpoint of ["getupdates", "sendmessage", "getuploadurl", "getconfig", "sendtyping"]) {
      for (const body of ["{", "[]", "null", ""]) {
        const res = await callApi(sim, `ilink/bot/${endpoint}`, bot.token, body);
        expect(res.status, `${endpoint} ${body}`).toBe(200);
        expect(res.body.errcode, `${endpoint} ${body}`).toBe(-1);
      }
    }
    expect((await callApi(sim, "ilink/bot/getupdates", bot.token, {})).body.errcode).toBe(-1);
    expect((await callApi(sim, "ilink/bot/sendmessage", bot.token, { msg: "x" })).body.ret).toBe(-2);
    expect((await callApi(sim, "ilink/bot/getconfig", bot.token, { ilink_user_id: 5 })).body.errcode).toBe(
      -1,
    );
    const typing = await callApi(sim, "ilink/bot/sendtyping", bot.token, { ilink_user_id: USER, status: 9 });
    expect(typing.body.errcode).toBe(-1);
  });
});
