/**
 * The rig of the scheduled-message tests (and of scripts/sched-day.ts). Scheduled messages end to end: the simulator plays WeChat with realism on (a context token
 * goes stale after 24 h, 10 sends per token) on the same fake clock as the gateway, the built-in
 * agent answers through the scripted fake model, and what the contact saw is read back from
 * GET /sim/messages. A job made by the agent's `schedule` tool fires and arrives; one that falls
 * outside the 24 h window waits in the outbox and arrives after the contact writes.
 */
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { addSimBotAccount } from "../../src/gateway/sim-account.test-util.js";
import { createSimulator, type Simulator } from "../../src/simulator/index.js";
import { control, newBot, waitFor } from "../../src/simulator/testkit.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome } from "../../src/store/index.js";
import { openStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";

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
  process.env[KEY_ENV] = "sk-sched-test";
  const clock = new ManualClock(START);
  const home = await realpath(await mkdtemp(join(tmpdir(), "wxagent-e2e-sched-")));
  const paths = ensureHome(home);
  const store = openStore(paths.dbPath, { now: () => clock.now() });
  const sim = createSimulator({ seed: 7, realism: true, longPollTimeoutMs: 300, now: () => clock.now() });
  await control(sim, "POST", "/config", { throttle: { max_sends: 0 }, redelivery_rate: 0 });
  const bot = await newBot(sim);
  addSimBotAccount(store, bot);
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
      access: createAccessPolicy({
        store: asyncStore(store),
        profileFor: profileResolver(config, { dmPolicy: "open" }),
      }),
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
      if (res.status !== 200)
        throw new Error(`the simulator refused the message: ${JSON.stringify(res.body)}`);
    },
    seen,
    until: (what, check) => waitFor(sim, what, seen, check),
    async close() {
      await gateway.stop({ drainTimeoutMs: 500 });
      await agent.close?.();
      await ai.close();
      sim.close();
      await store.close();
      await rm(home, { recursive: true, force: true });
      delete process.env[KEY_ENV];
    },
  };
}
