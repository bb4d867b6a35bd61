/**
 * The gateway on a bridge that is not iLink: createGateway over the real SQLite store, the echo
 * agent, and the in-memory transport. Messages in, replies out; the port's `session-expired` and
 * `throttled` kinds are handled as iLink's -14 and -2 are.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEchoAgent } from "../agent/echo.js";
import type { Agent } from "../agent/types.js";
import { openStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { createLogger } from "../util/logger.js";
import { createGateway, type Gateway, type GatewayOptions } from "./gateway.js";
import type { GatewayEvent } from "./gateway-types.js";
import { MemoryTransport, type MemoryTransportOptions } from "./memory-transport.js";
import { EXPIRED_REASON } from "./poller.js";
import { TransportError } from "./transport-error.js";

let dir: string;
let store: Store;
let gateway: Gateway | undefined;
let events: GatewayEvent[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wxagent-memtransport-"));
  store = openStore(join(dir, "wxagent.db"));
  store.accounts.upsert({
    id: "mem",
    baseUrl: "memory://",
    cdnBaseUrl: "memory://cdn",
    token: "tok-mem",
    state: "active",
    ownerUserId: "owner",
  });
  events = [];
});

afterEach(async () => {
  await gateway?.stop({ drainTimeoutMs: 100 });
  gateway = undefined;
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(
  o: MemoryTransportOptions = {},
  extra: Partial<GatewayOptions> = {},
): Promise<{ t: MemoryTransport; g: Gateway }> {
  const t = new MemoryTransport(o);
  const g = createGateway({
    store,
    agent: createEchoAgent(),
    transportFor: () => t,
    delivery: { spacingMs: 0, typingStartAfterMs: 60_000, retryDelaysMs: [0], throttleDelaysMs: [0] },
    logger: createLogger("test"),
    ...extra,
  });
  gateway = g;
  g.on((e) => events.push(e));
  await g.start();
  return { t, g };
}

const pendingTexts = () => store.outbound.pending("mem").map((b) => b.text);
const deferredTexts = (userId: string) => store.outbound.deferred("mem", userId).map((b) => b.text);

describe("the gateway on the in-memory transport", () => {
  it("takes messages in and sends the replies out, with each message's context token", async () => {
    const { t } = await start();
    t.write({ from: "alice", text: "hello" });
    t.write({ from: "bob", text: "你好" });
    await vi.waitFor(() => expect(t.sent).toHaveLength(2));
    expect(t.textsTo("alice")).toEqual(["hello"]);
    expect(t.textsTo("bob")).toEqual(["你好"]);
    expect(t.sent.every((s) => s.contextToken?.startsWith(`mem-ctx-${s.to}-`))).toBe(true);
    expect(t.notifies).toEqual(["start"]);
    // stored like any other bridge's messages, and answered
    expect(store.inbound.unfinished("mem")).toEqual([]);
    expect(store.cursors.get("mem")).toBe("2");
  });

  it("drops a redelivered message (same id) instead of answering it twice", async () => {
    const { t } = await start();
    t.write({ from: "alice", text: "once", messageId: "m-1" });
    await vi.waitFor(() => expect(t.textsTo("alice")).toEqual(["once"]));
    t.write({ from: "alice", text: "once", messageId: "m-1" });
    t.write({ from: "alice", text: "twice" });
    await vi.waitFor(() => expect(t.textsTo("alice")).toEqual(["once", "twice"]));
  });

  it("a session-expired fetch marks the account expired with the fix; after re-login it polls again", async () => {
    const { t, g } = await start();
    t.expire();
    await vi.waitFor(() => expect(events.some((e) => e.type === "expired")).toBe(true));
    expect(store.accounts.get("mem")).toMatchObject({ state: "expired", stateReason: EXPIRED_REASON });
    expect((await g.status()).accounts[0]).toMatchObject({
      expired: true,
      polling: "expired",
      fix: EXPIRED_REASON,
    });
    t.renew();
    store.accounts.setState("mem", "active");
    expect(await g.refresh()).toEqual(["mem"]);
    t.write({ from: "alice", text: "back" });
    await vi.waitFor(() => expect(t.textsTo("alice")).toEqual(["back"]));
    expect((await g.status()).accounts[0]).toMatchObject({ expired: false, polling: "polling" });
  });

  it("a session-expired send keeps the reply pending, stops polling, and sends it after re-login", async () => {
    let t!: MemoryTransport;
    // The session ends while the agent works: the reply meets an expired session.
    const agent: Agent = {
      name: "expiring",
      run: async (input) => {
        t.expire();
        return { text: `re: ${input.text}` };
      },
    };
    const started = await start({}, { agent });
    t = started.t;
    t.write({ from: "alice", text: "hello" });
    await vi.waitFor(() => expect(events.filter((e) => e.type === "expired")).toHaveLength(1));
    await vi.waitFor(async () => expect((await started.g.status()).accounts[0]?.polling).not.toBe("polling"));
    expect(t.sent).toEqual([]);
    expect(pendingTexts()).toEqual(["re: hello"]);
    t.renew();
    store.accounts.setState("mem", "active");
    expect(await started.g.refresh()).toEqual(["mem"]);
    await vi.waitFor(() => expect(t.textsTo("alice")).toEqual(["re: hello"]));
    expect(pendingTexts()).toEqual([]);
  });

  it("a spent send quota (throttled) defers the rest to the outbox; it goes out when the contact writes", async () => {
    const { t } = await start(
      { sendsPerInbound: 1 },
      { delivery: { spacingMs: 0, chunkChars: 10, retryDelaysMs: [0], throttleDelaysMs: [0] } },
    );
    t.write({ from: "alice", text: "aaaaaaaa bbbbbbbb" });
    await vi.waitFor(() => expect(deferredTexts("alice")).toHaveLength(1));
    expect(t.textsTo("alice")).toEqual(["aaaaaaaa"]);
    expect(t.refused).toBeGreaterThan(0);
    expect(pendingTexts()).toEqual([]);
    t.write({ from: "alice", text: "more" });
    // The held bubble goes first on the new quota; the new reply then meets -2 and waits its turn.
    await vi.waitFor(() => expect(deferredTexts("alice")).toEqual(["more"]));
    expect(t.textsTo("alice")).toEqual(["aaaaaaaa", "bbbbbbbb"]);
    expect(store.outbound.list({ accountId: "mem" }).filter((b) => b.state === "failed")).toEqual([]);
    expect(store.accounts.get("mem")?.state).toBe("active");
  });

  it("a throttle's retryAfterMs holds the account at least that long", async () => {
    const { t } = await start();
    t.throttleNext(1, 300);
    const before = Date.now();
    t.write({ from: "alice", text: "later" });
    await vi.waitFor(() => expect(t.textsTo("alice")).toEqual(["later"]), { timeout: 3_000 });
    expect(Date.now() - before).toBeGreaterThanOrEqual(300);
    expect(t.refused).toBe(1);
  });

  it("a failed fetch is backed off and retried; nothing is lost", async () => {
    const { t, g } = await start({}, { backoff: { retryDelayMs: 10, longDelayMs: 10 } });
    t.failNextFetch(new TransportError("retryable", "connection reset"));
    t.write({ from: "alice", text: "still there?" });
    await vi.waitFor(() => expect(t.textsTo("alice")).toEqual(["still there?"]));
    expect((await g.status()).accounts[0]).toMatchObject({ expired: false, polling: "polling" });
  });
});
