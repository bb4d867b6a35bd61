/** examples/ run against the in-process simulator: each reply the README and the examples promise. */
import { describe, expect, it, vi } from "vitest";
import { createEchoBot } from "../../examples/echo.js";
import { createFeaturesBot } from "../../examples/features.js";
import { control, userWrites } from "../../src/simulator/testkit.js";
import { useSimRig } from "../sdk/sim-rig.js";

const rig = useSimRig();
const replies = rig.replies;

const sendMedia = (kind: "image" | "file" | "voice", name: string, bytes: string) =>
  control(rig.sim, "POST", "/messages", {
    account_id: rig.account.account_id,
    from: "a@im.wechat",
    [kind]: { name, base64: Buffer.from(bytes).toString("base64") },
  });

describe("examples", () => {
  it("echo.ts answers a text with `you said: …` and ignores an image", async () => {
    const bot = rig.track(createEchoBot(rig.options()));
    void bot.start();
    await sendMedia("image", "a.png", "pixels");
    await userWrites(rig.sim, rig.account, "a@im.wechat", "hello");
    await vi.waitFor(async () => expect(await replies("a@im.wechat")).toEqual(["you said: hello"]));
  });

  it("features.ts: commands, filters, download, bot.api, catch, and stop() from a handler", async () => {
    const b = rig.track(createFeaturesBot(rig.options()));
    const running = b.start();
    const expected: string[] = [];
    const step = async (send: () => Promise<unknown>, ...answers: string[]) => {
      await send();
      expected.push(...answers);
      await vi.waitFor(async () => expect(await replies("a@im.wechat")).toEqual(expected));
    };
    await step(() => userWrites(rig.sim, rig.account, "a@im.wechat", "/ping"), "pong");
    await step(() => userWrites(rig.sim, rig.account, "a@im.wechat", "hi"), "echo: hi");
    await step(() => userWrites(rig.sim, rig.account, "a@im.wechat", "/later"), "a message from bot.api");
    await step(() => userWrites(rig.sim, rig.account, "a@im.wechat", "/boom"), "sorry, that failed (boom)");
    await step(() => sendMedia("image", "a.png", "twelve bytes"), "an image of 12 bytes");
    await step(() => sendMedia("file", "notes.txt", "body"), "a file named notes.txt");
    await step(() => sendMedia("voice", "v.silk", "voice"), "a voice note");
    await step(() => userWrites(rig.sim, rig.account, "a@im.wechat", "/stop"), "bye");
    await expect(running).resolves.toBeUndefined();
    expect(await b.drain({ timeoutMs: 1_000 })).toBe(true);
    expect(b.isRunning).toBe(false);
  });
});
