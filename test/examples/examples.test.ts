/** examples/ run against the in-process simulator: each reply the README and the examples promise. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEchoBot } from "../../examples/echo.js";
import { createFeaturesBot } from "../../examples/features.js";
import type { Bot } from "../../src/ilink/index.js";
import { createSimulator, type Simulator } from "../../src/simulator/app.js";
import { control, newBot, type TestBot, userWrites } from "../../src/simulator/testkit.js";

let sim: Simulator;
let account: TestBot;
let bot: Bot | undefined;

const options = () => ({ token: account.token, baseUrl: "http://simulator.local", fetch: sim.fetch });

async function replies(to: string): Promise<string[]> {
  const q = `/messages?account_id=${account.account_id}&direction=outbound&user_id=${encodeURIComponent(to)}`;
  const { messages } = (await control(sim, "GET", q)).body as { messages: { items: { text?: string }[] }[] };
  return messages.map((m) => m.items[0]?.text ?? "");
}

const sendMedia = (kind: "image" | "file" | "voice", name: string, bytes: string) =>
  control(sim, "POST", "/messages", {
    account_id: account.account_id,
    from: "a@im.wechat",
    [kind]: { name, base64: Buffer.from(bytes).toString("base64") },
  });

beforeEach(async () => {
  sim = createSimulator({ realism: false, seed: 1, longPollTimeoutMs: 2_000 });
  account = await newBot(sim);
});

afterEach(async () => {
  await bot?.stop({ drainTimeoutMs: 1_000 });
  bot = undefined;
  sim.close();
});

describe("examples", () => {
  it("echo.ts answers a text with `you said: …` and ignores an image", async () => {
    bot = createEchoBot(options());
    void bot.start();
    await sendMedia("image", "a.png", "pixels");
    await userWrites(sim, account, "a@im.wechat", "hello");
    await vi.waitFor(async () => expect(await replies("a@im.wechat")).toEqual(["you said: hello"]));
  });

  it("features.ts: commands, filters, download, bot.api, catch, and stop() from a handler", async () => {
    const b = createFeaturesBot(options());
    bot = b;
    const running = b.start();
    const expected: string[] = [];
    const step = async (send: () => Promise<unknown>, ...answers: string[]) => {
      await send();
      expected.push(...answers);
      await vi.waitFor(async () => expect(await replies("a@im.wechat")).toEqual(expected));
    };
    await step(() => userWrites(sim, account, "a@im.wechat", "/ping"), "pong");
    await step(() => userWrites(sim, account, "a@im.wechat", "hi"), "echo: hi");
    await step(() => userWrites(sim, account, "a@im.wechat", "/later"), "a message from bot.api");
    await step(() => userWrites(sim, account, "a@im.wechat", "/boom"), "sorry, that failed (boom)");
    await step(() => sendMedia("image", "a.png", "twelve bytes"), "an image of 12 bytes");
    await step(() => sendMedia("file", "notes.txt", "body"), "a file named notes.txt");
    await step(() => sendMedia("voice", "v.silk", "voice"), "a voice note");
    await step(() => userWrites(sim, account, "a@im.wechat", "/stop"), "bye");
    await expect(running).resolves.toBeUndefined();
    expect(await b.drain({ timeoutMs: 1_000 })).toBe(true);
    expect(b.isRunning).toBe(false);
  });
});
