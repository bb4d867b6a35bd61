import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asyncStore } from "../../store/async.js";
import { openStore } from "../../store/sqlite.js";
import type { Store } from "../../store/types.js";
import { continueNote, planQuota, SendQuota } from "./quota.js";

describe("planQuota", () => {
  it("sends everything that fits, using the last slot for content when nothing waits", () => {
    expect(planQuota(0, 3, 10)).toEqual({ sendNow: 3, note: false, defer: 0, remaining: 10 });
    expect(planQuota(0, 10, 10)).toEqual({ sendNow: 10, note: false, defer: 0, remaining: 10 });
    expect(planQuota(7, 3, 10)).toEqual({ sendNow: 3, note: false, defer: 0, remaining: 3 });
  });

  it("keeps the last slot for the note when something must wait", () => {
    expect(planQuota(0, 25, 10)).toEqual({ sendNow: 9, note: true, defer: 16, remaining: 10 });
    expect(planQuota(0, 11, 10)).toEqual({ sendNow: 9, note: true, defer: 2, remaining: 10 });
    expect(planQuota(9, 4, 10)).toEqual({ sendNow: 0, note: true, defer: 4, remaining: 1 });
  });

  it("defers everything, without a note, when the quota is spent", () => {
    expect(planQuota(10, 2, 10)).toEqual({ sendNow: 0, note: false, defer: 2, remaining: 0 });
    expect(planQuota(12, 1, 10)).toEqual({ sendNow: 0, note: false, defer: 1, remaining: 0 });
  });

  it("plans nothing for nothing", () => {
    expect(planQuota(3, 0, 10)).toEqual({ sendNow: 0, note: false, defer: 0, remaining: 7 });
  });
});

describe("continueNote", () => {
  it("says how many wait, in the account's language only", () => {
    expect(continueNote(16, "en")).toBe("(reply anything to continue — 16 more messages waiting)");
    expect(continueNote(1, "en")).toBe("(reply anything to continue — 1 more message waiting)");
    expect(continueNote(3, "zh-CN")).toBe("（回复任意内容继续，还有 3 条消息）");
  });
});

describe("SendQuota over the SQLite store", () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(":memory:");
  });
  afterEach(() => store.close());

  it("reserves sends on the current token and resets on a new token", async () => {
    const q = new SendQuota(asyncStore(store), { quotaPerToken: 3 });
    await q.recordInbound("a", "u", "t1", 1);
    expect(await q.remaining("a", "u")).toBe(3);
    expect(await q.reserve("a", "u")).toEqual({ ok: true, token: "t1" });
    expect(await q.reserve("a", "u")).toEqual({ ok: true, token: "t1" });
    expect(await q.used("a", "u")).toBe(2);
    expect(await q.looksExhausted("a", "u")).toBe(false);
    expect(await q.reserve("a", "u")).toEqual({ ok: true, token: "t1" });
    // The third reserved send took the last slot: a -2 on it is the quota.
    expect(await q.looksExhausted("a", "u")).toBe(true);
    expect(await q.reserve("a", "u")).toEqual({ ok: false });
    // The poller may already have recorded the same token: recording it again must not reset the count.
    await q.recordInbound("a", "u", "t1", 2);
    expect(await q.used("a", "u")).toBe(3);
    await q.recordInbound("a", "u", "t2", 3);
    expect(await q.used("a", "u")).toBe(0);
    expect(await q.token("a", "u")).toBe("t2");
  });

  it("gives a slot back on the token it was taken on, not on a newer one", async () => {
    const q = new SendQuota(asyncStore(store), { quotaPerToken: 3 });
    await q.recordInbound("a", "u", "t1", 1);
    const first = await q.reserve("a", "u");
    await q.refund("a", "u", first);
    expect(await q.used("a", "u")).toBe(0);
    const second = await q.reserve("a", "u");
    await q.recordInbound("a", "u", "t2", 2);
    await q.reserve("a", "u");
    await q.refund("a", "u", second);
    expect(await q.used("a", "u")).toBe(1);
    // No token: a proactive send has nothing to count against, and nothing to give back.
    expect(await q.reserve("a", "nobody")).toEqual({ ok: true });
  });

  it("lets progress through only while it leaves room for the reply and its note", async () => {
    const q = new SendQuota(asyncStore(store), { quotaPerToken: 4, progressReserve: 2 });
    await q.recordInbound("a", "u", "t", 1);
    expect(await q.allowsProgress("a", "u")).toBe(true);
    await q.reserve("a", "u");
    expect(await q.allowsProgress("a", "u")).toBe(true);
    await q.reserve("a", "u");
    expect(await q.allowsProgress("a", "u")).toBe(false);
  });

  it("releases the outbox oldest first with the new token, keeping client_ids", async () => {
    const q = new SendQuota(asyncStore(store));
    const rows = store.outbound.enqueue(
      [0, 1, 2].map((seq) => ({
        accountId: "a",
        toUserId: "u",
        seq,
        clientId: `c${seq}`,
        kind: "text" as const,
        text: `m${seq}`,
        contextToken: "old",
      })),
      1,
    );
    for (const r of rows) store.outbound.defer(r.id, "quota");
    expect(await q.backlog("a", "u")).toBe(3);
    await q.recordInbound("a", "u", "fresh", 5);
    const released = await q.release("a", "u");
    expect(released.map((m) => m.clientId)).toEqual(["c0", "c1", "c2"]);
    expect(store.outbound.pending("a").map((m) => [m.clientId, m.contextToken])).toEqual([
      ["c0", "fresh"],
      ["c1", "fresh"],
      ["c2", "fresh"],
    ]);
    expect(await q.backlog("a", "u")).toBe(0);
  });

  it("rejects a quota below one", () => {
    expect(() => new SendQuota(asyncStore(store), { quotaPerToken: 0 })).toThrow(RangeError);
  });
});
