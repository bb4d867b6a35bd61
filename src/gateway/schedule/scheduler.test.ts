/**
 * The scheduler on a fake clock: real SQLite (in memory), the real delivery over a recording
 * transport. Firings, the outbox path when the 24 h window is closed, the window warning, missed
 * firings and the claim that makes a firing happen once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type AsyncStore, asyncStore } from "../../store/async.js";
import { openStore } from "../../store/sqlite.js";
import type { Store } from "../../store/types.js";
import { createDelivery, type Delivery } from "../delivery/delivery.js";
import { ManualClock } from "../delivery/manual-clock.js";
import { createRecordingTransport, type RecordingTransport } from "../delivery/testing.js";
import { createJob } from "./api.js";
import { Scheduler, type SchedulerOptions } from "./scheduler.js";

const H = 3_600_000;
const ACC = "bot@im.bot";
const ALICE = "alice@im.wechat";
const START = Date.parse("2026-05-01T00:00:00Z"); // 08:00 in Shanghai

interface Rig {
  /** The store as the test reads it (synchronous); the scheduler and delivery get `db` over it. */
  store: Store;
  db: AsyncStore;
  clock: ManualClock;
  transport: RecordingTransport;
  delivery: Delivery;
  scheduler: Scheduler;
  /** The contact writes: a new context token, the outbox released. */
  write(text: string): Promise<void>;
  texts(): string[];
}

let rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs) {
    r.scheduler.stop();
    await r.store.close();
  }
  rigs = [];
});

function rig(o: Partial<SchedulerOptions> = {}, shared?: { store: Store; clock: ManualClock }): Rig {
  const clock = shared?.clock ?? new ManualClock(START);
  const store = shared?.store ?? openStore(":memory:", { now: () => clock.now() });
  if (!shared) {
    store.accounts.upsert({
      id: ACC,
      baseUrl: "http://x",
      cdnBaseUrl: "http://x/c2c",
      token: "t",
      state: "active",
    });
    store.contacts.see(ACC, ALICE, clock.now());
  }
  const db = asyncStore(store);
  const transport = createRecordingTransport({ now: () => clock.now() });
  const delivery = createDelivery({ store: db, transport, clock, limits: { spacingMs: 0 } });
  const scheduler = new Scheduler({
    store: db,
    deliver: (reply, signal) => delivery.deliverReply(reply, signal),
    record: (tx, reply) => delivery.recordReply(tx, reply),
    clock,
    recheckMs: 60_000,
    ...o,
  });
  let n = 0;
  const r: Rig = {
    store,
    db,
    clock,
    transport,
    delivery,
    scheduler,
    async write(text) {
      n++;
      const token = `ctx-${n}`;
      store.contextTokens.set(ACC, ALICE, token, clock.now());
      store.inbound.recordPoll(
        ACC,
        undefined,
        [
          {
            fromUserId: ALICE,
            dedupKey: `id:${n}-${clock.now()}`,
            contextToken: token,
            items: [{ type: 1, text_item: { text } }],
          },
        ],
        clock.now(),
      );
      await delivery.onInbound(
        { accountId: ACC, userId: ALICE, contextToken: token },
        new AbortController().signal,
      );
    },
    texts: () => transport.sends(ALICE).map((c) => c.text ?? `[file ${c.filePath}]`),
  };
  rigs.push(r);
  return r;
}

const add = (r: Rig, req: Record<string, string>) =>
  createJob(
    r.db,
    { accountId: ACC, userId: ALICE, createdBy: "operator", tz: "Asia/Shanghai", ...req },
    { nowMs: r.clock.now() },
  );

describe("firing", () => {
  it("a one-off text fires once at its time, inside the window, and the run reads sent", async () => {
    const r = rig();
    await r.write("hi");
    const { job } = await add(r, { in: "2h", text: "call mom" });
    await r.scheduler.start();
    await r.clock.advance(2 * H - 1000);
    expect(r.texts()).toEqual([]);
    await r.clock.advance(2000);
    expect(r.texts()).toEqual(["⏰ call mom"]);
    await r.clock.advance(10 * H);
    expect(r.texts()).toHaveLength(1);
    expect(r.store.schedules.get(job.id)?.state).toBe("done");
    expect(r.store.schedules.runs({ jobId: job.id }).map((x) => x.state)).toEqual(["sent"]);
  });

  it("a closed window: the firing waits in the outbox, marked with its time, and goes when the contact writes", async () => {
    const r = rig();
    await r.write("hi"); // window closes at START + 24 h
    await add(r, { at: "2026-05-02 10:00", text: "standup" }); // 26 h later
    await r.scheduler.start();
    await r.clock.advanceTo(Date.parse("2026-05-02T02:00:01Z"));
    // Two hours before the window closed (06:00 local) the contact was warned; the firing itself
    // was never tried: the window was closed by then.
    const warning =
      "⏰ Your scheduled message needs you to write to me once a day (WeChat lets a bot write only within 24 h of your last message). The next one is 10:00. Reply anything to keep it coming.";
    expect(r.texts()).toEqual([warning]);
    const [run] = r.store.schedules.runs({});
    expect(run?.state).toBe("held");
    expect(run?.reason).toMatch(/24 h window is closed/);
    expect(r.store.outbound.deferred(ACC, ALICE).map((m) => m.text)).toEqual([
      "⏰ (due 10:00; held until you wrote again)\nstandup",
    ]);
    await r.clock.advance(3 * H);
    await r.write("morning");
    await r.clock.advance(1000);
    expect(r.texts()).toEqual([warning, "⏰ (due 10:00; held until you wrote again)\nstandup"]);
    await r.clock.advance(60_000);
    expect(r.store.schedules.runs({})[0]?.state).toBe("sent");
  });

  it("speaks the account's language, or with `contact` the language the contact writes", async () => {
    const zh = rig({ languageFor: () => "zh-CN" });
    await zh.write("hello");
    await add(zh, { at: "2026-05-02 10:00", text: "standup" });
    await zh.scheduler.start();
    await zh.clock.advanceTo(Date.parse("2026-05-02T02:00:01Z"));
    expect(zh.store.outbound.deferred(ACC, ALICE)[0]?.text).toBe(
      "⏰（原定 今天 10:00，等你再发消息后才送达）\nstandup",
    );
    const r = rig({ language: "contact" });
    await r.write("你好");
    await add(r, { at: "2026-05-02 10:00", text: "开会" });
    await r.scheduler.start();
    await r.clock.advanceTo(Date.parse("2026-05-02T02:00:01Z"));
    expect(r.store.outbound.deferred(ACC, ALICE)[0]?.text).toBe(
      "⏰（原定 今天 10:00，等你再发消息后才送达）\n开会",
    );
  });
});

describe("the window warning", () => {
  it("warns once, two hours before the window closes on a daily job, and again in the next window", async () => {
    const r = rig();
    await r.write("hi");
    await add(r, { cron: "0 9 * * *", text: "water the plants" }); // 09:00 Shanghai = 01:00Z
    await r.scheduler.start();
    await r.clock.advance(21 * H);
    expect(r.texts()).toEqual(["⏰ water the plants"]); // 09:00 on day 1
    await r.clock.advance(H + 1000); // 22 h after the last message
    expect(r.texts()).toHaveLength(2);
    expect(r.texts()[1]).toBe(
      "⏰ Your scheduled message needs you to write to me once a day (WeChat lets a bot write only within 24 h of your last message). The next one is 09:00. Reply anything to keep it coming.",
    );
    await r.clock.advance(H);
    expect(r.texts()).toHaveLength(2); // once per window
    await r.write("ok");
    await r.clock.advance(22 * H + 1000);
    expect(r.texts().filter((t) => t.includes("once a day"))).toHaveLength(2);
  });

  it("stays silent when the quota is spent", async () => {
    const r = rig();
    await r.write("hi");
    for (let i = 0; i < 10; i++) r.store.contextTokens.countSend(ACC, ALICE);
    await add(r, { cron: "0 9 * * *", text: "x" });
    await r.scheduler.start();
    await r.clock.advance(23 * H);
    expect(r.texts().filter((t) => t.includes("once a day"))).toEqual([]);
  });
});

describe("missed firings and exactly once", () => {
  it("runs a firing missed by less than the grace once at start; past the grace it is skipped with a note", async () => {
    const r = rig();
    await r.write("hi");
    await add(r, { in: "1h", text: "soon" });
    await add(r, { in: "2h", text: "later" });
    await r.clock.advance(3 * H - 30 * 60_000); // "down" meanwhile: soon is 90 min late, later 30 min
    await r.scheduler.start();
    await r.clock.advance(1000);
    expect(r.texts().sort()).toEqual(
      ["⏰ I was offline and missed a scheduled message (the last was due 09:00): soon", "⏰ later"].sort(),
    );
    const states = r.store.schedules
      .runs({})
      .map((x) => x.state)
      .sort();
    expect(states).toEqual(["sent", "skipped"]);
  });

  it("two schedulers on one store (a restart racing the old process) fire a job once", async () => {
    const a = rig();
    await a.write("hi");
    const b = rig({}, { store: a.store, clock: a.clock });
    await add(a, { in: "1h", text: "once" });
    await a.scheduler.start();
    await b.scheduler.start();
    await a.clock.advance(H + 1000);
    expect([...a.texts(), ...b.texts()]).toEqual(["⏰ once"]);
    expect(a.store.schedules.runs({})).toHaveLength(1);
  });

  it("a firing whose message cannot be recorded rolls back with its bubbles and is recorded once, as failed", async () => {
    const r = rig({
      record: async (tx, reply) => {
        await tx.outbound.enqueue(
          [
            {
              accountId: reply.accountId,
              toUserId: reply.toUserId,
              seq: 0,
              clientId: "c-1",
              kind: "text",
              text: reply.text,
            },
          ],
          r.clock.now(),
        );
        throw new Error("disk full");
      },
    });
    await r.write("hi");
    await add(r, { in: "1h", text: "lost?" });
    await r.scheduler.start();
    await r.clock.advance(H + 1000);
    expect(r.texts()).toEqual([]);
    expect(r.store.outbound.list({ userId: ALICE })).toEqual([]);
    expect(r.store.schedules.runs({})).toMatchObject([
      { state: "failed", reason: "could not record the message: disk full", outboundIds: [] },
    ]);
    await r.clock.advance(3 * H);
    expect(r.store.schedules.runs({})).toHaveLength(1);
  });
});
