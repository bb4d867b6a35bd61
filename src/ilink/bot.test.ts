import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSimulator, type Simulator } from "../simulator/app.js";
import { control, newBot, type TestBot, userWrites } from "../simulator/testkit.js";
import { Bot } from "./bot.js";
import type { Context } from "./context.js";

let sim: Simulator;
let account: TestBot;
let bot: Bot | undefined;

interface Outbound {
  to: string;
  context_token?: string;
  items: { type: string; text?: string }[];
}

async function outbound(to?: string): Promise<Outbound[]> {
  const q = `/messages?account_id=${account.account_id}&direction=outbound${to ? `&user_id=${encodeURIComponent(to)}` : ""}`;
  return (await control(sim, "GET", q)).body.messages as Outbound[];
}

function makeBot(extra: Partial<ConstructorParameters<typeof Bot>[0]> = {}): Bot {
  bot = new Bot({ token: account.token, baseUrl: "http://simulator.local", fetch: sim.fetch, ...extra });
  return bot;
}

beforeEach(async () => {
  sim = createSimulator({ realism: false, seed: 1, longPollTimeoutMs: 2_000 });
  account = await newBot(sim);
});

afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  sim.close();
});

describe("Bot (SDK, no store)", () => {
  it("replies with ctx.reply using the message's context token and reads ctx.text / ctx.from", async () => {
    const seen: string[] = [];
    const b = makeBot().on("message", async (ctx: Context) => {
      seen.push(`${ctx.from}: ${ctx.text}`);
      await ctx.reply(`hi ${ctx.text}`);
    });
    const running = b.start();
    const sent = await userWrites(sim, account, "alice@im.wechat", "there");
    await vi.waitFor(async () => expect(await outbound("alice@im.wechat")).toHaveLength(1));
    const [out] = await outbound("alice@im.wechat");
    expect(out?.items).toEqual([expect.objectContaining({ type: "text", text: "hi there" })]);
    expect(out?.context_token).toBe(sent.context_token);
    expect(seen).toEqual(["alice@im.wechat: there"]);
    await b.stop();
    await running;
    expect(b.isRunning).toBe(false);
  });

  it("runs handlers in order per contact, and a slow contact does not hold up another", async () => {
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((r) => {
      releaseSlow = r;
    });
    const order: string[] = [];
    const b = makeBot().on("message", async (ctx) => {
      if (ctx.text === "slow") await slowGate;
      order.push(ctx.text);
    });
    void b.start();
    await userWrites(sim, account, "a@im.wechat", "slow");
    await userWrites(sim, account, "a@im.wechat", "after slow");
    await userWrites(sim, account, "b@im.wechat", "fast");
    await vi.waitFor(() => expect(order).toEqual(["fast"]));
    releaseSlow();
    await vi.waitFor(() => expect(order).toEqual(["fast", "slow", "after slow"]));
  });

  it("stop() aborts the long poll in flight and waits for handlers in flight", async () => {
    let finished = false;
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => {
      entered = r;
    });
    const b = makeBot().on("message", async () => {
      entered();
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
    });
    const running = b.start();
    await userWrites(sim, account, "a@im.wechat", "x");
    await inHandler;
    await b.stop();
    expect(finished).toBe(true);
    await expect(running).resolves.toBeUndefined();
  });

  it("persists the cursor through onCursor and resumes from it", async () => {
    const cursors: string[] = [];
    const b = makeBot({ onCursor: (c) => void cursors.push(c) });
    const got: string[] = [];
    b.on("message", (ctx) => void got.push(ctx.text));
    void b.start();
    await userWrites(sim, account, "a@im.wechat", "one");
    await vi.waitFor(() => expect(got).toEqual(["one"]));
    await b.stop();
    expect(cursors.at(-1)).toBe(b.cursor);
    expect(b.cursor).not.toBe("");
    // a second bot from the saved cursor does not see "one" again
    const again = makeBot({ cursor: cursors.at(-1) as string });
    const got2: string[] = [];
    again.on("message", (ctx) => void got2.push(ctx.text));
    void again.start();
    await userWrites(sim, account, "a@im.wechat", "two");
    await vi.waitFor(() => expect(got2).toEqual(["two"]));
  });

  it("reports a handler error to the error handler and keeps polling", async () => {
    const errors: string[] = [];
    const texts: string[] = [];
    const b = makeBot()
      .on("message", (ctx) => {
        if (ctx.text === "bad") throw new Error("boom");
        texts.push(ctx.text);
      })
      .on("error", (e) => void errors.push(`${e.code}: ${e.message}`));
    void b.start();
    await userWrites(sim, account, "a@im.wechat", "bad");
    await userWrites(sim, account, "a@im.wechat", "good");
    await vi.waitFor(() => expect(texts).toEqual(["good"]));
    expect(errors).toEqual(["HANDLER_FAILED: a message handler failed for a@im.wechat: boom"]);
  });

  it("rejects start() with SESSION_EXPIRED on -14", async () => {
    const b = makeBot();
    const running = b.start();
    await control(sim, "POST", "/faults", { expire_token: account.account_id });
    await expect(running).rejects.toMatchObject({ code: "SESSION_EXPIRED" });
  });

  it("sends files with ctx.replyFile and downloads inbound media with ctx.download", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "wxbot-"));
    const file = join(dir, "notes.txt");
    await writeFile(file, "file body");
    let downloaded = "";
    const b = makeBot().on("message", async (ctx) => {
      if (ctx.mediaItem) {
        const media = await ctx.download();
        downloaded = "bytes" in media ? media.bytes.toString() : "";
        return;
      }
      await ctx.replyFile(file, { caption: "here" });
    });
    void b.start();
    await userWrites(sim, account, "a@im.wechat", "send me the notes");
    await vi.waitFor(async () => expect(await outbound("a@im.wechat")).toHaveLength(2));
    const out = await outbound("a@im.wechat");
    expect(out.map((m) => m.items[0]?.type)).toEqual(["text", "file"]);
    await control(sim, "POST", "/messages", {
      account_id: account.account_id,
      from: "a@im.wechat",
      file: { name: "in.txt", base64: Buffer.from("inbound bytes").toString("base64") },
    });
    await vi.waitFor(() => expect(downloaded).toBe("inbound bytes"));
  });
});
