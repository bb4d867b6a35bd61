import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asyncStore } from "../store/async.js";
import { acquireTokenLock, lockPath, type TokenLock } from "../store/lock.js";
import { openStore } from "../store/sqlite.js";
import type { Account, Store } from "../store/types.js";
import { allHealthFacts, type HealthOptions, healthFacts } from "./health.js";

const T0_MS = Date.UTC(2026, 10, 21, 14, 0, 0);
const HINTS = { expired: "hint: log in again", disabled: "hint: disabled" };

describe("account health facts", () => {
  let store: Store;
  let home: string;
  let lock: TokenLock | undefined;
  let options: HealthOptions;

  const add = (id: string, extra: Partial<Account> = {}): Account =>
    store.accounts.upsert({
      id,
      baseUrl: "http://x",
      cdnBaseUrl: "http://x/c2c",
      token: `tok-${id}`,
      state: "active",
      ...extra,
    });
  const facts = (id: string, extra: Partial<HealthOptions> = {}) => {
    const account = store.accounts.get(id);
    if (!account) throw new Error(`no account ${id}`);
    return healthFacts(asyncStore(store), account, { ...options, ...extra });
  };
  let clientSeq = 0;
  const bubble = (accountId: string, toUserId: string, state?: "pending" | "deferred" | "sent") =>
    store.outbound.enqueue(
      [
        {
          accountId,
          toUserId,
          seq: 0,
          clientId: `c-${clientSeq++}`,
          kind: "text",
          text: "hi",
          ...(state ? { state } : {}),
        },
      ],
      T0_MS,
    )[0];

  beforeEach(() => {
    store = openStore(":memory:");
    home = mkdtempSync(join(tmpdir(), "wxagent-health-"));
    options = { home, quotaPerToken: 10, fixHints: HINTS };
  });
  afterEach(() => {
    lock?.release();
    lock = undefined;
    store.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("gives an expired account its stored reason as the fix, else the surface's hint", async () => {
    add("a");
    add("b");
    add("c");
    store.accounts.setState("a", "expired", "session expired (-14): run `wxagent login`");
    store.accounts.setState("b", "expired");
    store.accounts.setState("c", "disabled");
    expect(await facts("a")).toMatchObject({
      state: "expired",
      fix: "session expired (-14): run `wxagent login`",
    });
    expect((await facts("b")).fix).toBe(HINTS.expired);
    expect((await facts("c")).fix).toBe(HINTS.disabled);
    add("d", { ownerUserId: "u-d" });
    lock = acquireTokenLock(home, "d", { token: "tok-d", command: "wxagent start" });
    expect(await facts("d")).toMatchObject({ state: "active", pollHealth: "ok" });
    expect(await facts("d")).not.toHaveProperty("fix");
  });

  it("says what polling achieves: ok, failing (with the fix for the error), paused, none", async () => {
    add("a", { ownerUserId: "u-a", baseUrl: "http://127.0.0.1:9" });
    add("b", { ownerUserId: "u-b", baseUrl: "https://ilinkai.weixin.qq.com" });
    expect(await facts("a")).toMatchObject({
      pollHealth: "none",
      fix: expect.stringContaining("wxagent start"),
    });
    lock = acquireTokenLock(home, "a", { token: "tok-a", command: "wxagent start" });
    const held = acquireTokenLock(home, "b", { token: "tok-b", command: "wxagent start" });
    try {
      expect(await facts("a")).toMatchObject({ pollHealth: "ok", pollFailures: 0 });
      const refused =
        "getupdates: network failure [tcp]: fetch failed (connect ECONNREFUSED 127.0.0.1:9); check the connection and the base URL";
      store.accounts.pollFailed("a", refused, T0_MS);
      store.accounts.pollFailed("a", refused, T0_MS + 2_000);
      store.accounts.pollFailed("b", refused.replace("127.0.0.1:9", "1.2.3.4:443"), T0_MS);
      const a = await facts("a");
      expect(a).toMatchObject({
        pollHealth: "failing",
        pollFailures: 2,
        lastPollError: refused,
        lastPollErrorAtMs: T0_MS + 2_000,
      });
      // A loopback base URL is a simulator's: start it again, or remove the account.
      expect(a.fix).toMatch(/nothing answers at http:\/\/127\.0\.0\.1:9.*wxagent accounts remove a/);
      expect((await facts("b")).fix).toMatch(/cannot be reached from this machine: check the network/);
      store.accounts.pollFailed("b", "getupdates: HTTP 502 (the server failed): bad gateway", T0_MS);
      expect((await facts("b")).fix).toMatch(/answers with errors/);
      store.accounts.touch("a", { lastPollAtMs: T0_MS + 4_000 });
      expect(await facts("a")).toMatchObject({
        pollHealth: "ok",
        pollFailures: 0,
        lastPollAtMs: T0_MS + 4_000,
      });
      expect(await facts("a")).not.toHaveProperty("fix");
      // Expired: paused, whoever still holds the lock waiting for the new login.
      store.accounts.setState("a", "expired", "session expired (-14): run `wxagent login`");
      expect(await facts("a")).toMatchObject({ pollHealth: "paused", polling: { pid: process.pid } });
    } finally {
      held.release();
    }
  });

  it("tells an expired account replaced by a newer login of the same user to be removed", async () => {
    add("old", { ownerUserId: "u-1", createdAtMs: T0_MS });
    store.accounts.setState("old", "expired", "session expired (-14): run `wxagent login`");
    expect((await facts("old")).fix).toContain("session expired");
    add("new", { ownerUserId: "u-1", createdAtMs: T0_MS + 1_000 });
    expect((await facts("old")).fix).toBe(
      "replaced by new, a newer login of the same WeChat user: remove this one with `wxagent accounts remove old`",
    );
    add("stranger", { ownerUserId: "u-2" });
    store.accounts.setState("stranger", "expired");
    expect((await facts("stranger")).fix).toBe(HINTS.expired);
  });

  it("says when no owner is recorded, so the owner is treated as any contact", async () => {
    add("a");
    lock = acquireTokenLock(home, "a", { token: "tok-a", command: "wxagent start" });
    expect((await facts("a")).fix).toMatch(/no owner recorded.*--owner/);
    expect((await facts("a", { fixHints: { ...HINTS, noOwner: "set an owner" } })).fix).toBe("set an owner");
  });

  it("reports the live process holding the account's poller lock, keyed by token", async () => {
    add("a");
    add("shared", { token: "tok-a" });
    expect(await facts("a")).not.toHaveProperty("polling");
    lock = acquireTokenLock(home, "a", { token: "tok-a", command: "wxagent start" });
    expect((await facts("a")).polling).toEqual({
      pid: process.pid,
      command: "wxagent start",
      this_process: true,
    });
    // Another id with the same bot token is polled by the same process.
    expect((await facts("shared")).polling?.pid).toBe(process.pid);
  });

  it("tells another live process on this host from this one", async () => {
    add("a");
    mkdirSync(join(home, "locks"), { recursive: true });
    // The parent (the test runner) is alive for as long as this test runs.
    writeFileSync(
      lockPath(home, "tok-a"),
      JSON.stringify({
        pid: process.ppid,
        hostname: hostname(),
        startedAtMs: T0_MS,
        command: "wxagent start",
      }),
    );
    expect((await facts("a")).polling).toEqual({
      pid: process.ppid,
      command: "wxagent start",
      this_process: false,
    });
  });

  it("counts a lock held on another host as polling, not by this process", async () => {
    add("a");
    mkdirSync(join(home, "locks"), { recursive: true });
    writeFileSync(
      lockPath(home, "tok-a"),
      JSON.stringify({
        pid: 4242,
        hostname: "elsewhere.invalid",
        startedAtMs: T0_MS,
        command: "wxagent mcp",
      }),
    );
    expect((await facts("a")).polling).toEqual({ pid: 4242, command: "wxagent mcp", this_process: false });
  });

  it("counts unfinished inbound as the queue, and pending and deferred bubbles apart", async () => {
    add("a");
    add("other");
    const inbound = store.inbound.recordPoll(
      "a",
      "cursor-1",
      ["m1", "m2", "m3", "m4", "m5", "m6", "m7"].map((k) => ({ fromUserId: "u1", dedupKey: k, items: [] })),
      T0_MS,
    );
    // 3 pending, 1 processing, 2 done, 1 failed: the queue is the 4 not answered yet.
    store.inbound.setState(inbound[3]?.id ?? -1, "processing");
    store.inbound.setState(inbound[4]?.id ?? -1, "done");
    store.inbound.setState(inbound[5]?.id ?? -1, "done");
    store.inbound.setState(inbound[6]?.id ?? -1, "failed", "agent crashed");
    bubble("a", "u1");
    bubble("a", "u1", "sent");
    bubble("a", "u1", "deferred");
    bubble("a", "u2", "deferred");
    const deferredLater = bubble("a", "u2");
    store.outbound.defer(deferredLater?.id ?? -1, "quota used up");
    bubble("other", "u1", "deferred");

    const f = await facts("a");
    expect(f).toMatchObject({ queue: 4, sending: 1, outbox: 3 });
    expect(await facts("other")).toMatchObject({ queue: 0, sending: 0, outbox: 1 });
  });

  it("lists recent contacts with sends left on their freshest token and their outbox", async () => {
    add("a");
    store.contacts.see("a", "u-old", T0_MS);
    store.contacts.see("a", "u-new", T0_MS + 2_000);
    store.contacts.see("a", "u-mid", T0_MS + 1_000);
    store.contextTokens.set("a", "u-new", "ctx-1", T0_MS);
    for (let i = 0; i < 3; i++) store.contextTokens.countSend("a", "u-new");
    // Over the quota: clamped at 0, not negative.
    store.contextTokens.set("a", "u-mid", "ctx-old", T0_MS);
    for (let i = 0; i < 12; i++) store.contextTokens.countSend("a", "u-mid");
    expect((await facts("a")).contacts.find((c) => c.userId === "u-mid")?.sendsLeft).toBe(0);
    // The contact's next message brings a fresh token: the count starts again.
    store.contextTokens.set("a", "u-mid", "ctx-new", T0_MS + 1_000);
    store.contextTokens.countSend("a", "u-mid");
    bubble("a", "u-old", "deferred");
    bubble("a", "u-old", "deferred");

    const seen = (userId: string, atMs: number) => ({
      accountId: "a",
      userId,
      firstSeenAtMs: atMs,
      lastSeenAtMs: atMs,
    });
    expect((await facts("a")).contacts).toEqual([
      { ...seen("u-new", T0_MS + 2_000), hasContextToken: true, sendsLeft: 7, outbox: 0 },
      { ...seen("u-mid", T0_MS + 1_000), hasContextToken: true, sendsLeft: 9, outbox: 0 },
      { ...seen("u-old", T0_MS), hasContextToken: false, sendsLeft: 0, outbox: 2 },
    ]);
    expect((await facts("a", { quotaPerToken: 5 })).contacts[0]?.sendsLeft).toBe(2);
    expect((await facts("a", { contactLimit: 2 })).contacts.map((c) => c.userId)).toEqual(["u-new", "u-mid"]);
    expect((await facts("a", { contactLimit: 0 })).contacts).toEqual([]);
  });

  it("passes the poll and inbound times through, and leaves them unset when never", async () => {
    add("a", { name: "Shop", ownerUserId: "u-owner" });
    expect(await facts("a")).toEqual({
      accountId: "a",
      name: "Shop",
      ownerUserId: "u-owner",
      baseUrl: "http://x",
      state: "active",
      simulated: false,
      pollHealth: "none",
      pollFailures: 0,
      fix: expect.stringContaining("nobody polls"),
      queue: 0,
      sending: 0,
      outbox: 0,
      schedules: { active: 0, held: 0 },
      contacts: [],
    });
    store.accounts.touch("a", { lastPollAtMs: T0_MS + 5_000, lastInboundAtMs: T0_MS + 4_000 });
    expect(await facts("a")).toMatchObject({ lastPollAtMs: T0_MS + 5_000, lastInboundAtMs: T0_MS + 4_000 });
    add("s", { simulated: true });
    expect((await facts("s")).simulated).toBe(true);
  });

  it("never carries the bot token", async () => {
    add("a", { token: "secret-bot-token" });
    lock = acquireTokenLock(home, "a", { token: "secret-bot-token", command: "wxagent start" });
    expect(JSON.stringify(await allHealthFacts(asyncStore(store), options))).not.toContain(
      "secret-bot-token",
    );
  });

  it("covers every account in the store's order", async () => {
    add("x");
    add("y");
    expect((await allHealthFacts(asyncStore(store), options)).map((f) => f.accountId)).toEqual(
      store.accounts.list().map((a) => a.id),
    );
  });
});
