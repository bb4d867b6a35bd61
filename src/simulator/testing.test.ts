/**
 * `wxagent/simulator/testing` as an SDK user meets it: the first test is the README's example
 * ("Testing your bot offline") line for line, with the real `Bot` against the simulator.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { Bot, type BotError, isILinkError } from "../ilink/index.js";
import { isSimTestError, SimControlClient, startTestSimulator, type TestSimulator } from "./testing.js";

let sim: TestSimulator | undefined;
let bot: Bot | undefined;
afterEach(async () => {
  await bot?.stop();
  await sim?.close();
  bot = sim = undefined;
});

const texts = (items: { type: string; text?: string }[]) => items.map((i) => i.text);

describe("startTestSimulator", () => {
  it("runs the README's example: the bot's reply, then a fault its error handler sees", async () => {
    const sim = await startTestSimulator(); // in-process: no port, no network
    const bot = new Bot(sim.bot).on("message", (ctx) => ctx.reply(`you said: ${ctx.text}`));
    onTestFinished(async () => {
      await bot.stop();
      await sim.close();
    });
    const errors: BotError[] = [];
    bot.on("error", (error) => void errors.push(error));
    void bot.start();

    await sim.sendAsUser("alice@im.wechat", "hello");
    const reply = await sim.waitForReply("alice@im.wechat", { timeoutMs: 5_000 });
    assert.deepEqual(reply.items, [{ type: "text", text: "you said: hello" }]);

    // The live server refuses sends under bursts with ret -2: so does the next sendmessage here.
    await sim.injectFault({ endpoint: "sendmessage", ret: -2 });
    await sim.sendAsUser("alice@im.wechat", "again");
    await sim.sendAsUser("alice@im.wechat", "and again");
    const next = await sim.waitForReply("alice@im.wechat");
    assert.deepEqual(next.items, [{ type: "text", text: "you said: and again" }]);
    assert.equal(errors[0]?.code, "HANDLER_FAILED"); // its cause: the SDK's THROTTLED error
    const cause = errors[0]?.cause;
    expect(isILinkError(cause) && cause.code).toBe("THROTTLED");

    await bot.stop();
    await sim.close();
  });

  it("is the code the README shows, line for line (bar the imports)", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Testing your bot offline"));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    const wanted = block
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("import "));
    expect(wanted.length).toBeGreaterThan(10);
    const here = readFileSync(import.meta.filename, "utf8")
      .split("\n")
      .map((l) => l.trim());
    let at = 0;
    for (const line of wanted) {
      const found = here.indexOf(line, at);
      expect(found, `README line not in this test (in order): ${line}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });

  it("returns each reply once, in order, even those sent before the call", async () => {
    sim = await startTestSimulator();
    bot = new Bot(sim.bot).on("message", async (ctx) => {
      await ctx.reply(`1: ${ctx.text}`);
      await ctx.reply(`2: ${ctx.text}`);
    });
    void bot.start();
    await sim.sendAsUser("bob@im.wechat", "hi");
    await sim.waitForReply("bob@im.wechat");
    await sim.waitForReply("bob@im.wechat");
    const all = await sim.messagesTo("bob@im.wechat");
    expect(all.map((m) => texts(m.items))).toEqual([["1: hi"], ["2: hi"]]);
    expect(all.every((m) => m.direction === "outbound" && m.to === "bob@im.wechat")).toBe(true);
    await expect(sim.waitForReply("bob@im.wechat", { timeoutMs: 50 })).rejects.toSatisfy((e) =>
      isSimTestError(e, "SIM_WAIT_TIMEOUT"),
    );
  });

  it("delivers media as the control API describes it, and the bot downloads the same bytes", async () => {
    sim = await startTestSimulator();
    const bytes = Buffer.from("not really a png, but bytes all the same");
    const got: Buffer[] = [];
    bot = new Bot(sim.bot).on("message", async (ctx) => {
      const media = await ctx.download();
      if ("bytes" in media) got.push(media.bytes);
      await ctx.reply("thanks for the picture");
    });
    void bot.start();
    await sim.sendAsUser("carol@im.wechat", { image: { base64: bytes.toString("base64"), name: "cat.png" } });
    expect(texts((await sim.waitForReply("carol@im.wechat")).items)).toEqual(["thanks for the picture"]);
    expect(got).toEqual([bytes]);
  });

  it("listens on a loopback port for a bot given only the URL", async () => {
    sim = await startTestSimulator({ listen: true });
    expect(sim.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    bot = new Bot({ token: sim.account.token, baseUrl: sim.account.base_url }).on("message", (ctx) =>
      ctx.reply(ctx.text.toUpperCase()),
    );
    void bot.start();
    await sim.sendAsUser("dan@im.wechat", "loud");
    expect(texts((await sim.waitForReply("dan@im.wechat")).items)).toEqual(["LOUD"]);
  });

  it("expires the bot's token: start() rejects with the SDK's SESSION_EXPIRED", async () => {
    sim = await startTestSimulator();
    await sim.expireToken();
    const stopped = new Bot(sim.bot).start();
    await expect(stopped).rejects.toSatisfy((e) => isILinkError(e) && e.code === "SESSION_EXPIRED");
  });

  it("stops waiting on an abort, with the signal's reason", async () => {
    sim = await startTestSimulator();
    const abort = new AbortController();
    const waiting = sim.waitForReply("erin@im.wechat", { signal: abort.signal });
    abort.abort(new Error("test over"));
    await expect(waiting).rejects.toThrow("test over");
  });
});

describe("SimControlClient", () => {
  it("maps the control API's refusals to typed errors with the simulator's reason", async () => {
    sim = await startTestSimulator();
    const error = await sim.control
      .sendMessage({ account_id: "nobody", from: "a@im.wechat", text: "x" })
      .catch((e) => e);
    expect(isSimTestError(error, "SIM_NOT_FOUND")).toBe(true);
    expect(error).toMatchObject({ status: 404, isRetryable: false });
    expect(error.message).toBe("POST /sim/messages answered HTTP 404: unknown account_id");
    await expect(sim.injectFault({ endpoint: "nope", ret: -1 })).rejects.toSatisfy(
      (e) => isSimTestError(e, "SIM_BAD_REQUEST") && e.message.includes("endpoint must be one of"),
    );
  });

  it("says the simulator is not running when nothing answers, retryable", async () => {
    const running = await startTestSimulator({ listen: true });
    const control = new SimControlClient({ baseUrl: running.baseUrl });
    expect((await control.accounts()).map((a) => a.account_id)).toEqual([running.account.account_id]);
    await running.close();
    const error = await control.accounts().catch((e) => e);
    expect(isSimTestError(error, "SIM_UNREACHABLE")).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain(`no answer from the simulator at ${running.baseUrl}`);
  });

  it("reads back what it set: config, faults, users", async () => {
    sim = await startTestSimulator();
    const { control } = sim;
    expect((await control.setConfig({ send_quota: 3, throttle: false })).send_quota).toBe(3);
    expect((await control.config()).throttle.max_sends).toBe(0);
    const fault = await control.addFault({ endpoint: "getupdates", status: 500, count: 2 });
    const { fault_id, ...rule } = fault;
    expect(await control.faults()).toEqual([{ ...rule, id: fault_id }]);
    expect(await control.clearFaults()).toEqual({ cleared: 1 });
    const user = await control.createUser({ name: "Frank" });
    expect((await control.users()).map((u) => u.name)).toContain("Frank");
    expect(user.user_id).toMatch(/@im\.wechat$/);
  });
});
