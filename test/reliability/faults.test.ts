/**
 * Fault suite: every fault kind the simulator can inject, at a set rate while a burst is being
 * answered — HTTP 5xx, long-poll timeouts, dropped connections, ret -2, latency and redelivery
 * (same id, no id, a new id) — then -14 with a re-login. Nothing may be lost or doubled, the
 * process must not crash (an unhandled rejection fails the run), and the gateway must recover
 * within its backoff bounds (shortened here so the suite runs in seconds). On SQLite and on
 * PostgreSQL (the account leased to the gateway, so every cursor move and send is fenced).
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createEchoAgent } from "../../src/agent/echo.js";
import { control } from "../../src/simulator/testkit.js";
import { storesUnderTest } from "../../src/store/postgres-server.test-util.js";
import {
  answerAll,
  burst,
  deliveryProblems,
  inject,
  outbound,
  prng,
  type Rig,
  repliesByContact,
  startRig,
} from "./harness.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});
const { stores, drop } = await storesUnderTest("faults");
afterAll(drop);

const CONTACTS = 20;
const PER_CONTACT = 10;
const BACKOFF = { retryDelayMs: 200, longDelayMs: 1_000, failuresBeforeLongDelay: 3 };
const DELIVERY = {
  spacingMs: 0,
  retryDelaysMs: [100, 200, 400, 800, 1_600],
  throttleDelaysMs: [200, 500, 1_000],
  // Typing starts at once, so getconfig and sendtyping are called (and faulted) too.
  typingStartAfterMs: 0,
};
/** The longest the gateway may legitimately sit idle after the last fault. */
const RECOVERY_BOUND_MS = BACKOFF.longDelayMs + 1_600 + 1_000 + 1_500; // poll backoff + send retry + throttle + nudge

type Fault = Record<string, unknown>;
/** The kinds, each injected at the same rate, for one call of its endpoint. */
const KINDS: Record<string, Fault> = {
  // First: typing tickets are fetched once per contact and cached, so only early calls exist.
  "getconfig 500": { endpoint: "getconfig", status: 500 },
  "getupdates 500": { endpoint: "getupdates", status: 500 },
  "sendmessage 502": { endpoint: "sendmessage", status: 502 },
  "sendmessage 503": { endpoint: "sendmessage", status: 503 },
  // The long poll's client timeout follows the server's hint (1 s here): 2 s of latency times it out.
  "getupdates timeout": { endpoint: "getupdates", latency_ms: 2_000 },
  "getupdates dropped": { endpoint: "getupdates", drop: true },
  "sendmessage dropped": { endpoint: "sendmessage", drop: true },
  "sendmessage -2": { endpoint: "sendmessage", ret: -2, errmsg: "rate limited" },
  "sendmessage latency": { endpoint: "sendmessage", latency_ms: 300 },
  "getupdates latency": { endpoint: "getupdates", latency_ms: 300 },
  "sendtyping dropped": { endpoint: "sendtyping", drop: true },
};

describe.each(stores)("faults during a burst on $name", ({ db }) => {
  it("every fault kind at a set rate: nothing lost, nothing doubled, recovery within the backoff bounds", async () => {
    rig = await startRig({
      sim: { realism: false, seed: 5 },
      agent: createEchoAgent({ delayMs: 100 }), // long enough for the typing indicator to start
      gateway: { backoff: BACKOFF, delivery: DELIVERY },
      db,
    });
    const { sim, bot } = rig;
    const triggered = new Map<number, string>();
    const injected = new Map<number, string>();
    const hits = new Map<string, number>();
    sim.state.listeners.add((e) => {
      if (e.type !== "fault.triggered") return;
      const kind = injected.get(e.data.fault_id as number);
      if (kind) {
        triggered.set(e.data.fault_id as number, kind);
        hits.set(kind, (hits.get(kind) ?? 0) + 1);
      }
    });

    const random = prng(5);
    const messageIds: string[] = [];
    const messages = burst(CONTACTS, PER_CONTACT);
    const writes: Promise<unknown>[] = [];
    // For 3 s, every 100 ms: a slice of the burst, one fault (cycling through the kinds), and
    // every third tick a redelivery of an earlier message.
    const kinds = Object.keys(KINDS);
    let redeliveries = 0;
    const TICKS = 30;
    for (let tick = 0; tick < TICKS; tick++) {
      const slice = messages.slice(
        Math.floor((tick * messages.length) / TICKS),
        Math.floor(((tick + 1) * messages.length) / TICKS),
      );
      for (const m of slice)
        writes.push(inject(sim, bot.account_id, m.from, m.text).then((id) => messageIds.push(id)));
      const kind = kinds[tick % kinds.length] as string;
      const res = await control(sim, "POST", "/faults", { ...KINDS[kind], account_id: bot.account_id });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      injected.set(res.body.fault_id as number, kind);
      if (tick % 3 === 0 && messageIds.length > 0) {
        const id = messageIds[Math.floor(random() * messageIds.length)];
        const mode = (["same", "empty", "new"] as const)[redeliveries % 3];
        const r = await control(sim, "POST", "/faults", {
          redeliver: {
            account_id: bot.account_id,
            message_id: id,
            delay_ms: Math.floor(random() * 500),
            id_mode: mode,
          },
        });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        redeliveries++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(writes);
    // Faults still waiting for a call are cleared: from here on the server is healthy.
    await control(sim, "DELETE", "/faults");
    const healthyAt = Date.now();

    await answerAll(sim, bot.account_id, CONTACTS, PER_CONTACT, { timeoutMs: 20_000 });
    const recoveredMs = Date.now() - healthyAt;
    await new Promise((r) => setTimeout(r, 1_000)); // late redeliveries would show as doubles now
    const by = repliesByContact(await outbound(sim, bot.account_id), CONTACTS);
    expect(deliveryProblems(by, PER_CONTACT)).toEqual([]);
    expect(recoveredMs).toBeLessThan(RECOVERY_BOUND_MS);
    // Each kind really hit the gateway at least once.
    expect([...hits.keys()].sort()).toEqual([...kinds].sort());
    expect(redeliveries).toBeGreaterThanOrEqual(9);
    const st = (await rig.gateway.status()).accounts[0];
    expect(st).toMatchObject({ expired: false, polling: "polling", consecutiveFailures: 0 });
    expect(await rig.store.inbound.unfinished(bot.account_id)).toEqual([]);
  }, 40_000);

  /** -14 answered to 3 sends and 1 poll in the middle of a burst, then a re-login. */
  async function expiryScenario(seed: number) {
    rig = await startRig({
      sim: { realism: false, seed },
      gateway: { backoff: BACKOFF, delivery: DELIVERY },
      db,
    });
    const { sim, bot, gateway, store } = rig;
    const expired: string[] = [];
    gateway.on((e) => {
      if (e.type === "expired") expired.push(e.reason);
    });
    const all = burst(CONTACTS, PER_CONTACT);
    await Promise.all(all.slice(0, 100).map((m) => inject(sim, bot.account_id, m.from, m.text)));
    await control(sim, "POST", "/faults", {
      endpoint: "sendmessage",
      ret: -14,
      errmsg: "session timeout",
      count: 3,
    });
    await control(sim, "POST", "/faults", {
      endpoint: "getupdates",
      ret: -14,
      errmsg: "session timeout",
      count: 1,
    });
    await Promise.all(all.slice(100).map((m) => inject(sim, bot.account_id, m.from, m.text)));

    const deadline = Date.now() + 10_000;
    while ((await store.accounts.get(bot.account_id))?.state !== "expired" && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const whileExpired = await gateway.status();
    await new Promise((r) => setTimeout(r, 500));
    const runningAfter = (await gateway.status()).running;

    // Re-login: the account is active again (same token: the -14 above was injected, not real).
    await control(sim, "DELETE", "/faults");
    await store.accounts.setState(bot.account_id, "active");
    const resumed = await gateway.resume(bot.account_id);
    await answerAll(sim, bot.account_id, CONTACTS, PER_CONTACT, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 500));
    const by = repliesByContact(await outbound(sim, bot.account_id), CONTACTS);
    return { expired, whileExpired, runningAfter, resumed, by, after: await gateway.status() };
  }

  it("-14 mid-burst (on a poll and on sends) pauses the account with the fix; after re-login nothing is lost or doubled", async () => {
    const r = await expiryScenario(6);
    const st = r.whileExpired.accounts[0];
    expect(st?.expired).toBe(true);
    expect(st?.fix).toContain("wxagent login");
    expect(r.expired.length).toBe(1); // announced once, however many calls answered -14
    expect(r.runningAfter).toBe(true);
    expect(r.resumed).toBe(true);
    for (const [from, texts] of r.by) {
      expect([...texts].sort(), from).toEqual(
        Array.from({ length: PER_CONTACT }, (_, n) => `${from} #${n}`).sort(),
      );
    }
    expect(r.after.accounts[0]).toMatchObject({ expired: false, polling: "polling" });
  }, 40_000);

  // A reply whose send met -14 stays pending; delivery then sends nothing more for the account
  // until the re-login resumes every pending bubble oldest first, so no later reply overtakes it
  // (before that fix the user saw #1 #2 #3 #4 #0 #5 …).
  it("-14 mid-burst: after re-login every contact's replies are still in order", async () => {
    const r = await expiryScenario(6);
    expect(deliveryProblems(r.by, PER_CONTACT)).toEqual([]);
  }, 40_000);
});
