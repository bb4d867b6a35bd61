/**
 * Scheduled messages end to end: the simulator plays WeChat with realism on (a context token
 * goes stale after 24 h, 10 sends per token) on the same fake clock as the gateway, the built-in
 * agent answers through the scripted fake model, and what the contact saw is read back from
 * GET /sim/messages. A job made by the agent's `schedule` tool fires and arrives; one that falls
 * outside the 24 h window waits in the outbox and arrives after the contact writes.
 */
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import {
  type FakeOpenAI,
  type FakeStep,
  startFakeOpenAI,
} from "../../src/agent/builtin/testing/fake-openai.js";
import { buildAgent } from "../../src/cli/agents.js";
import { configSchema } from "../../src/config/index.js";
import { ManualClock } from "../../src/gateway/delivery/manual-clock.js";
import { createGateway, createILinkTransport, type Gateway } from "../../src/gateway/index.js";
import { createAccessPolicy, profileResolver } from "../../src/gateway/policy/index.js";
import { createSimulator, type Simulator } from "../../src/simulator/index.js";
import { control, newBot } from "../../src/simulator/testkit.js";
import { ensureHome } from "../../src/store/index.js";
import { openStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";

const H = 3_600_000;
const KEY_ENV = "WXAGENT_E2E_SCHED_KEY";
const START = Date.parse("2026-05-01T00:00:00Z"); // 08:00 in Asia/Shanghai

export interface SchedRig {
  sim: Simulator;
  store: Store;
  gateway: Gateway;
  clock: ManualClock;
  ai: FakeOpenAI;
  accountId: string;
  owner: string;
  say(text: string): Promise<void>;
  /** What the owner saw from the bot, in order. */
  seen(): Promise<string[]>;
  until(what: string, check: (seen: string[]) => boolean): Promise<string[]>;
  close(): Promise<void>;
}

/** Simulator, store, built-in agent and gateway on one fake clock, as `wxagent start` wires them. */
export async function startSchedRig(script: FakeStep[]): Promise<SchedRig> {
  vi.stubEnv(KEY_ENV, "sk-sched-test");
  const clock = new ManualClock(START);
  const home = await realpath(await mkdtemp(join(tmpdir(), "wxagent-e2e-sched-")));
  const paths = ensureHome(home);
  const store = openStore(paths.dbPath, { now: () => clock.now() });
  const sim = createSimulator({ seed: 7, realism: true, longPollTimeoutMs: 300, now: () => clock.now() });
  await control(sim, "POST", "/config", { throttle: { max_sends: 0 }, redelivery_rate: 0 });
  const bot = await newBot(sim);
  const urls = (await control(sim, "GET", "/accounts")).body.accounts as {
    base_url: string;
    cdn_base_url: string;
  }[];
  store.accounts.upsert({
    id: bot.account_id,
    baseUrl: urls[0]?.base_url ?? "http://simulator.local",
    cdnBaseUrl: urls[0]?.cdn_base_url ?? "http://simulator.local/c2c",
    token: bot.token,
    ownerUserId: bot.owner_user_id,
    state: "active",
  });
  const ai = await startFakeOpenAI({ script });
  const config = configSchema.parse({
    agent: "builtin",
    builtin: {
      provider: "openai-compatible",
      model: "fake-model",
      baseUrl: ai.baseUrl,
      apiKeyEnv: KEY_ENV,
      maxRetries: 0,
    },
  });
  const agent = await buildAgent({
    choice: { kind: "builtin", why: "test", builtin: config.builtin },
    config,
    paths,
    store,
  });
  const gateway = createGateway({
    store,
    agent,
    transportFor: (a) => createILinkTransport(a, { fetch: sim.fetch }),
    accountIds: [bot.account_id],
    delivery: { spacingMs: 0, clock, typingStartAfterMs: 60_000 },
    dispatch: {
      access: createAccessPolicy({ store, profileFor: profileResolver(config, { dmPolicy: "open" }) }),
    },
    schedule: { recheckMs: 10 * 60_000 },
    now: () => clock.now(),
  });
  await gateway.start();
  const owner = bot.owner_user_id;
  const seen = async () => {
    const q = `/messages?account_id=${encodeURIComponent(bot.account_id)}&user_id=${encodeURIComponent(owner)}&direction=outbound`;
    const messages = (await control(sim, "GET", q)).body.messages as { items: { text?: string }[] }[];
    return messages.flatMap((m) => m.items.flatMap((i) => (i.text ? [i.text] : [])));
  };
  return {
    sim,
    store,
    gateway,
    clock,
    ai,
    accountId: bot.account_id,
    owner,
    async say(text) {
      const res = await control(sim, "POST", "/messages", { account_id: bot.account_id, from: owner, text });
      expect(res.status).toBe(200);
    },
    seen,
    async until(what, check) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const s = await seen();
        if (check(s)) return s;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; seen: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await gateway.stop({ drainTimeoutMs: 500 });
      await agent.close?.();
      await ai.close();
      sim.close();
      await store.close();
      await rm(home, { recursive: true, force: true });
      vi.unstubAllEnvs();
    },
  };
}

let rig: SchedRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const create = (args: Record<string, string>): FakeStep => ({
  toolCalls: [{ name: "schedule", args: { action: "create", tz: "Asia/Shanghai", ...args } }],
});

it("a reminder made by the agent's schedule tool fires at its time and arrives", async () => {
  rig = await startSchedRig([
    create({ in: "2h", text: "drink some water" }),
    { text: "OK, I will remind you at 10:00." },
  ]);
  const r = rig;
  await r.say("remind me to drink water in 2 hours");
  await r.until("the agent's answer", (s) => s.includes("OK, I will remind you at 10:00."));
  const toolResult = JSON.stringify(r.ai.requests.at(-1)?.body);
  expect(toolResult).toContain("Scheduled job #1 (once); first firing 10:00");
  expect(r.store.schedules.list({})).toMatchObject([
    { userId: r.owner, createdBy: "contact", state: "active" },
  ]);
  await r.clock.advance(2 * H - 60_000);
  expect(await r.seen()).not.toContain("⏰ drink some water");
  await r.clock.advance(120_000);
  const seen = await r.until("the reminder", (s) => s.includes("⏰ drink some water"));
  expect(seen).toEqual(["OK, I will remind you at 10:00.", "⏰ drink some water"]);
  expect(r.store.schedules.runs({}).map((x) => x.state)).toEqual(["sent"]);
});

it("a reminder due after the 24 h window closes waits in the outbox and arrives after the contact writes", async () => {
  rig = await startSchedRig([
    create({ at: "2026-05-02 12:00", text: "submit the report" }),
    { text: "Noted." },
  ]);
  const r = rig;
  await r.say("remind me tomorrow at noon to submit the report");
  await r.until("the agent's answer", (s) => s.includes("Noted."));
  expect(JSON.stringify(r.ai.requests.at(-1)?.body)).toContain("write to you at least once a day");
  // 22 h after the message: the warning, while the window is still open.
  await r.clock.advance(22 * H + 60_000);
  await r.until("the window warning", (s) => s.some((t) => t.includes("once a day")));
  // 28 h after: the firing is due, the window closed 4 h ago; nothing is tried, it is held.
  await r.clock.advance(6 * H);
  await r.gateway.pokeSchedule();
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect((await r.seen()).some((t) => t.includes("submit the report"))).toBe(false);
  expect(r.store.schedules.runs({})[0]).toMatchObject({ state: "held" });
  await r.clock.advance(2 * H);
  await r.say("good morning");
  const seen = await r.until("the held reminder", (s) => s.some((t) => t.includes("submit the report")));
  expect(seen.slice(0, 3)).toEqual([
    "Noted.",
    "⏰ Your scheduled message needs you to write to me once a day (WeChat lets a bot write only within 24 h of your last message). The next one is 12:00. Reply anything to keep it coming.",
    "⏰ (due 12:00; held until you wrote again)\nsubmit the report",
  ]);
});
