/**
 * `durable({ store })` on wxagent's SQLite store: a bot that dies mid-handler (stopped, its
 * handler never finishing, the database closed under it) loses nothing: the next bot on the same
 * database replays the unfinished messages first, in order, each exactly once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Bot } from "../../src/ilink/bot.js";
import { durable } from "../../src/ilink/durable.js";
import type { WeixinMessage } from "../../src/ilink/wire.js";
import { userWrites } from "../../src/simulator/testkit.js";
import { storeBotInbox } from "../../src/store/bot-inbox.js";
import { openStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";
import { useSimRig } from "./sim-rig.js";

const rig = useSimRig();
const dirs: string[] = [];
const stores: Store[] = [];

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function database(): string {
  const dir = mkdtempSync(join(tmpdir(), "wxagent-bot-inbox-"));
  dirs.push(dir);
  return join(dir, "bot.db");
}

function open(path: string): Store {
  const store = openStore(path);
  stores.push(store);
  return store;
}

describe("Bot with durable({ store })", () => {
  it("replays the message a crashed handler left unfinished, and the one queued behind it, once each in order", async () => {
    const path = database();
    const first = open(path);
    const seenByFirst: string[] = [];
    const crashed = new Bot({ ...rig.options(), retryDelayMs: 10 })
      .use(durable({ store: storeBotInbox(first, "bot") }))
      .on("message:text", async (ctx) => {
        seenByFirst.push(ctx.text);
        if (ctx.text === "one") await new Promise(() => {}); // the process dies in here
      });
    void crashed.start();
    await userWrites(rig.sim, rig.account, "a@im.wechat", "one");
    await vi.waitFor(() => expect(seenByFirst).toEqual(["one"]));
    await userWrites(rig.sim, rig.account, "a@im.wechat", "two");
    await vi.waitFor(() => expect(first.inbound.unfinished("bot").length).toBe(2));
    await crashed.stop({ drainTimeoutMs: 10 });
    await first.close();
    expect(seenByFirst).toEqual(["one"]); // "two" waited behind "one" and never ran

    const second = open(path);
    const handled: string[] = [];
    const restarted = rig.track(new Bot({ ...rig.options(), retryDelayMs: 10 }));
    restarted.use(durable({ store: storeBotInbox(second, "bot") })).on("message:text", async (ctx) => {
      handled.push(ctx.text);
      await ctx.reply(`done ${ctx.text}`);
    });
    void restarted.start();
    await userWrites(rig.sim, rig.account, "a@im.wechat", "three");
    await vi.waitFor(async () =>
      expect(await rig.replies("a@im.wechat")).toEqual(["done one", "done two", "done three"]),
    );
    expect(handled).toEqual(["one", "two", "three"]);
    expect(second.inbound.unfinished("bot")).toEqual([]);
    expect(second.inbound.countByState("bot", "done")).toBe(3);
  });

  it("the inbox refuses a second record of one message (its dedupKey); start() replays the recorded one once", async () => {
    const store = open(database());
    const inbox = storeBotInbox(store, "bot");
    const handled: string[] = [];
    const bot = rig.track(new Bot({ ...rig.options(), retryDelayMs: 10 }));
    bot.use(durable({ store: inbox })).on("message:text", (ctx) => void handled.push(ctx.text));
    const wire: WeixinMessage = {
      message_type: 1,
      message_id: "42",
      from_user_id: "a@im.wechat",
      create_time_ms: 1,
      item_list: [{ type: 1, text_item: { text: "hi" } }],
    };
    expect(await inbox.record(wire)).toBeDefined();
    expect(await inbox.record({ ...wire })).toBeUndefined();
    void bot.start();
    await vi.waitFor(() => expect(handled).toEqual(["hi"]));
    await bot.drain();
    expect(store.inbound.countByState("bot", "done")).toBe(1);
  });

  it("a failed record holds the cursor back: the batch is polled again and handled once it is recorded", async () => {
    const inbox = storeBotInbox(open(database()), "bot");
    let failNext = true;
    const events: string[] = [];
    const bot = rig.track(
      new Bot({ ...rig.options(), retryDelayMs: 10, onCursor: () => void events.push("cursor") }),
    );
    bot
      .use(
        durable({
          store: {
            record: (m) => {
              if (failNext) {
                failNext = false;
                events.push("record failed");
                throw new Error("disk full");
              }
              events.push("recorded");
              return inbox.record(m);
            },
            markDone: (id) => inbox.markDone(id),
            unfinished: () => inbox.unfinished(),
          },
        }),
      )
      .on("message:text", (ctx) => void events.push(`handled ${ctx.text}`));
    void bot.start();
    await userWrites(rig.sim, rig.account, "a@im.wechat", "hi");
    await vi.waitFor(() => expect(events).toContain("handled hi"));
    await bot.drain();
    // Nothing moved the cursor on until the message was recorded.
    expect(events.slice(0, 2)).toEqual(["record failed", "recorded"]);
    expect(events).toContain("cursor");
    expect(events.filter((e) => e === "handled hi")).toHaveLength(1);
  });
});
