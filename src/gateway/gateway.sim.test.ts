/**
 * End to end against the simulator in-process: the iLink transport over the SDK client, the real
 * store (SQLite in memory), real delivery, the echo agent.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createEchoAgent } from "../agent/echo.js";
import { createSimulator, type Simulator } from "../simulator/app.js";
import { control, newBot, type TestBot } from "../simulator/testkit.js";
import { openStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { createLogger } from "../util/logger.js";
import { createGateway, type Gateway } from "./gateway.js";
import { createILinkTransport } from "./ilink-transport.js";

let sim: Simulator;
let store: Store;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.stop({ drainTimeoutMs: 1_000 });
  gateway = undefined;
  sim.close();
  store.close();
});

async function setup(maxTurns: number): Promise<TestBot> {
  sim = createSimulator({ realism: false, seed: 3, longPollTimeoutMs: 1_000 });
  store = openStore(":memory:");
  const bot = await newBot(sim);
  store.accounts.upsert({
    id: bot.account_id,
    baseUrl: "http://simulator.local",
    cdnBaseUrl: "http://simulator.local/c2c",
    token: bot.token,
    ownerUserId: bot.owner_user_id,
    state: "active",
  });
  gateway = createGateway({
    store,
    agent: createEchoAgent(),
    transportFor: (account) => createILinkTransport(account, { fetch: sim.fetch }),
    delivery: { spacingMs: 0, typingStartAfterMs: 60_000 },
    maxTurns,
    logger: createLogger("test"),
  });
  await gateway.start();
  return bot;
}

interface SimMessage {
  to: string;
  items: { type: string; text?: string }[];
}

describe("gateway against the simulator", () => {
  it("answers 50 contacts × 20 messages exactly once each, in order per contact", async () => {
    const bot = await setup(8);
    const contacts = Array.from({ length: 50 }, (_, i) => `user${i}@im.wechat`);
    const writes: Promise<unknown>[] = [];
    for (let n = 0; n < 20; n++) {
      for (const from of contacts) {
        writes.push(
          control(sim, "POST", "/messages", { account_id: bot.account_id, from, text: `${from} #${n}` }),
        );
      }
    }
    await Promise.all(writes);
    const outbound = async (): Promise<SimMessage[]> =>
      (await control(sim, "GET", `/messages?account_id=${bot.account_id}&direction=outbound`)).body
        .messages as SimMessage[];
    await vi.waitFor(async () => expect(await outbound()).toHaveLength(1_000), {
      timeout: 60_000,
      interval: 200,
    });
    const all = await outbound();
    for (const from of contacts) {
      const texts = all.filter((m) => m.to === from).map((m) => m.items[0]?.text);
      expect(texts).toEqual(Array.from({ length: 20 }, (_, n) => `${from} #${n}`));
    }
    expect(store.inbound.unfinished(bot.account_id)).toEqual([]);
    expect(gateway?.status().accounts[0]).toMatchObject({
      polling: "polling",
      expired: false,
      queueDepth: 0,
    });
  }, 90_000);

  it("answers a message once although the simulator redelivers it with the same, an empty and a new id", async () => {
    const bot = await setup(2);
    const from = "dup@im.wechat";
    const sent = await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from,
      text: "only once",
    });
    const messageId = String(sent.body.message_id);
    const answers = async (): Promise<SimMessage[]> =>
      (await control(sim, "GET", `/messages?account_id=${bot.account_id}&direction=outbound`)).body
        .messages as SimMessage[];
    await vi.waitFor(async () => expect(await answers()).toHaveLength(1));
    for (const id_mode of ["same", "empty", "new"]) {
      const r = await control(sim, "POST", "/faults", {
        redeliver: { account_id: bot.account_id, message_id: messageId, id_mode },
      });
      expect(r.status).toBe(200);
    }
    // a later genuine message proves the redeliveries were polled before it
    await control(sim, "POST", "/messages", { account_id: bot.account_id, from, text: "second" });
    await vi.waitFor(async () => expect(await answers()).toHaveLength(2));
    expect((await answers()).map((m) => m.items[0]?.text)).toEqual(["only once", "second"]);
    expect(store.inbound.list({ accountId: bot.account_id })).toHaveLength(2);
  });

  it("marks the account expired when the simulator expires its token, and keeps the process up", async () => {
    const bot = await setup(2);
    const events: string[] = [];
    gateway?.on((e) => {
      if (e.type === "expired") events.push(e.accountId);
    });
    await control(sim, "POST", "/faults", { expire_token: bot.account_id });
    await vi.waitFor(() => expect(events).toEqual([bot.account_id]), { timeout: 10_000 });
    const s = gateway?.status().accounts[0];
    expect(s).toMatchObject({ expired: true, state: "expired" });
    expect(s?.fix).toContain("wxagent login");
  });
});
