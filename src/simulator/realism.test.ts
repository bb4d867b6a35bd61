import { afterEach, describe, expect, it } from "vitest";
import { verifies } from "../../test/protocol/requirements.js";
import { createSimulator, type Simulator } from "./app.js";
import { control, getUpdates, type Json, newBot, sendText, userWrites } from "./testkit.js";

const USER = "alice@im.wechat";
let sims: Simulator[] = [];
let clock = 0;
afterEach(() => {
  for (const s of sims) s.close();
  sims = [];
});

function make(opts: { realism?: boolean; seed?: number } = {}): Simulator {
  clock = 1_700_000_000_000;
  const sim = createSimulator({
    seed: opts.seed ?? 3,
    realism: opts.realism ?? true,
    now: () => clock,
    longPollTimeoutMs: 100,
  });
  sims.push(sim);
  return sim;
}

/** Realism on, but only the rule under test: no redelivery dice, throttle off unless asked. */
async function only(sim: Simulator, config: Json): Promise<void> {
  const res = await control(sim, "POST", "/config", { redelivery_rate: 0, throttle: false, ...config });
  expect(res.status).toBe(200);
}

describe("realism", () => {
  it(`10 sends per context token, then -2 until the user writes again ${verifies("send:quota")}`, async () => {
    const sim = make();
    await only(sim, {});
    const bot = await newBot(sim);
    const { context_token } = await userWrites(sim, bot, USER, "hi");
    for (let i = 0; i < 10; i++)
      expect((await sendText(sim, bot, USER, `r${i}`, context_token)).body.ret).toBe(0);
    const over = await sendText(sim, bot, USER, "r10", context_token);
    expect(over.body).toMatchObject({ ret: -2, errcode: -2, errmsg: "rate limited" });
    const fresh = await userWrites(sim, bot, USER, "continue");
    expect((await sendText(sim, bot, USER, "r10", fresh.context_token)).body.ret).toBe(0);
    await control(sim, "POST", "/config", { send_quota: 2 });
    const small = await userWrites(sim, bot, USER, "again");
    await sendText(sim, bot, USER, "a", small.context_token);
    await sendText(sim, bot, USER, "b", small.context_token);
    expect((await sendText(sim, bot, USER, "c", small.context_token)).body.ret).toBe(-2);
  });

  it(`bursts above 3/s per user get -2 prepare failed; retries extend the penalty ${verifies("send:throttle")}`, async () => {
    const sim = make();
    await only(sim, { throttle: { max_sends: 3, window_ms: 1_000, penalty_ms: 1_000 } });
    const bot = await newBot(sim);
    const { context_token } = await userWrites(sim, bot, USER, "hi");
    for (let i = 0; i < 3; i++)
      expect((await sendText(sim, bot, USER, `${i}`, context_token)).body.ret).toBe(0);
    expect((await sendText(sim, bot, USER, "4", context_token)).body).toMatchObject({
      ret: -2,
      errmsg: "prepare failed",
    });
    clock += 900;
    // Retrying while penalised pushes the end further out.
    expect((await sendText(sim, bot, USER, "4", context_token)).body.ret).toBe(-2);
    clock += 300;
    expect((await sendText(sim, bot, USER, "4", context_token)).body.ret).toBe(-2);
    clock += 2_000;
    expect((await sendText(sim, bot, USER, "4", context_token)).body.ret).toBe(0);
    // Another user is not affected by alice's burst.
    const bob = await userWrites(sim, bot, "bob@im.wechat", "hi");
    expect((await sendText(sim, bot, "bob@im.wechat", "x", bob.context_token)).body.ret).toBe(0);
  });

  it(`text above the limit → -2 prepare failed ${verifies("send:text-limit")}`, async () => {
    const sim = make();
    await only(sim, { text_limit: 50 });
    const bot = await newBot(sim);
    const { context_token } = await userWrites(sim, bot, USER, "hi");
    expect((await sendText(sim, bot, USER, "x".repeat(50), context_token)).body.ret).toBe(0);
    expect((await sendText(sim, bot, USER, "x".repeat(51), context_token)).body).toMatchObject({
      ret: -2,
      errmsg: "prepare failed",
    });
  });

  it(`a stale context token → -2 ${verifies("send:context-token")}`, async () => {
    const sim = make();
    await only(sim, { context_token_lifetime_ms: 60_000 });
    const bot = await newBot(sim);
    const { context_token } = await userWrites(sim, bot, USER, "hi");
    clock += 60_001;
    expect((await sendText(sim, bot, USER, "late", context_token)).body).toMatchObject({
      ret: -2,
      errmsg: "unknown error",
    });
  });

  it(`a second bot bound by the same user kicks the first (-14) ${verifies("err:rebind-kick", "err:-14")}`, async () => {
    const sim = make();
    const first = await newBot(sim);
    const qr = (await (await sim.app.request("/ilink/bot/get_bot_qrcode?bot_type=3")).json()) as Json;
    await control(sim, "POST", `/qr/${qr.qrcode}/scan`, { user_id: first.owner_user_id });
    await control(sim, "POST", `/qr/${qr.qrcode}/confirm`);
    const kicked = await getUpdates(sim, first);
    expect(kicked.body).toMatchObject({ ret: -14, errcode: -14 });
    const accounts = (await control(sim, "GET", "/accounts")).body.accounts as Json[];
    expect(accounts.map((a) => a.state)).toEqual(["expired", "active"]);
  });

  it(`occasionally redelivers a message later, same/empty/new id ${verifies("poll:redelivery")}`, async () => {
    const sim = make({ seed: 11 });
    await only(sim, { redelivery_rate: 1, redelivery_delay_ms: [10, 20] });
    const bot = await newBot(sim);
    const modes = new Set<string>();
    let cursor = "";
    for (let i = 0; i < 12; i++) {
      await control(sim, "POST", "/config", { redelivery_rate: 1 });
      const sent = await userWrites(sim, bot, USER, `m${i}`);
      const first = await getUpdates(sim, bot, cursor);
      cursor = first.body.get_updates_buf as string;
      expect((first.body.msgs as Json[]).map((m) => m.message_id)).toEqual([sent.message_id]);
      // No dice for the copy itself; past the cursor it arrives a few (here: 10–20) ms later.
      await control(sim, "POST", "/config", { redelivery_rate: 0 });
      const again = await getUpdates(sim, bot, cursor);
      cursor = again.body.get_updates_buf as string;
      const [copy] = again.body.msgs as Json[];
      expect(copy?.context_token).toBe(sent.context_token);
      expect(copy?.item_list).toEqual([{ type: 1, text_item: { text: `m${i}` } }]);
      modes.add(
        copy?.message_id === sent.message_id ? "same" : copy?.message_id === undefined ? "empty" : "new",
      );
    }
    expect([...modes].sort()).toEqual(["empty", "new", "same"]);
  });

  it(`the same seed gives the same ids, tokens and dice ${verifies("sim:seed")}`, async () => {
    const run = async (seed: number): Promise<unknown[]> => {
      const sim = make({ seed });
      await control(sim, "POST", "/config", { redelivery_rate: 0.5, redelivery_delay_ms: [1000, 5000] });
      const bot = await newBot(sim);
      const a = await userWrites(sim, bot, USER, "x");
      const b = await userWrites(sim, bot, USER, "y");
      await getUpdates(sim, bot);
      const events = sim.state.timers.size;
      return [bot, a, b, events];
    };
    const one = await run(5);
    expect(await run(5)).toEqual(one);
    expect(await run(6)).not.toEqual(one);
    const sim = make({ seed: 9 });
    expect(((await control(sim, "GET", "/config")).body.config as Json).seed).toBe(9);
  });

  it(`realism off: no quota, throttle, limit, redelivery or kick ${verifies("sim:realism-off")}`, async () => {
    const sim = make({ realism: false });
    await control(sim, "POST", "/config", { redelivery_rate: 1, text_limit: 5, send_quota: 1 });
    const bot = await newBot(sim);
    const { context_token } = await userWrites(sim, bot, USER, "hi");
    for (let i = 0; i < 20; i++)
      expect((await sendText(sim, bot, USER, "long text over five", context_token)).body.ret).toBe(0);
    const first = await getUpdates(sim, bot);
    expect(sim.state.timers.size).toBe(0);
    expect((await getUpdates(sim, bot, first.body.get_updates_buf as string)).body.msgs).toEqual([]);
    const qr = (await (await sim.app.request("/ilink/bot/get_bot_qrcode")).json()) as Json;
    await control(sim, "POST", `/qr/${qr.qrcode}/scan`, { user_id: bot.owner_user_id });
    await control(sim, "POST", `/qr/${qr.qrcode}/confirm`);
    expect((await getUpdates(sim, bot, first.body.get_updates_buf as string)).body.ret).toBe(0);
  });

  it("rejects malformed config with the field names", async () => {
    const sim = make();
    const res = await control(sim, "POST", "/config", {
      send_quota: -1,
      throttle: { window_ms: "x" },
      realism: "yes",
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/realism.*send_quota.*throttle\.window_ms/);
  });
});
