import { describe, expect, it } from "vitest";
import { LeaseKeeper, type LostReason } from "./lease-keeper.js";
import { FakeClock, MemoryLeases } from "./lease-memory.test-util.js";

const ACCOUNTS = Array.from({ length: 10 }, (_, i) => `acc${i}`);

function setup(accounts: string[] = ACCOUNTS) {
  const clock = new FakeClock();
  const table = new MemoryLeases(clock);
  const list = { accounts };
  const keeper = (nodeId: string) => {
    const k = new LeaseKeeper({ nodeId, ops: table, accounts: () => list.accounts, clock });
    const lost: Array<[string, LostReason]> = [];
    k.on("lost", (a, r) => lost.push([a, r]));
    k.on("error", () => {});
    return Object.assign(k, { lost });
  };
  /** Advance in 100 ms steps, checking that no keeper counts an account the table gives another. */
  const run = async (ms: number, keepers: LeaseKeeper[]) => {
    for (let t = 0; t < ms; t += 100) {
      await clock.advance(100);
      for (const k of keepers) {
        for (const { accountId } of k.owned()) expect(table.holderOf(accountId)).toBe(k.nodeId);
      }
    }
  };
  return { clock, table, list, keeper, run };
}

const ids = (k: LeaseKeeper) => k.owned().map((o) => o.accountId);

describe("LeaseKeeper", () => {
  it("two nodes share ten accounts five and five, disjoint, every account owned", async () => {
    const { keeper, run } = setup();
    const a = keeper("a");
    const b = keeper("b");
    a.start();
    b.start();
    await run(6000, [a, b]);
    expect(ids(a)).toHaveLength(5);
    expect(ids(b)).toHaveLength(5);
    expect(new Set([...ids(a), ...ids(b)])).toEqual(new Set(ACCOUNTS));
  });

  it("hands back the excess when a node joins", async () => {
    const { keeper, run } = setup();
    const a = keeper("a");
    a.start();
    await run(2000, [a]);
    expect(ids(a)).toHaveLength(10);
    const b = keeper("b");
    b.start();
    await run(6000, [a, b]);
    expect([ids(a).length, ids(b).length]).toEqual([5, 5]);
    expect(a.lost.filter(([, r]) => r === "released")).toHaveLength(5);
  });

  it("a node that stops renewing loses everything to the other within ttl + renew", async () => {
    const { keeper, run } = setup();
    const a = keeper("a");
    const b = keeper("b");
    a.start();
    b.start();
    await run(6000, [a, b]);
    a.stop();
    await run(6000 + 2000 + 100, [a, b]);
    expect(ids(b)).toEqual(ACCOUNTS);
  });

  it("a node cut off from the database stops counting its accounts before they can pass on", async () => {
    const { keeper, run, table } = setup();
    const a = keeper("a");
    const b = keeper("b");
    a.start();
    b.start();
    await run(6000, [a, b]);
    const had = ids(a);
    table.unreachable.add("a");
    // `run` checks at every step that `a` never owns what the table already gives `b`.
    await run(10_000, [a, b]);
    expect(ids(a)).toEqual([]);
    expect(ids(b)).toEqual(ACCOUNTS);
    expect(a.lost.filter(([, r]) => r === "expiring").map(([acc]) => acc)).toEqual(had);
  });

  it("one failed round within the ttl keeps every account", async () => {
    const { keeper, run, table } = setup();
    const a = keeper("a");
    a.start();
    await run(2000, [a]);
    table.unreachable.add("a");
    await run(2000, [a]);
    table.unreachable.delete("a");
    await run(2000, [a]);
    expect(ids(a)).toEqual(ACCOUNTS);
    expect(a.lost).toEqual([]);
  });

  it("releaseAll lets the other node take over at its next round, with a higher epoch", async () => {
    const { keeper, run, table } = setup();
    const a = keeper("a");
    const b = keeper("b");
    a.start();
    b.start();
    await run(6000, [a, b]);
    const before = table.rows.get(ids(a)[0] ?? "")?.epoch ?? 0;
    const moved = ids(a)[0];
    await a.releaseAll();
    await run(2100, [a, b]);
    expect(ids(b)).toEqual(ACCOUNTS);
    expect(b.epochOf(moved ?? "")).toBe(before + 1);
  });

  it("gives back an account that is no longer configured", async () => {
    const { keeper, run, list, table } = setup(["x", "y"]);
    const a = keeper("a");
    a.start();
    await run(2000, [a]);
    list.accounts = ["x"];
    await run(2000, [a]);
    expect(ids(a)).toEqual(["x"]);
    expect(a.lost).toEqual([["y", "released"]]);
    expect(table.holderOf("y")).toBeUndefined();
  });
});
