import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asyncStore } from "../store/async.js";
import { openStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import { createLogger } from "../util/logger.js";
import type { Clock } from "./delivery/clock.js";
import { inboundMediaDir } from "./media/inbound.js";
import { createHistoryPruner, type RetentionOptions } from "./retention.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const logger = createLogger("retention-test");

/** A clock whose timers fire only when the test moves time. */
function manualClock(startMs: number) {
  let nowMs = startMs;
  const timers: { atMs: number; fn: () => void }[] = [];
  const clock: Clock = {
    now: () => nowMs,
    sleep: () => Promise.resolve(),
    after(ms, fn) {
      const t = { atMs: nowMs + ms, fn };
      timers.push(t);
      return () => timers.splice(timers.indexOf(t), 1);
    },
  };
  return {
    clock,
    pendingTimers: () => timers.length,
    advance(ms: number) {
      nowMs += ms;
      for (const t of timers.filter((x) => x.atMs <= nowMs)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
    },
  };
}

describe("history retention", () => {
  let dir: string;
  let store: Store;
  let mediaDir: string;
  const nowMs = 100 * DAY_MS;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "wxagent-retention-"));
    store = openStore(join(dir, "wxagent.db"));
    mediaDir = join(dir, "media");
    store.accounts.upsert({
      id: "acc",
      baseUrl: "http://x",
      cdnBaseUrl: "http://x/c2c",
      token: "t",
      state: "active",
    });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pruner on this store at `nowMs` with a 30-day limit, unless the test says otherwise. */
  const pruner = (over: Partial<RetentionOptions> = {}) =>
    createHistoryPruner({
      store: asyncStore(store),
      logger,
      mediaDir,
      clock: manualClock(nowMs).clock,
      maxAgeMs: 30 * DAY_MS,
      maxMessagesPerAccount: 0,
      ...over,
    });

  /** `n` answered messages from u1, received `ageDays` ago, each with a media folder. */
  const receive = (n: number, ageDays: number, tag: string) => {
    const got = store.inbound.recordPoll(
      "acc",
      undefined,
      Array.from({ length: n }, (_, i) => ({
        fromUserId: "u1",
        dedupKey: `${tag}:${i}`,
        items: [{ type: 1, text_item: { text: `${tag} ${i}` } }],
      })),
      nowMs - ageDays * DAY_MS,
    );
    for (const m of got) {
      store.inbound.setState(m.id, "done");
      const folder = inboundMediaDir(mediaDir, "acc", m.id);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, "1-image.jpg"), "jpeg");
    }
    return got.map((m) => m.id);
  };

  it("deletes what is past the age limit in batches, with its media, and nothing newer", async () => {
    const old = receive(7, 40, "old");
    const fresh = receive(3, 2, "fresh");
    const calls: number[] = [];
    const history = store.history;
    const pruneBatch = history.pruneBatch;
    history.pruneBatch = (...args) => {
      const r = pruneBatch(...args);
      calls.push(r.inboundIds.length);
      return r;
    };
    expect(await pruner({ batchSize: 3 }).pruneNow()).toEqual({ inbound: 7, outbound: 0, mediaFolders: 7 });
    expect(calls).toEqual([3, 3, 1]);
    expect(store.inbound.list({ accountId: "acc" }).map((m) => m.id)).toEqual([...fresh].reverse());
    for (const id of old) expect(existsSync(inboundMediaDir(mediaDir, "acc", id))).toBe(false);
    for (const id of fresh) expect(existsSync(inboundMediaDir(mediaDir, "acc", id))).toBe(true);
  });

  it("keeps the newest N per account when that limit bites first", async () => {
    const ids = receive(10, 1, "m");
    expect((await pruner({ maxMessagesPerAccount: 4 }).pruneNow()).inbound).toBe(6);
    expect(store.inbound.list({ accountId: "acc" }).map((m) => m.id)).toEqual(ids.slice(6).reverse());
  });

  it("lets other work run between batches", async () => {
    receive(9, 40, "old");
    const order: string[] = [];
    const pruneBatch = store.history.pruneBatch;
    store.history.pruneBatch = (...args) => {
      order.push("batch");
      return pruneBatch(...args);
    };
    let ticking = true;
    const tick = () => {
      order.push("other");
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await pruner({ batchSize: 3 }).pruneNow();
    ticking = false;
    const batches = order.flatMap((x, i) => (x === "batch" ? [i] : []));
    expect(batches.length).toBe(4); // 3 + 3 + 3, then an empty batch ends the pass
    for (let i = 1; i < batches.length; i++) {
      expect(
        order.slice((batches[i - 1] ?? 0) + 1, batches[i]),
        `between batches ${i} and ${i + 1}`,
      ).toContain("other");
    }
  });

  it("runs on its timer once started, and not after stop", async () => {
    const m = manualClock(nowMs);
    const timed = pruner({ clock: m.clock, firstPassAfterMs: 1000, intervalMs: 60_000 });
    receive(2, 40, "a");
    timed.start();
    m.advance(999);
    expect(store.inbound.list({})).toHaveLength(2);
    m.advance(1);
    await timed.pruneNow(); // joins the pass the timer started
    expect(store.inbound.list({})).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(m.pendingTimers()).toBe(1); // the next pass is scheduled
    receive(1, 40, "b");
    await timed.stop();
    expect(m.pendingTimers()).toBe(0);
    m.advance(120_000);
    expect(store.inbound.list({})).toHaveLength(1);
  });

  it("with both limits off it deletes nothing", async () => {
    receive(3, 400, "ancient");
    expect(await pruner({ maxAgeMs: 0 }).pruneNow()).toEqual({ inbound: 0, outbound: 0, mediaFolders: 0 });
    expect(store.inbound.list({})).toHaveLength(3);
  });
});
