import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEchoAgent } from "../agent/echo.js";
import type { Agent, AgentInput } from "../agent/types.js";
import { openStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { createLogger } from "../util/logger.js";
import { createGateway, type Gateway, type GatewayOptions } from "./gateway.js";
import type { GatewayEvent } from "./gateway-types.js";
import { normalizeInbound } from "./inbound.js";
import { EXPIRED_REASON } from "./poller.js";
import { FakeTransport, userText } from "./testing.js";
import { TransportError } from "./transport-error.js";

let store: Store;
let transports: Map<string, FakeTransport>;
let gateway: Gateway | undefined;

function addAccount(id: string, owner = "owner"): void {
  store.accounts.upsert({
    id,
    baseUrl: "http://x",
    cdnBaseUrl: "http://x/c2c",
    token: `tok-${id}-secret`,
    state: "active",
    ownerUserId: owner,
  });
}

function transport(id: string): FakeTransport {
  let t = transports.get(id);
  if (!t) {
    t = new FakeTransport();
    transports.set(id, t);
  }
  return t;
}

function make(extra: Partial<GatewayOptions> = {}): Gateway {
  gateway = createGateway({
    store,
    agent: createEchoAgent(),
    transportFor: (account) => transport(account.id),
    delivery: { spacingMs: 0, typingStartAfterMs: 60_000, retryDelaysMs: [0], throttleDelaysMs: [0] },
    maxTurns: 4,
    logger: createLogger("test"),
    ...extra,
  });
  return gateway;
}

beforeEach(() => {
  store = openStore(":memory:");
  transports = new Map();
  addAccount("acct");
});

afterEach(async () => {
  await gateway?.stop({ drainTimeoutMs: 100 });
  gateway = undefined;
  vi.useRealTimers();
  store.close();
});

describe("gateway", () => {
  it("answers every contact through the transport, with the inbound context token", async () => {
    const g = make();
    await g.start();
    const t = transport("acct");
    t.inbound.push([userText("u1", "hello"), userText("u2", "你好")]);
    await vi.waitFor(() => expect(t.sent).toHaveLength(2));
    expect(t.textsTo("u1")).toEqual(["hello"]);
    expect(t.textsTo("u2")).toEqual(["你好"]);
    expect(t.sent.every((b) => b.contextToken?.startsWith("ctx-"))).toBe(true);
    expect(t.inbound.notifies[0]?.kind).toBe("start");
  });

  it("replays unfinished inbound after a crash and does not resend a reply already sent", async () => {
    // The previous process stored three messages; it answered the first (sent), recorded but did
    // not send the reply to the second, and never started the third.
    const rows = store.inbound.recordPoll(
      "acct",
      "cursor-before-crash",
      ["answered", "recorded", "untouched"].map((text) => {
        const n = normalizeInbound(userText("u1", text));
        if (!n.ok) throw new Error(n.reason);
        return n.inbound;
      }),
      1,
    );
    const [answered, recorded, untouched] = rows;
    if (!answered || !recorded || !untouched) throw new Error("rows");
    store.inbound.setState(answered.id, "processing");
    const [sentRow] = store.outbound.enqueue(
      [
        {
          accountId: "acct",
          toUserId: "u1",
          inboundId: answered.id,
          seq: 0,
          clientId: "c-answered",
          kind: "text",
          text: "answered",
        },
      ],
      2,
    );
    store.outbound.markSent(sentRow?.id as number, 3);
    store.outbound.enqueue(
      [
        {
          accountId: "acct",
          toUserId: "u1",
          inboundId: recorded.id,
          seq: 0,
          clientId: "c-recorded",
          kind: "text",
          text: "recorded",
        },
      ],
      4,
    );
    const ran: string[] = [];
    const echo = createEchoAgent();
    const agent: Agent = {
      name: "spy",
      run: (input: AgentInput, io) => {
        ran.push(input.text);
        return echo.run(input, io);
      },
    };
    const g = make({ agent });
    await g.start();
    const t = transport("acct");
    await vi.waitFor(() => expect(t.sent).toHaveLength(2));
    expect(ran).toEqual(["untouched"]);
    expect(t.textsTo("u1")).toEqual(["recorded", "untouched"]);
    expect(t.sent[0]?.clientId).toBe("c-recorded"); // the retry reuses the recorded client_id
    expect(store.inbound.unfinished("acct")).toEqual([]);
    expect(t.inbound.calls[0]?.cursor).toBe("cursor-before-crash");
  });

  it("-14 marks the account expired in status with the fix; the process stays up and resume() restarts polling", async () => {
    const events: GatewayEvent[] = [];
    addAccount("other");
    const g = make();
    g.on((e) => events.push(e));
    await g.start();
    transport("acct").inbound.fail(new TransportError("session-expired", "expired"));
    await vi.waitFor(() => expect(events.some((e) => e.type === "expired")).toBe(true));
    const s = (await g.status()).accounts.find((a) => a.accountId === "acct");
    expect(s).toMatchObject({ state: "expired", expired: true, polling: "expired", fix: EXPIRED_REASON });
    expect(s?.fix).toContain("wxagent login");
    // the other account still answers
    transport("other").inbound.push([userText("u9", "still here?")]);
    await vi.waitFor(() => expect(transport("other").textsTo("u9")).toEqual(["still here?"]));
    // not active yet: resume and refresh refuse
    expect(await g.resume("acct")).toBe(false);
    expect(await g.refresh()).toEqual([]);
    // after re-login the account is active again: resume polls with a fresh transport
    store.accounts.setState("acct", "active");
    transports.delete("acct");
    expect(await g.refresh()).toEqual(["acct"]);
    expect(await g.resume("acct")).toBe(true); // already running: nothing to do
    transport("acct").inbound.push([userText("u1", "back")]);
    await vi.waitFor(() => expect(transport("acct").textsTo("u1")).toEqual(["back"]));
    expect((await g.status()).accounts.find((a) => a.accountId === "acct")).toMatchObject({
      expired: false,
      polling: "polling",
    });
  });

  it("an account added while running and resumed joins the served ones: polled, answered and in status", async () => {
    const g = make({ accountIds: ["acct"] });
    await g.start();
    addAccount("late");
    expect((await g.status()).accounts.map((a) => a.accountId)).toEqual(["acct"]);
    expect(await g.refresh()).toEqual([]); // only the accounts it serves
    expect(await g.resume("late")).toBe(true);
    transport("late").inbound.push([userText("u7", "new here")]);
    await vi.waitFor(() => expect(transport("late").textsTo("u7")).toEqual(["new here"]));
    expect((await g.status()).accounts.map((a) => [a.accountId, a.polling])).toEqual([
      ["acct", "polling"],
      ["late", "polling"],
    ]);
  });

  it("a simulated account's -14 names the fix on the simulator, not WeChat's QR", async () => {
    const events: GatewayEvent[] = [];
    store.accounts.upsert({
      id: "acct",
      baseUrl: "http://127.0.0.1:8790",
      cdnBaseUrl: "http://127.0.0.1:8790/c2c",
      token: "tok-sim",
      state: "active",
      simulated: true,
    });
    const g = make();
    g.on((e) => events.push(e));
    await g.start();
    transport("acct").inbound.fail(new TransportError("session-expired", "expired"));
    await vi.waitFor(() => expect(events.some((e) => e.type === "expired")).toBe(true));
    const fix = (await g.status()).accounts[0]?.fix ?? "";
    expect(fix).toContain("http://127.0.0.1:8790/ (Bot → “+ Create bot account”)");
    expect(fix).toContain("admin UI's QR login");
    expect(store.accounts.get("acct")?.stateReason).toBe(fix);
    expect(events.find((e) => e.type === "expired")).toMatchObject({ reason: fix });
  });

  it("-14 on a send marks the account expired once, stops its poller and keeps the reply pending", async () => {
    const events: GatewayEvent[] = [];
    const g = make();
    g.on((e) => events.push(e));
    await g.start();
    const t = transport("acct");
    t.failSends = new TransportError("session-expired", "sendmessage: expired");
    t.inbound.push([userText("u1", "hello")]);
    await vi.waitFor(() => expect(events.filter((e) => e.type === "expired")).toHaveLength(1));
    await vi.waitFor(async () => expect((await g.status()).accounts[0]?.polling).toBe("stopped"));
    expect((await g.status()).accounts[0]).toMatchObject({ expired: true, fix: EXPIRED_REASON });
    expect(store.outbound.pending("acct").map((b) => b.text)).toEqual(["hello"]);
  });

  it("stop() runs its stages: aborts the poll, drains with a deadline, leaves the rest for replay, notifystop", async () => {
    const started: string[] = [];
    const slow: Agent = {
      name: "slow",
      run: (input) =>
        new Promise((resolve, reject) => {
          started.push(input.text);
          if (input.text === "quick") resolve({ text: "quick done" });
          input.signal.addEventListener("abort", () => reject(input.signal.reason), { once: true });
        }),
    };
    const g = make({ agent: slow, maxTurns: 1 });
    await g.start();
    const t = transport("acct");
    t.inbound.push([userText("u1", "forever"), userText("u2", "queued")]);
    await vi.waitFor(() => expect(started).toEqual(["forever"]));
    const report = await g.stop({ drainTimeoutMs: 50 });
    gateway = undefined;
    expect(report).toEqual({ abortedTurns: 1, leftQueued: 1, unfinished: 2 });
    expect(t.inbound.notifies.map((n) => n.kind)).toEqual(["start", "stop"]);
    expect(t.inbound.notifies[1]?.tiedToAbort).toBe(false);
    expect(store.inbound.unfinished("acct").map((m) => m.state)).toEqual(["processing", "pending"]);
    // the next start replays both, in order
    const g2 = make({ agent: createEchoAgent(), maxTurns: 1 });
    await g2.start();
    await vi.waitFor(() => expect(t.sent.map((b) => b.text)).toEqual(["forever", "queued"]));
  });

  it("status() reports polling state, queue depth, last inbound time and sends left", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const agent: Agent = {
      name: "g",
      run: async (input) => {
        await gate;
        return { text: input.text };
      },
    };
    const g = make({ agent, maxTurns: 1 });
    await g.start();
    const t = transport("acct");
    t.inbound.push([userText("u1", "one"), userText("u2", "two")]);
    await vi.waitFor(async () => expect((await g.status()).accounts[0]?.runningTurns).toBe(1));
    const s = (await g.status()).accounts[0];
    expect(s).toMatchObject({
      accountId: "acct",
      polling: "polling",
      queueDepth: 1,
      unfinished: 2,
      expired: false,
    });
    expect(s?.lastInboundAtMs).toBeGreaterThan(0);
    release();
    await vi.waitFor(() => expect(t.sent).toHaveLength(2));
    expect((await g.status()).accounts[0]?.sendsLeft).toEqual(
      expect.arrayContaining([
        { userId: "u1", left: 9 },
        { userId: "u2", left: 9 },
      ]),
    );
  });
});
