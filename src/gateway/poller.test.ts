import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ILinkApiError } from "../ilink/errors.js";
import { MessageType } from "../ilink/wire.js";
import { asyncStore } from "../store/async.js";
import { openStore } from "../store/sqlite.js";
import type { InboundMessage, Store } from "../store/types.js";
import { createLogger } from "../util/logger.js";
import { EXPIRED_REASON, Poller, type PollerOptions } from "./poller.js";
import { FakeInboundTransport, userText } from "./testing.js";
import { TransportError } from "./transport-error.js";

let store: Store;
let transport: FakeInboundTransport;
let dispatched: InboundMessage[][];

function poller(extra: Partial<PollerOptions> = {}): Poller {
  return new Poller({
    accountId: "acct",
    store: asyncStore(store),
    transport,
    onMessages: (m) => dispatched.push(m),
    logger: createLogger("test"),
    ...extra,
  });
}

/** Let the loop run its pending microtasks (awaits inside fetchMessages, the store, etc.). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

beforeEach(() => {
  store = openStore(":memory:");
  store.accounts.upsert({
    id: "acct",
    baseUrl: "http://x",
    cdnBaseUrl: "http://x/c2c",
    token: "t0ken-secret",
    state: "active",
  });
  transport = new FakeInboundTransport();
  dispatched = [];
});

afterEach(() => {
  vi.useRealTimers();
  store.close();
});

describe("Poller", () => {
  it("sends notifystart, then stores messages and the cursor in one transaction before dispatch", async () => {
    let seenAtDispatch: { cursor: string; rows: number } | undefined;
    const p = poller({
      onMessages: (m) => {
        dispatched.push(m);
        seenAtDispatch = { cursor: store.cursors.get("acct"), rows: store.inbound.unfinished("acct").length };
      },
    });
    p.start();
    transport.push([userText("u1", "hello"), userText("u2", "hi")], { cursor: "cur-1" });
    await vi.waitFor(() => expect(dispatched).toHaveLength(1));
    expect(transport.notifies[0]?.kind).toBe("start");
    expect(seenAtDispatch).toEqual({ cursor: "cur-1", rows: 2 });
    expect(dispatched[0]?.map((m) => m.fromUserId)).toEqual(["u1", "u2"]);
    await vi.waitFor(() => expect(transport.calls[1]?.cursor).toBe("cur-1"));
    await p.stopPulling();
  });

  it("with a group-commit store, acknowledges a cursor to the server only once it is committed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wxagent-poller-"));
    const grouped = openStore(join(dir, "wxagent.db"), { groupCommit: true });
    grouped.accounts.upsert({
      id: "acct",
      baseUrl: "http://x",
      cdnBaseUrl: "http://x/c2c",
      token: "t",
      state: "active",
    });
    const reader = new Database(join(dir, "wxagent.db"), { readonly: true });
    const committedCursor = () =>
      (
        reader.prepare("SELECT cursor FROM cursors WHERE account_id = 'acct'").get() as
          | { cursor?: string }
          | undefined
      )?.cursor;
    const atCall: (string | undefined)[] = [];
    const spy = vi.spyOn(transport, "fetchMessages");
    spy.mockImplementation((cursor, options) => {
      atCall.push(committedCursor());
      return FakeInboundTransport.prototype.fetchMessages.call(transport, cursor, options);
    });
    const p = poller({ store: asyncStore(grouped) });
    try {
      p.start();
      transport.push([userText("u1", "hello")], { cursor: "cur-1" });
      await vi.waitFor(() => expect(transport.calls).toHaveLength(2));
      expect(transport.calls[1]?.cursor).toBe("cur-1");
      expect(atCall).toEqual([undefined, "cur-1"]);
    } finally {
      await p.stopPulling();
      reader.close();
      await grouped.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the old cursor when the server sends an empty one", async () => {
    store.cursors.set("acct", "saved");
    const p = poller();
    p.start();
    transport.push([userText("u1", "a")], { cursor: "" });
    await vi.waitFor(() => expect(transport.calls).toHaveLength(2));
    expect(transport.calls.map((c) => c.cursor)).toEqual(["saved", "saved"]);
    expect(store.cursors.get("acct")).toBe("saved");
    await p.stopPulling();
  });

  it("uses the server's longpolling_timeout_ms as the next client timeout", async () => {
    const p = poller();
    p.start();
    transport.push([], { longPollTimeoutMs: 12_345 });
    await vi.waitFor(() => expect(transport.calls).toHaveLength(2));
    expect(transport.calls.map((c) => c.timeoutMs)).toEqual([35_000, 12_345]);
    await p.stopPulling();
  });

  it("backs off 2 s, 2 s, 30 s after three failures in a row, then 2 s again", async () => {
    vi.useFakeTimers({ now: 0 });
    const callTimes: number[] = [];
    const failing = new FakeInboundTransport();
    for (let i = 0; i < 5; i++) failing.fail(new Error(`boom ${i}`));
    const spy = vi.spyOn(failing, "fetchMessages");
    spy.mockImplementation(async function (this: FakeInboundTransport, cursor, options) {
      callTimes.push(Date.now());
      return FakeInboundTransport.prototype.fetchMessages.call(failing, cursor, options);
    });
    const p = poller({ transport: failing });
    p.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(callTimes).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(callTimes).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(callTimes).toEqual([0, 2_000]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(callTimes).toEqual([0, 2_000, 4_000]);
    // third failure in a row: 30 s
    await vi.advanceTimersByTimeAsync(29_999);
    expect(callTimes).toHaveLength(3);
    expect(p.status().state).toBe("backoff");
    await vi.advanceTimersByTimeAsync(1);
    expect(callTimes).toEqual([0, 2_000, 4_000, 34_000]);
    // the count restarted: 2 s again
    await vi.advanceTimersByTimeAsync(2_000);
    expect(callTimes).toEqual([0, 2_000, 4_000, 34_000, 36_000]);
    expect(p.status().lastError).toBe("boom 4");
    // The count of failures in a row goes on across the long pause, in the status and the store.
    expect(p.status().consecutiveFailures).toBe(5);
    expect(store.accounts.get("acct")).toMatchObject({
      pollFailures: 5,
      lastPollError: "boom 4",
      lastPollErrorAtMs: 36_000,
    });
    await p.stopPulling();
  });

  it("records failed polls on the account until the server answers again", async () => {
    vi.useFakeTimers({ now: 1_000 });
    transport.fail(new Error("connect ECONNREFUSED 127.0.0.1:9"));
    transport.fail(new Error("connect ECONNREFUSED 127.0.0.1:9"));
    const p = poller();
    p.start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(store.accounts.get("acct")).toMatchObject({
      pollFailures: 2,
      lastPollError: "connect ECONNREFUSED 127.0.0.1:9",
    });
    transport.push([]);
    await vi.advanceTimersByTimeAsync(2_000);
    const account = store.accounts.get("acct");
    expect(account?.pollFailures).toBe(0);
    expect(account?.lastPollError).toBeUndefined();
    expect(account?.lastPollAtMs).toBe(5_000);
    expect(p.status().consecutiveFailures).toBe(0);
    await p.stopPulling();
  });

  it("honours configured backoff delays", async () => {
    vi.useFakeTimers({ now: 0 });
    for (let i = 0; i < 3; i++) transport.fail(new Error("x"));
    const p = poller({ backoff: { retryDelayMs: 100, longDelayMs: 1_000, failuresBeforeLongDelay: 2 } });
    p.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(transport.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(transport.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.calls).toHaveLength(3);
    await p.stopPulling();
  });

  it("drops a redelivery under a new message id and under an empty one", async () => {
    const p = poller();
    p.start();
    const original = userText("u1", "same words", { create_time_ms: 1_700_000_123_000 });
    transport.push([original]);
    transport.push([{ ...original, message_id: "another-id", context_token: "ctx-new" }]);
    transport.push([{ ...original, message_id: "" }]);
    transport.push([{ ...original, message_id: undefined }]);
    // a genuine repeat: same words, new create time
    transport.push([userText("u1", "same words", { create_time_ms: 1_700_000_124_000 })]);
    await vi.waitFor(() => expect(transport.calls.length).toBeGreaterThanOrEqual(6));
    expect(dispatched.flat().map((m) => m.createTimeMs)).toEqual([1_700_000_123_000, 1_700_000_124_000]);
    expect(store.inbound.list({ accountId: "acct" })).toHaveLength(2);
    await p.stopPulling();
  });

  it("remembers content across a restart (seeded from the store)", async () => {
    const original = userText("u1", "before restart");
    const first = poller();
    first.start();
    transport.push([original]);
    await vi.waitFor(() => expect(dispatched).toHaveLength(1));
    await first.stopPulling();
    const second = poller();
    second.start();
    transport.push([{ ...original, message_id: "new-id-after-restart" }]);
    await vi.waitFor(() => expect(transport.pendingSteps).toBe(0));
    await settle();
    expect(dispatched).toHaveLength(1);
    await second.stopPulling();
  });

  it("drops bot echoes and malformed elements, and backs off a malformed body without stopping", async () => {
    vi.useFakeTimers({ now: 0 });
    const p = poller();
    p.start();
    transport.push([
      userText("u1", "echo of the bot", { message_type: MessageType.BOT }),
      42,
      null,
      { message_type: 1, item_list: [] },
      userText("u2", "real"),
    ]);
    transport.push("not a list" as unknown as unknown[]);
    transport.push([userText("u3", "after the bad body")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(dispatched.flat().map((m) => m.fromUserId)).toEqual(["u2"]);
    expect(p.status().state).toBe("backoff");
    expect(p.status().lastError).toMatch(/malformed/);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(dispatched.flat().map((m) => m.fromUserId)).toEqual(["u2", "u3"]);
    await p.stopPulling();
  });

  it("-14 marks the account expired with the fix, stops polling and reports it", async () => {
    vi.useFakeTimers({ now: 0 });
    const expired: string[] = [];
    const p = poller({ onExpired: (id, reason) => expired.push(`${id}: ${reason}`) });
    p.start();
    transport.fail(new TransportError("session-expired", "getupdates: session expired"));
    await vi.advanceTimersByTimeAsync(0);
    expect(expired).toEqual([`acct: ${EXPIRED_REASON}`]);
    expect(store.accounts.get("acct")).toMatchObject({ state: "expired", stateReason: EXPIRED_REASON });
    expect(p.status().state).toBe("expired");
    expect(p.running).toBe(false);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(transport.calls).toHaveLength(1);
    // resumable: a new start polls again
    p.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls).toHaveLength(2);
    await p.stopPulling();
  });

  it("a failed store write loses nothing: the cursor stays, the batch is polled again and stored", async () => {
    vi.useFakeTimers({ now: 0 });
    const spy = vi.spyOn(store.inbound, "recordPoll").mockImplementationOnce(() => {
      throw new Error("SQLITE_FULL: database or disk is full");
    });
    const p = poller();
    p.start();
    const msg = userText("u1", "must not be lost");
    transport.push([msg], { cursor: "after" });
    transport.push([msg], { cursor: "after" }); // the server answers the old cursor again
    await vi.advanceTimersByTimeAsync(0);
    expect(dispatched).toEqual([]);
    expect(p.status().lastError).toMatch(/SQLITE_FULL/);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(transport.calls.map((c) => c.cursor)).toEqual(["", "", "after"]);
    expect(dispatched.flat().map((m) => m.messageId)).toEqual([msg.message_id]);
    expect(spy).toHaveBeenCalledTimes(2);
    await p.stopPulling();
  });

  it("recognises an iLink -14 given only as errcode (mapped by the iLink transport)", async () => {
    const p = poller();
    p.start();
    transport.fail(new ILinkApiError("ilink/bot/getupdates", { errcode: -14 }));
    await vi.waitFor(() => expect(p.status().state).toBe("expired"));
  });

  it("stopPulling aborts the long poll in flight; notifystop has its own timeout", async () => {
    const p = poller({ notifyTimeoutMs: 7_000 });
    p.start();
    await vi.waitFor(() => expect(transport.calls).toHaveLength(1));
    await p.stopPulling(); // resolves although the poll was holding
    expect(p.running).toBe(false);
    expect(p.status().state).toBe("stopped");
    await p.notifyStop();
    expect(transport.notifies.at(-1)).toEqual({ kind: "stop", timeoutMs: 7_000, tiedToAbort: false });
  });

  it("waits for dispatch capacity before the next long poll", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const p = poller({ waitForCapacity: () => gate });
    p.start();
    await settle();
    expect(transport.calls).toHaveLength(0);
    expect(p.status().state).toBe("waiting");
    release();
    await vi.waitFor(() => expect(transport.calls).toHaveLength(1));
    await p.stopPulling();
  });

  it("refuses a malformed message on its own: recorded as refused, the cursor and the rest of the batch go on", async () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    // An element whose fields throw when read: nothing in the poller may let that fail the poll.
    const hostile = new Proxy(
      { from_user_id: "mallory", message_id: "m-hostile" },
      {
        get(target, key) {
          if (key === "item_list") throw new RangeError("Maximum call stack size exceeded");
          return Reflect.get(target, key);
        },
      },
    );
    const p = poller();
    p.start();
    transport.push(
      [
        userText("u1", "before"),
        userText("eve", "x", { message_id: "m-deep", item_list: [{ type: 1, deep } as never] }),
        hostile,
        userText("u2", "after"),
      ],
      { cursor: "cur-1" },
    );
    await vi.waitFor(() => expect(dispatched).toHaveLength(1));
    expect(dispatched[0]?.map((m) => m.fromUserId)).toEqual(["u1", "u2"]);
    expect(store.cursors.get("acct")).toBe("cur-1");
    const refused = store.inbound.list({ accountId: "acct" }).filter((m) => m.state === "refused");
    expect(refused.map((m) => [m.fromUserId, m.messageId, m.items])).toEqual([
      ["mallory", "m-hostile", []],
      ["eve", "m-deep", []],
    ]);
    expect(refused.find((m) => m.fromUserId === "eve")?.stateReason).toMatch(/nested deeper than 32 levels/);
    expect(refused.find((m) => m.fromUserId === "mallory")?.stateReason).toMatch(/could not be read/);
    // Redelivered, the deep one is neither dispatched nor recorded twice; later polls go on.
    transport.push([userText("eve", "x", { message_id: "m-deep", item_list: [{ type: 1, deep } as never] })]);
    transport.push([userText("u3", "later")], { cursor: "cur-3" });
    await vi.waitFor(() => expect(dispatched).toHaveLength(2));
    expect(dispatched[1]?.map((m) => m.fromUserId)).toEqual(["u3"]);
    expect(store.inbound.list({ accountId: "acct" }).filter((m) => m.state === "refused")).toHaveLength(2);
    expect(p.status().consecutiveFailures).toBe(0);
    await p.stopPulling();
  });
});
