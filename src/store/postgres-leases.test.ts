/**
 * Leases and the fence on a real PostgreSQL server, then two lease keepers (two nodes) on ten
 * accounts: fair shares, takeover of a node that stops, and a paused node whose writes are fenced.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type KeeperClock, LeaseKeeper, realClock } from "../gateway/lease-keeper.js";
import { isStoreError } from "./errors.js";
import { openPostgresStore, type PgStore } from "./postgres.js";
import { pgTestDatabase } from "./postgres-server.test-util.js";

const db = await pgTestDatabase("leases");
afterAll(async () => {
  if (typeof db !== "string") await db.drop();
});

/** Resolves once `ok()` holds, checked on every keeper event; rejects after `ms`. */
function until(keepers: LeaseKeeper[], ok: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ok()) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`not reached within ${ms} ms`));
    }, ms);
    const done = () => {
      clearTimeout(timer);
      for (const k of keepers) {
        k.off("gained", check);
        k.off("lost", check);
      }
    };
    for (const k of keepers) {
      k.on("gained", check);
      k.on("lost", check);
    }
    check();
  });
}

/** The real clock, whose timers can be held back (a SIGSTOPped process fires none). */
function pausableClock() {
  let paused = false;
  const held: Array<() => void> = [];
  const clock: KeeperClock = {
    now: realClock.now,
    setTimer: (fn, ms) => realClock.setTimer(() => (paused ? held.push(fn) : fn()), ms),
  };
  return {
    clock,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      for (const fn of held.splice(0)) fn();
    },
  };
}

if (typeof db === "string") {
  describe.skip(`PostgreSQL leases (skipped: ${db})`, () => {
    it("needs a server", () => {});
  });
} else {
  let store: PgStore;
  beforeAll(async () => {
    store = await openPostgresStore(db.url);
  });
  afterAll(() => store.close());
  afterEach(() => db.reset());

  describe("PostgreSQL leases", () => {
    it("grants a lease to one node, renews it, and raises the epoch when it passes on", async () => {
      const { leases } = store;
      expect(await leases.acquireOrRenew("a", "acc", 60_000)).toBe(1);
      expect(await leases.acquireOrRenew("b", "acc", 60_000)).toBeNull();
      expect(await leases.acquireOrRenew("a", "acc", 60_000)).toBe(1);
      await leases.release("b", "acc"); // not b's: no effect
      expect(await leases.acquireOrRenew("b", "acc", 60_000)).toBeNull();
      await leases.release("a", "acc");
      expect(await leases.acquireOrRenew("b", "acc", 1)).toBe(2);
      await new Promise((r) => setTimeout(r, 20)); // b's 1 ms lease runs out on the server's clock
      expect(await leases.acquireOrRenew("a", "acc", 60_000)).toBe(3);
      const [h] = await leases.holders();
      expect(h).toMatchObject({ accountId: "acc", nodeId: "a", epoch: 3, live: true });
      expect(h?.expiresAtMs).toBeGreaterThan(Date.now() + 50_000);
    });

    it("renews every lease a node still holds in one statement, and leaves out the ones it lost", async () => {
      const { leases } = store;
      expect(await leases.acquireOrRenew("a", "r1", 60_000)).toBe(1);
      expect(await leases.acquireOrRenew("a", "r2", 1)).toBe(1);
      await new Promise((r) => setTimeout(r, 20)); // r2 runs out, and b takes it
      expect(await leases.acquireOrRenew("b", "r2", 60_000)).toBe(2);
      const renewed = await leases.renewAll("a", ["r1", "r2", "never-held"], 60_000);
      expect([...renewed]).toEqual([["r1", 1]]);
      expect(await leases.renewAll("a", [], 60_000)).toEqual(new Map());
      const r1 = (await leases.holders()).find((h) => h.accountId === "r1");
      expect(r1?.expiresAtMs).toBeGreaterThan(Date.now() + 50_000);
    });

    it("takes many leases in one statement: free and lapsed ones, its own kept, another live node's left", async () => {
      const { leases } = store;
      expect(await leases.acquireOrRenew("b", "held-by-b", 60_000)).toBe(1);
      expect(await leases.acquireOrRenew("b", "lapsed", 1)).toBe(1);
      expect(await leases.acquireOrRenew("a", "mine", 60_000)).toBe(1);
      await new Promise((r) => setTimeout(r, 20)); // b's 1 ms lease runs out on the server's clock
      const got = await leases.acquireMany("a", ["new", "held-by-b", "lapsed", "mine", "new"], 60_000);
      expect(Object.fromEntries(got)).toEqual({ lapsed: 2, mine: 1, new: 1 });
      expect(await leases.acquireMany("a", [], 60_000)).toEqual(new Map());
      const holder = Object.fromEntries((await leases.holders()).map((h) => [h.accountId, h.nodeId]));
      expect(holder).toEqual({ "held-by-b": "b", lapsed: "a", mine: "a", new: "a" });
    });

    it("two nodes taking the same 300 accounts at once split them: each account to one node, no deadlock", async () => {
      const ids = Array.from({ length: 300 }, (_, i) => `acc-${i}`);
      const shuffled = [...ids].sort(() => Math.random() - 0.5);
      const [a, b] = await Promise.all([
        store.leases.acquireMany("a", ids, 60_000),
        store.leases.acquireMany("b", shuffled, 60_000),
      ]);
      expect(a.size + b.size).toBe(300);
      for (const id of ids) expect(a.has(id) !== b.has(id), id).toBe(true);
    });

    it("lists the nodes heard from within the ttl, and forgets one that leaves", async () => {
      await store.leases.heartbeat("n2");
      await store.leases.heartbeat("n1");
      expect(await store.leases.liveNodes(60_000)).toEqual(["n1", "n2"]);
      await store.leases.leave("n2");
      expect(await store.leases.liveNodes(60_000)).toEqual(["n1"]);
      expect(await store.leases.liveNodes(0)).toEqual([]);
    });

    it("a fenced view writes under its lease and refuses, writing nothing, once the lease moved", async () => {
      const epoch = (await store.leases.acquireOrRenew("a", "acc", 60_000)) ?? -1;
      const mine = store.fenced({ nodeId: "a", accountId: "acc", epoch });
      await store.contextTokens.set("acc", "u1", "ctx", 1);
      await mine.inbound.recordPoll("acc", "c1", [{ fromUserId: "u1", dedupKey: "k1", items: [] }], 1);
      expect(await mine.contextTokens.reserveSend("acc", "u1", 10)).toBe(1);
      const [o] = await store.outbound.enqueue(
        [{ accountId: "acc", toUserId: "u1", seq: 0, clientId: "c", kind: "text", text: "hi" }],
        1,
      );
      await store.leases.release("a", "acc");
      expect(await store.leases.acquireOrRenew("b", "acc", 60_000)).toBe(epoch + 1);
      const refused = [
        () => mine.inbound.recordPoll("acc", "c2", [{ fromUserId: "u1", dedupKey: "k2", items: [] }], 2),
        () => mine.cursors.set("acc", "c3"),
        () => mine.contextTokens.reserveSend("acc", "u1", 10),
        () => mine.outbound.markSent(o?.id ?? -1, 3, "srv"),
        () => mine.transaction((t) => t.cursors.set("acc", "c4")),
      ];
      for (const write of refused) {
        const err = await write().catch((e: unknown) => e);
        expect(isStoreError(err, "LEASE_LOST")).toBe(true);
        expect((err as { isRetryable: boolean }).isRetryable).toBe(false);
        expect((err as Error).message).toMatch(/moved to another node/);
      }
      const other = await store
        .fenced({ nodeId: "b", accountId: "acc", epoch: epoch + 1 })
        .cursors.set("other", "c5")
        .catch((e: unknown) => e);
      expect(isStoreError(other, "LEASE_LOST")).toBe(true);
      expect((other as Error).message).toMatch(/not other's/);
      expect(await store.cursors.get("acc")).toBe("c1");
      expect((await store.inbound.list({ accountId: "acc" })).map((m) => m.dedupKey)).toEqual(["k1"]);
      expect((await store.contextTokens.get("acc", "u1"))?.sendCount).toBe(1);
      expect((await store.outbound.list({ accountId: "acc" }))[0]?.state).toBe("pending");
    });
  });

  describe("two lease keepers on ten accounts", () => {
    const accounts = Array.from({ length: 10 }, (_, i) => `acc${i}`);
    const ttlMs = 1200;
    const renewMs = 300;
    const ids = (k: LeaseKeeper) => k.owned().map((o) => o.accountId);

    it("share 5/5; a node that stops is taken over within ttl + renew; a paused node is fenced", async () => {
      const pa = pausableClock();
      const make = (nodeId: string, clock: KeeperClock) => {
        const k = new LeaseKeeper({
          nodeId,
          ops: store.leases,
          accounts: () => accounts,
          clock,
          ttlMs,
          renewMs,
        });
        k.on("error", () => {});
        return k;
      };
      const a = make("a", pa.clock);
      let b = make("b", realClock);
      a.start();
      b.start();
      try {
        await until([a, b], () => ids(a).length === 5 && ids(b).length === 5, 10_000);
        expect(new Set([...ids(a), ...ids(b)])).toEqual(new Set(accounts));

        // b stops renewing (a crash): a owns all ten within ttl + renew.
        const stoppedAt = Date.now();
        b.stop();
        await until([a], () => ids(a).length === 10, 10_000);
        expect(Date.now() - stoppedAt).toBeLessThanOrEqual(ttlMs + renewMs + 500);

        // b comes back; shares settle at 5/5 again.
        b = make("b", realClock);
        b.start();
        await until([a, b], () => ids(a).length === 5 && ids(b).length === 5, 10_000);

        // a is paused past its ttl: b takes its accounts; a's stale epoch writes nothing.
        const stale = a.owned()[0];
        if (!stale) throw new Error("a owns nothing");
        const cursorBefore = await store.cursors.get(stale.accountId);
        pa.pause();
        await until([b], () => ids(b).length === 10, 10_000);
        const fenced = store.fenced({ nodeId: "a", ...stale });
        const err = await fenced.inbound
          .recordPoll(stale.accountId, "late", [{ fromUserId: "u", dedupKey: "late", items: [] }], 1)
          .catch((e: unknown) => e);
        expect(isStoreError(err, "LEASE_LOST")).toBe(true);
        expect(await store.inbound.list({ accountId: stale.accountId })).toEqual([]);
        expect(await store.cursors.get(stale.accountId)).toBe(cursorBefore);
        expect(a.owned()).toEqual([]);
        // Resumed, it rejoins with fresh epochs.
        pa.resume();
        await until([a, b], () => ids(a).length === 5 && ids(b).length === 5, 10_000);
        expect(a.owned().every((o) => o.epoch > 1)).toBe(true);
      } finally {
        a.stop();
        b.stop();
      }
    });
  });
}
