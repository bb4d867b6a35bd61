import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { asyncStore } from "../../store/async.js";
import { openStore } from "../../store/sqlite.js";
import type { Store } from "../../store/types.js";
import { TransportError } from "../transport-error.js";
import { createDelivery, type DeliveryLimits } from "./delivery.js";
import { createRecordingTransport, type RecordedCall, transportError } from "./testing.js";

const ACC = "bot-1";
const T0 = 1_700_000_000_000;

let store: Store;
let controller: AbortController;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  store = openStore(":memory:");
  controller = new AbortController();
});
afterEach(() => {
  controller.abort();
  store.close();
  vi.useRealTimers();
});

const gaps = (calls: RecordedCall[]) => calls.slice(1).map((c, i) => c.atMs - (calls[i]?.atMs ?? 0));
const paragraphs = (who: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${who} bubble ${String(i).padStart(2, "0")}`).join("\n\n");

function setup(limits: Partial<DeliveryLimits> = {}, fail?: (c: RecordedCall, n: number) => unknown) {
  const transport = createRecordingTransport({ fail });
  const expired: string[] = [];
  const delivery = createDelivery({
    store: asyncStore(store),
    transport,
    // chunkChars 20 makes every "<who> bubble NN" paragraph its own bubble.
    limits: { chunkChars: 20, ...limits },
    onSessionExpired: (accountId) => expired.push(accountId),
  });
  return { transport, delivery, expired };
}

function inbound(userId: string, token: string): number {
  store.contextTokens.set(ACC, userId, token, Date.now());
  const [row] = store.inbound.recordPoll(
    ACC,
    undefined,
    [{ fromUserId: userId, dedupKey: `k:${Math.random()}`, contextToken: token, items: [] }],
    Date.now(),
  );
  if (!row) throw new Error("inbound not recorded");
  return row.id;
}

describe("delivery: a store failure behind a busy queue", () => {
  it("onInbound's token write failing while the contact's queue is busy rejects onInbound, never unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { delivery } = setup({ spacingMs: 1000 });
      inbound("alice", "ta");
      // A reply of 3 bubbles, 1 s apart, holds alice's queue.
      const reply = delivery.deliverReply(
        { accountId: ACC, toUserId: "alice", text: paragraphs("alice", 3) },
        controller.signal,
      );
      const tokens = asyncStore(store).contextTokens;
      const get = vi
        .spyOn(tokens, "get")
        .mockRejectedValueOnce(new Error("timeout exceeded when trying to connect"));
      // Its outcome is taken at once, as the gateway's caller does: only the inner promise is at stake.
      const wrote = delivery
        .onInbound({ accountId: ACC, userId: "alice", contextToken: "t2" }, controller.signal)
        .then(
          () => "resolved",
          (err: Error) => err.message,
        );
      // The failure lands while the reply still holds the queue: nothing awaits it yet.
      await vi.advanceTimersByTimeAsync(100);
      expect(get).toHaveBeenCalled();
      await vi.runAllTimersAsync();
      expect(await wrote).toBe("timeout exceeded when trying to connect");
      expect((await reply).sent).toBe(3);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("delivery: order and spacing", () => {
  it("keeps order per contact and spaces bubbles by spacingMs while two contacts interleave", async () => {
    const { transport, delivery } = setup({ spacingMs: 1000 });
    inbound("alice", "ta");
    inbound("bob", "tb");
    const a = delivery.deliverReply(
      { accountId: ACC, toUserId: "alice", text: paragraphs("alice", 4) },
      controller.signal,
    );
    const b = delivery.deliverReply(
      { accountId: ACC, toUserId: "bob", text: paragraphs("bob", 3) },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.sent).toBe(4);
    expect(rb.sent).toBe(3);

    const alice = transport.sends("alice");
    const bob = transport.sends("bob");
    expect(alice.map((c) => c.text)).toEqual([
      "alice bubble 00",
      "alice bubble 01",
      "alice bubble 02",
      "alice bubble 03",
    ]);
    expect(bob.map((c) => c.text)).toEqual(["bob bubble 00", "bob bubble 01", "bob bubble 02"]);
    for (const g of [...gaps(alice), ...gaps(bob)]) expect(g).toBeGreaterThanOrEqual(1000);
    // Contacts run in parallel: bob's first bubble does not wait for alice's reply to finish.
    expect(bob[0]?.atMs).toBe(T0);
    expect(transport.sends().map((c) => c.to)).toEqual([
      "alice",
      "bob",
      "alice",
      "bob",
      "alice",
      "bob",
      "alice",
    ]);
    expect(alice.every((c) => c.contextToken === "ta")).toBe(true);
  });

  it("records every bubble before the first send, files after text, captions before their file", async () => {
    const { transport, delivery } = setup();
    const id = inbound("alice", "ta");
    let recorded!: () => void;
    const onRecorded = new Promise<void>((resolve) => {
      recorded = resolve;
    });
    const p = delivery.deliverReply(
      {
        accountId: ACC,
        toUserId: "alice",
        inboundId: id,
        text: "*中文* first\n\nsecond part",
        files: [{ path: "/w/a.png", caption: "the chart" }, { path: "/w/b.txt" }],
        onRecorded: () => recorded(),
      },
      controller.signal,
    );
    // Recorded, all of it, before anything is sent.
    await onRecorded;
    expect(transport.sends()).toHaveLength(0);
    expect(store.outbound.forInbound(id).map((m) => [m.seq, m.kind, m.state])).toEqual([
      [0, "text", "pending"],
      [1, "text", "pending"],
      [2, "text", "pending"],
      [3, "file", "pending"],
      [4, "file", "pending"],
    ]);
    await vi.runAllTimersAsync();
    await p;
    expect(transport.sends().map((c) => c.text ?? c.filePath)).toEqual([
      "中文 first",
      "second part",
      "the chart",
      "/w/a.png",
      "/w/b.txt",
    ]);
    const rows = store.outbound.forInbound(id);
    expect(rows.every((m) => m.state === "sent")).toBe(true);
    expect(transport.sends().map((c) => c.clientId)).toEqual(rows.map((m) => m.clientId));
  });
});

describe("delivery: approval questions (priority, verbatim)", () => {
  it("a question is not queued behind the outbox, and its text is sent as written (no markdown filter)", async () => {
    const { transport, delivery } = setup({ quotaPerToken: 10, chunkChars: 2000 });
    inbound("owner", "t1");
    const [old] = store.outbound.enqueue(
      [{ accountId: ACC, toUserId: "owner", seq: 0, clientId: "c-old", kind: "text", text: "older reply" }],
      Date.now(),
    );
    store.outbound.defer(old?.id as number, "test: waiting for the contact");
    const normal = delivery.deliverReply(
      { accountId: ACC, toUserId: "owner", text: "later" },
      controller.signal,
    );
    const text = "Question #1:\n▼ exactly:\nrm -rf **/*.bak # `x`\n▲";
    const question = delivery.deliverReply(
      { accountId: ACC, toUserId: "owner", text, verbatim: true, priority: true },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await normal).toMatchObject({ sent: 0, deferred: 1 });
    expect(await question).toMatchObject({ sent: 1, deferred: 0 });
    expect(transport.sends("owner").map((c) => c.text)).toEqual([text]);
  });

  it("with the owner's quota spent, a question is held (deferred), which the port reports as held", async () => {
    const { delivery } = setup({ quotaPerToken: 3 });
    inbound("owner", "t1");
    const reply = delivery.deliverReply(
      { accountId: ACC, toUserId: "owner", text: paragraphs("owner", 6) },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    await reply;
    const q = delivery.deliverReply(
      { accountId: ACC, toUserId: "owner", text: "Question #1: allow?", priority: true, verbatim: true },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await q).toMatchObject({ sent: 0, deferred: 1 });
  });
});

describe("delivery: quota and outbox", () => {
  it("sends 9 + a note of a 25-bubble reply, defers 16, and releases them after the next inbound", async () => {
    const { transport, delivery } = setup({ quotaPerToken: 10, spacingMs: 1000 });
    const id = inbound("alice", "t1");
    const p = delivery.deliverReply(
      { accountId: ACC, toUserId: "alice", inboundId: id, text: paragraphs("alice", 25) },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    const first = await p;
    expect(first).toMatchObject({ sent: 9, deferred: 16, noteSent: true });
    const sent1 = transport.sends("alice");
    expect(sent1).toHaveLength(10);
    expect(sent1.slice(0, 9).map((c) => c.text)).toEqual(
      Array.from({ length: 9 }, (_, i) => `alice bubble 0${i}`),
    );
    // One language (the account's; here the tests' English), not both.
    expect(sent1[9]?.text).toBe("(reply anything to continue — 16 more messages waiting)");
    expect(store.contextTokens.get(ACC, "alice")?.sendCount).toBe(10);
    const waiting = store.outbound.deferred(ACC, "alice");
    expect(waiting).toHaveLength(16);

    // Nothing more goes out until the contact writes.
    await vi.advanceTimersByTimeAsync(600_000);
    expect(transport.sends("alice")).toHaveLength(10);

    inbound("alice", "t2");
    const second = delivery.onInbound(
      { accountId: ACC, userId: "alice", contextToken: "t2" },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await second).toMatchObject({ sent: 9, deferred: 7, noteSent: true });
    const sent2 = transport.sends("alice").slice(10);
    expect(sent2.slice(0, 9).map((c) => c.clientId)).toEqual(waiting.slice(0, 9).map((m) => m.clientId));
    expect(sent2.every((c) => c.contextToken === "t2")).toBe(true);
    expect(sent2[9]?.text).toContain("7 more messages waiting");

    inbound("alice", "t3");
    const third = delivery.onInbound(
      { accountId: ACC, userId: "alice", contextToken: "t3" },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await third).toMatchObject({ sent: 7, deferred: 0, noteSent: false });
    const texts = transport
      .sends("alice")
      .map((c) => c.text ?? "")
      .filter((t) => t.startsWith("alice bubble"));
    expect(texts).toEqual(Array.from({ length: 25 }, (_, i) => `alice bubble ${String(i).padStart(2, "0")}`));
    for (const g of gaps(transport.sends("alice"))) expect(g).toBeGreaterThanOrEqual(1000);
  });

  it("lets progress notes through only while they leave the reply's last slots free", async () => {
    const { transport, delivery } = setup({ quotaPerToken: 4, progressReserve: 2 });
    inbound("alice", "t1");
    const note = { accountId: ACC, toUserId: "alice" };
    const p1 = delivery.progress({ ...note, text: "working on it" }, controller.signal);
    await vi.runAllTimersAsync();
    expect(await p1).toMatchObject({ sent: 1, skipped: false });
    const p2 = delivery.progress({ ...note, text: "still working" }, controller.signal);
    await vi.runAllTimersAsync();
    expect(await p2).toMatchObject({ sent: 1 });
    const p3 = delivery.progress({ ...note, text: "one more" }, controller.signal);
    await vi.runAllTimersAsync();
    expect(await p3).toMatchObject({ sent: 0, skipped: true });

    const r = delivery.deliverReply({ ...note, text: paragraphs("alice", 3) }, controller.signal);
    await vi.runAllTimersAsync();
    expect(await r).toMatchObject({ sent: 1, deferred: 2, noteSent: true });
    expect(transport.sends("alice").map((c) => c.text?.slice(0, 15))).toEqual([
      "working on it",
      "still working",
      "alice bubble 00",
      "(reply anything",
    ]);
  });

  it("coalesces progress notes queued behind a busy contact (latest text wins)", async () => {
    const { transport, delivery } = setup();
    inbound("alice", "t1");
    const note = { accountId: ACC, toUserId: "alice" };
    void delivery.deliverReply({ ...note, text: paragraphs("alice", 2) }, controller.signal);
    void delivery.progress({ ...note, text: "step 1" }, controller.signal);
    void delivery.progress({ ...note, text: "step 2" }, controller.signal);
    void delivery.progress({ ...note, text: "step 3" }, controller.signal);
    await vi.runAllTimersAsync();
    expect(transport.sends("alice").map((c) => c.text)).toEqual([
      "alice bubble 00",
      "alice bubble 01",
      "step 3",
    ]);
  });

  it("defers a new reply behind an outbox that is still waiting", async () => {
    const { transport, delivery } = setup({ quotaPerToken: 2 });
    inbound("alice", "t1");
    void delivery.deliverReply(
      { accountId: ACC, toUserId: "alice", text: paragraphs("old", 3) },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(store.outbound.deferred(ACC, "alice")).toHaveLength(2);
    const r = delivery.deliverReply(
      { accountId: ACC, toUserId: "alice", text: "proactive" },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await r).toMatchObject({ sent: 0, deferred: 1 });
    expect(store.outbound.deferred(ACC, "alice").map((m) => m.text)).toEqual([
      "old bubble 01",
      "old bubble 02",
      "proactive",
    ]);
    expect(transport.sends("alice")).toHaveLength(2);
  });
});

describe("delivery: errors and backoff", () => {
  it("backs off 5 s, 15 s, 60 s on -2 without sending in between, reusing the client_id", async () => {
    const { transport, delivery } = setup({}, (_c, n) =>
      n <= 3 ? transportError("THROTTLED", true, 'ret=-2 errmsg=""') : undefined,
    );
    inbound("alice", "t1");
    const p = delivery.deliverReply({ accountId: ACC, toUserId: "alice", text: "hello" }, controller.signal);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(transport.sends()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.sends()).toHaveLength(2);
    await vi.runAllTimersAsync();
    expect(await p).toMatchObject({ sent: 1 });
    const calls = transport.sends();
    expect(calls.map((c) => c.atMs - T0)).toEqual([0, 5_000, 20_000, 80_000]);
    expect(gaps(calls)).toEqual([5_000, 15_000, 60_000]);
    expect(new Set(calls.map((c) => c.clientId)).size).toBe(1);
    const [row] = store.outbound.list({ accountId: ACC });
    expect(row).toMatchObject({ state: "sent", attempts: 3 });
  });

  it("holds every contact of a throttled account until the backoff ends", async () => {
    const { transport, delivery } = setup({}, (c, n) =>
      n === 1 && c.to === "alice" ? transportError("THROTTLED", true) : undefined,
    );
    inbound("alice", "ta");
    inbound("bob", "tb");
    void delivery.deliverReply({ accountId: ACC, toUserId: "alice", text: "to alice" }, controller.signal);
    await vi.advanceTimersByTimeAsync(10);
    void delivery.deliverReply({ accountId: ACC, toUserId: "bob", text: "to bob" }, controller.signal);
    await vi.runAllTimersAsync();
    const bob = transport.sends("bob");
    expect(bob).toHaveLength(1);
    expect(bob[0]?.atMs).toBeGreaterThanOrEqual(T0 + 5_000);
  });

  it("defers instead of retrying when -2 arrives with the quota spent", async () => {
    const { transport, delivery } = setup({ quotaPerToken: 10 }, () => transportError("THROTTLED", true));
    inbound("alice", "t1");
    for (let i = 0; i < 9; i++) store.contextTokens.countSend(ACC, "alice");
    const p = delivery.deliverReply({ accountId: ACC, toUserId: "alice", text: "late" }, controller.signal);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(await p).toMatchObject({ sent: 0, deferred: 1 });
    expect(transport.sends()).toHaveLength(1);
    expect(store.outbound.deferred(ACC, "alice").map((m) => m.text)).toEqual(["late"]);
  });

  it("moves a bubble to the outbox once every throttle backoff is spent", async () => {
    const { transport, delivery } = setup({ throttleDelaysMs: [100, 200], spacingMs: 50 }, () =>
      transportError("THROTTLED", true),
    );
    inbound("alice", "t1");
    const p = delivery.deliverReply(
      { accountId: ACC, toUserId: "alice", text: paragraphs("a", 2) },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await p).toMatchObject({ sent: 0, deferred: 2, noteSent: false });
    expect(gaps(transport.sends())).toEqual([100, 200]);
  });

  it("retries network errors with backoff and the same client_id", async () => {
    const { transport, delivery } = setup({ retryDelaysMs: [1000, 2000, 4000] }, (_c, n) =>
      n <= 2 ? transportError("NETWORK", true) : undefined,
    );
    const p = delivery.deliverReply({ accountId: ACC, toUserId: "alice", text: "hi" }, controller.signal);
    await vi.runAllTimersAsync();
    expect(await p).toMatchObject({ sent: 1 });
    expect(gaps(transport.sends())).toEqual([1000, 2000]);
    expect(new Set(transport.sends().map((c) => c.clientId)).size).toBe(1);
  });

  it("marks a bubble failed on a non-retryable error and goes on with the next", async () => {
    const { transport, delivery } = setup({}, (c) =>
      c.kind === "file" ? transportError("FILE_NOT_FOUND", false, "no such file /w/x.bin") : undefined,
    );
    const p = delivery.deliverReply(
      {
        accountId: ACC,
        toUserId: "alice",
        text: "",
        files: [{ path: "/w/x.bin" }, { path: "/w/y.bin", caption: "y" }],
      },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await p).toMatchObject({ sent: 1, failed: 2 });
    expect(transport.sends()).toHaveLength(3);
    const rows = store.outbound.list({ accountId: ACC }).reverse();
    expect(rows.map((m) => m.state)).toEqual(["failed", "sent", "failed"]);
    expect(rows[0]?.lastError).toContain("no such file");
  });

  it("stops on session expiry, leaves the rest pending and tells the gateway", async () => {
    const { transport, delivery, expired } = setup({}, (_c, n) =>
      n === 2 ? transportError("SESSION_EXPIRED", false) : undefined,
    );
    inbound("alice", "t1");
    const p = delivery.deliverReply(
      { accountId: ACC, toUserId: "alice", text: paragraphs("a", 4) },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await p).toMatchObject({ sent: 1, pending: 3, sessionExpired: true });
    expect(expired).toEqual([ACC]);
    expect(transport.sends()).toHaveLength(2);
    expect(store.outbound.pending(ACC)).toHaveLength(3);
  });
});

describe("delivery: durability with a group-commit store", () => {
  it("a bubble reaches the transport only after its row (client_id) is committed", async () => {
    vi.useRealTimers();
    const dir = mkdtempSync(join(tmpdir(), "wxagent-delivery-"));
    const path = join(dir, "wxagent.db");
    const grouped = openStore(path, { groupCommit: true });
    // Another connection, as the process after a crash would read the file.
    const reader = new Database(path, { readonly: true });
    const committed = (clientId: string | undefined) =>
      reader.prepare("SELECT COUNT(*) AS n FROM outbound WHERE client_id = ?").get(clientId) as { n: number };
    const seenCommitted: boolean[] = [];
    const transport = createRecordingTransport({
      fail: (call) => {
        seenCommitted.push(committed(call.clientId).n === 1);
      },
    });
    try {
      grouped.contextTokens.set(ACC, "alice", "ta", Date.now());
      const delivery = createDelivery({
        store: asyncStore(grouped),
        transport,
        limits: { chunkChars: 20, spacingMs: 0 },
      });
      await delivery.deliverReply(
        { accountId: ACC, toUserId: "alice", text: paragraphs("alice", 3) },
        controller.signal,
      );
      expect(seenCommitted).toEqual([true, true, true]);
    } finally {
      reader.close();
      await grouped.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("delivery: a question to someone whose 24 h window is closed", () => {
  // The platform answers a stale context token with -2, like a burst: tried, it walked the
  // account's whole back-off (5 s, 15 s, 60 s, 300 s) before being held, and another contact's
  // reply waited behind that hold (measured here before the fix: the question held after 380 s,
  // Alice's reply sent after 680 s, five sends to the owner while penalised).
  const stale = (c: RecordedCall) =>
    c.to === "owner" ? new TransportError("throttled", "unknown error") : undefined;

  it("is held at once, never tried, and holds up nobody else; it goes out when they write", async () => {
    const { transport, delivery } = setup({ quotaPerToken: 10, chunkChars: 2000, spacingMs: 0 }, stale);
    store.contextTokens.set(ACC, "owner", "t-old", T0 - 25 * 3_600_000);
    inbound("alice", "ta");
    const q = delivery.deliverReply(
      { accountId: ACC, toUserId: "owner", text: "Question #1", priority: true, verbatim: true },
      controller.signal,
    );
    const a = delivery.deliverReply(
      { accountId: ACC, toUserId: "alice", text: "your answer" },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await q).toMatchObject({ sent: 0, deferred: 1, failed: 0 });
    expect(await a).toMatchObject({ sent: 1 });
    expect(transport.sends().map((c) => c.to)).toEqual(["alice"]);
    expect(store.outbound.deferred(ACC, "owner")[0]?.lastError).toMatch(
      /last wrote 25 h ago: WeChat lets the bot write only within 24 h/,
    );

    // The owner writes: the held question goes out with the fresh token.
    const { delivery: after, transport: fresh } = setup({ quotaPerToken: 10, chunkChars: 2000 });
    const released = after.onInbound(
      { accountId: ACC, userId: "owner", contextToken: "t-new" },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await released).toMatchObject({ sent: 1 });
    expect(fresh.sends("owner").map((c) => [c.text, c.contextToken])).toEqual([["Question #1", "t-new"]]);
  });

  it("an owner who never wrote: held the same way; one who wrote within 24 h: sent", async () => {
    const { transport, delivery } = setup({ quotaPerToken: 10, chunkChars: 2000, spacingMs: 0 });
    const never = delivery.deliverReply(
      { accountId: ACC, toUserId: "owner", text: "Question #1", priority: true },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await never).toMatchObject({ sent: 0, deferred: 1 });
    expect(store.outbound.deferred(ACC, "owner")[0]?.lastError).toContain("has never written");
    store.contextTokens.set(ACC, "bob", "tb", T0 - 23 * 3_600_000);
    const recent = delivery.deliverReply(
      { accountId: ACC, toUserId: "bob", text: "Question #2", priority: true },
      controller.signal,
    );
    await vi.runAllTimersAsync();
    expect(await recent).toMatchObject({ sent: 1, deferred: 0 });
    expect(transport.sends().map((c) => c.to)).toEqual(["bob"]);
  });
});

describe("delivery: a node without the account's lease (several nodes on one store)", () => {
  it("records nothing and sends nothing once the lease is gone, and leaves pending bubbles for the next holder", async () => {
    store.contextTokens.set(ACC, "alice", "ta", T0);
    let owned = true;
    const transport = createRecordingTransport();
    const async = asyncStore(store);
    const delivery = createDelivery({
      store: async,
      transport,
      limits: { chunkChars: 20, spacingMs: 1_000 },
      mayAct: () => owned,
      recordOn: () => {
        if (!owned) throw new Error("lease lost");
        return async;
      },
    });
    // A reply goes out bubble by bubble (1 s apart) while the lease passes on.
    const first = delivery.deliverReply(
      { accountId: ACC, toUserId: "alice", text: paragraphs("a", 3) },
      controller.signal,
    );
    await vi.advanceTimersByTimeAsync(10);
    owned = false;
    // Queued behind the first reply: its recording fails, and that is the caller's rejection only.
    const second = delivery.deliverReply(
      { accountId: ACC, toUserId: "alice", text: "late" },
      controller.signal,
    );
    const refused = second.then(
      () => "recorded",
      (err: Error) => err.message,
    );
    await vi.runAllTimersAsync();
    expect(await refused).toBe("lease lost");
    expect(await first).toMatchObject({ sent: 1, pending: 2 });
    expect(transport.sends("alice").map((c) => c.text)).toEqual(["a bubble 00"]);
    expect(store.outbound.pending(ACC).map((m) => m.text)).toEqual(["a bubble 01", "a bubble 02"]);
  });
});
