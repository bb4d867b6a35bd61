import { describe, expect, it, vi } from "vitest";
import { Bot, type BotError } from "../../src/ilink/bot.js";
import { control, userWrites } from "../../src/simulator/testkit.js";
import { useSimRig } from "./sim-rig.js";

const rig = useSimRig();
const outboundTexts = rig.replies;

function makeBot(): Bot {
  return rig.track(new Bot({ ...rig.options(), retryDelayMs: 10 }));
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

describe("Bot middleware, filters and api", () => {
  it("routes by item type, runs use() middleware around on() handlers, and replies via ctx.api", async () => {
    const log: string[] = [];
    const b = makeBot()
      .use(async (ctx, next) => {
        log.push(`in ${ctx.from}`);
        await next();
        log.push("out");
      })
      .on("message:image", (ctx) =>
        ctx.reply(`image ${ctx.imageItem.image_item.url ? "with url" : "via cdn"}`),
      )
      .on("message:text", (ctx) => ctx.api.sendText(ctx.from, `text ${ctx.textItem.text_item.text}`));
    void b.start();
    await control(rig.sim, "POST", "/messages", {
      account_id: rig.account.account_id,
      from: "a@im.wechat",
      image: { name: "a.png", base64: Buffer.from("not really a png").toString("base64") },
    });
    await userWrites(rig.sim, rig.account, "a@im.wechat", "hello");
    await vi.waitFor(async () =>
      expect(await outboundTexts("a@im.wechat")).toEqual(["image via cdn", "text hello"]),
    );
    expect(log).toEqual(["in a@im.wechat", "out", "in a@im.wechat", "out"]);
  });

  it("bot.catch receives a BotError with the ctx; the chain ends there and polling goes on", async () => {
    const caught: BotError[] = [];
    const after: string[] = [];
    const b = makeBot()
      .on("message", async (ctx, next) => {
        if (ctx.text === "bad") throw new Error("boom");
        await next();
      })
      .use((ctx) => void after.push(ctx.text))
      .catch((err) => void caught.push(err));
    void b.start();
    await userWrites(rig.sim, rig.account, "a@im.wechat", "bad");
    await userWrites(rig.sim, rig.account, "a@im.wechat", "good");
    await vi.waitFor(() => expect(after).toEqual(["good"]));
    expect(caught.map((e) => [e.code, e.ctx.text, (e.error as Error).message])).toEqual([
      ["HANDLER_FAILED", "bad", "boom"],
    ]);
  });

  it("bot.api sends outside any handler", async () => {
    const b = makeBot();
    const inbound = await userWrites(rig.sim, rig.account, "z@im.wechat", "notify me");
    await b.api.sendText("z@im.wechat", "proactive", { contextToken: inbound.context_token });
    expect(await outboundTexts("z@im.wechat")).toEqual(["proactive"]);
  });

  it("await bot.stop() inside a handler returns, ends polling, and the handler goes on", async () => {
    const steps: string[] = [];
    const b = makeBot().on("message:text", async (ctx) => {
      steps.push("stopping");
      await b.stop();
      steps.push(`stopped, running=${b.isRunning}`);
      await ctx.api.sendText(ctx.from, "bye", { signal: new AbortController().signal });
    });
    const running = b.start();
    await userWrites(rig.sim, rig.account, "a@im.wechat", "/stop");
    await vi.waitFor(() => expect(steps).toEqual(["stopping", "stopped, running=false"]));
    await expect(running).resolves.toBeUndefined();
    expect(await b.drain({ timeoutMs: 2_000 })).toBe(true);
    expect(await outboundTexts("a@im.wechat")).toEqual(["bye"]);
  });

  it("drain({ timeoutMs }) reports false while a handler runs past it, true once all ended", async () => {
    const slow = gate();
    const entered = gate();
    const b = makeBot().on("message", async () => {
      entered.open();
      await slow.wait;
    });
    void b.start();
    await userWrites(rig.sim, rig.account, "a@im.wechat", "x");
    await entered.wait;
    expect(await b.drain({ timeoutMs: 30 })).toBe(false);
    slow.open();
    expect(await b.drain()).toBe(true);
  });

  it("drain() inside a handler waits for other contacts but not for itself", async () => {
    const other = gate();
    const bEntered = gate();
    const events: string[] = [];
    const b = makeBot().on("message:text", async (ctx) => {
      if (ctx.from === "b@im.wechat") {
        bEntered.open();
        await other.wait;
        events.push("b done");
        return;
      }
      const drained = b.drain({ timeoutMs: 5_000 });
      setTimeout(other.open, 20);
      events.push(`a drained=${await drained}`);
    });
    void b.start();
    await userWrites(rig.sim, rig.account, "b@im.wechat", "slow");
    await bEntered.wait;
    await userWrites(rig.sim, rig.account, "a@im.wechat", "drain");
    await vi.waitFor(() => expect(events).toEqual(["b done", "a drained=true"]));
  });
});
