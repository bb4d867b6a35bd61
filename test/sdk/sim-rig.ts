/**
 * A simulator per test for `Bot` tests and the examples' test: a fresh in-process simulator and
 * bot account before each test, the bot stopped (drain bounded) and the simulator closed after.
 */
import { afterEach, beforeEach } from "vitest";
import type { Bot, BotOptions } from "../../src/ilink/bot.js";
import { createSimulator, type Simulator } from "../../src/simulator/app.js";
import { control, newBot, type TestBot } from "../../src/simulator/testkit.js";

export interface SimRig {
  readonly sim: Simulator;
  readonly account: TestBot;
  /** Bot options aimed at this test's simulator. */
  options(): BotOptions;
  /** Stop this bot after the test. */
  track<B extends Bot>(bot: B): B;
  /** The texts the bot sent to `to`, oldest first ("" for a media message). */
  replies(to: string): Promise<string[]>;
}

export function useSimRig(): SimRig {
  let sim: Simulator | undefined;
  let account: TestBot | undefined;
  let bot: Bot | undefined;
  beforeEach(async () => {
    sim = createSimulator({ realism: false, seed: 1, longPollTimeoutMs: 2_000 });
    account = await newBot(sim);
  });
  afterEach(async () => {
    await bot?.stop({ drainTimeoutMs: 1_000 });
    bot = undefined;
    sim?.close();
  });
  const rig: SimRig = {
    get sim() {
      if (!sim) throw new Error("the rig is only set up inside a test");
      return sim;
    },
    get account() {
      if (!account) throw new Error("the rig is only set up inside a test");
      return account;
    },
    options: () => ({ token: rig.account.token, baseUrl: "http://simulator.local", fetch: rig.sim.fetch }),
    track(b) {
      bot = b;
      return b;
    },
    async replies(to) {
      const q = `/messages?account_id=${rig.account.account_id}&direction=outbound&user_id=${encodeURIComponent(to)}`;
      const { messages } = (await control(rig.sim, "GET", q)).body as {
        messages: { items: { text?: string }[] }[];
      };
      return messages.map((m) => m.items[0]?.text ?? "");
    },
  };
  return rig;
}
