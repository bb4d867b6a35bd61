import { describe, expect, it, vi } from "vitest";
import { KeyedLanes, sequentialize } from "./sequentialize.js";

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

describe("sequentialize", () => {
  it("runs one key's tasks in arrival order, one at a time, and passes results and errors through", async () => {
    const seq = sequentialize((k: string) => k);
    const log: string[] = [];
    const first = gate();
    const a1 = seq.run("a", async () => {
      log.push("a1 start");
      await first.wait;
      log.push("a1 end");
      return 1;
    });
    const a2 = seq.run("a", () => {
      log.push("a2");
      throw new Error("a2 failed");
    });
    const a3 = seq.run("a", () => "three");
    const b1 = seq.run("b", () => void log.push("b1"));
    await b1;
    expect(log).toEqual(["a1 start", "b1"]); // b is not held up by a
    first.open();
    await expect(a1).resolves.toBe(1);
    await expect(a2).rejects.toThrow("a2 failed");
    await expect(a3).resolves.toBe("three"); // a failure does not stall the key
    expect(log).toEqual(["a1 start", "b1", "a1 end", "a2"]);
    await seq.idle();
    expect(seq.activeKeys).toBe(0);
  });

  it("bounds concurrency across keys and hands free slots to waiting keys first come first served", async () => {
    const seq = sequentialize((k: string) => k, { maxConcurrency: 2 });
    const gates = new Map(["a", "b", "c", "d"].map((k) => [k, gate()]));
    const started: string[] = [];
    const runs = ["a", "b", "c", "d"].map((k) =>
      seq.run(k, async () => {
        started.push(k);
        await gates.get(k)?.wait;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(["a", "b"]);
    gates.get("b")?.open();
    await runs[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(["a", "b", "c"]);
    for (const g of gates.values()) g.open();
    await Promise.all(runs);
    expect(started).toEqual(["a", "b", "c", "d"]);
  });

  it("never starts a task inside the run() call", () => {
    const seq = sequentialize((k: string) => k);
    let ran = false;
    void seq.run("a", () => {
      ran = true;
    });
    expect(ran).toBe(false);
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => new KeyedLanes(async () => {}, { maxConcurrency: 0 })).toThrow(RangeError);
  });
});

describe("KeyedLanes", () => {
  it("pause() stops starting jobs, clearQueued() hands back the queued ones, whenIdle() waits for the running", async () => {
    const release = gate();
    const ran: number[] = [];
    const lanes = new KeyedLanes<number>(async (job) => {
      ran.push(job);
      await release.wait;
    });
    lanes.push("a", 1);
    lanes.push("a", 2);
    lanes.push("b", 3);
    expect(lanes.running).toBe(2);
    expect(lanes.queuedFor("a")).toBe(1);
    lanes.pause();
    expect(lanes.clearQueued()).toEqual([2]);
    const idle = lanes.whenIdle();
    release.open();
    await idle;
    expect(ran).toEqual([1, 3]);
    expect(lanes.activeKeys).toBe(0);
  });

  it("clearQueued(which) drops only the jobs it picks; the others keep their order, and no key runs twice at once", async () => {
    const release = gate();
    const ran: string[] = [];
    const lanes = new KeyedLanes<string>(
      async (job) => {
        ran.push(job);
        await release.wait;
      },
      { maxConcurrency: 1 },
    );
    lanes.push("a", "a1");
    lanes.push("a", "a2 drop");
    lanes.push("a", "a3");
    lanes.push("b", "b1 drop");
    lanes.push("c", "c1");
    expect(lanes.clearQueued((j) => j.endsWith("drop"))).toEqual(["a2 drop", "b1 drop"]);
    expect(lanes.activeKeys).toBe(2); // "b" had only its dropped job: gone
    release.open();
    await lanes.whenIdle();
    await lanes.whenIdle();
    expect(ran).toEqual(["a1", "c1", "a3"]);
  });

  it("release() hands the slot to another key while the key stays busy; whenIdle() waits for the job's end", async () => {
    const end = gate();
    const ran: string[] = [];
    let releaseFirst = () => {};
    const lanes = new KeyedLanes<string>(
      async (job, _key, release) => {
        ran.push(job);
        if (job === "a1") {
          releaseFirst = release;
          await end.wait;
        }
      },
      { maxConcurrency: 1 },
    );
    lanes.push("a", "a1");
    lanes.push("a", "a2");
    lanes.push("b", "b1");
    expect(ran).toEqual(["a1"]);
    releaseFirst();
    releaseFirst(); // twice is once
    await Promise.resolve();
    expect(ran).toEqual(["a1", "b1"]); // b got the slot; a2 waits for a1, which still runs
    let idle = false;
    void lanes.whenIdle().then(() => {
      idle = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    end.open();
    await vi.waitFor(() => expect(ran).toEqual(["a1", "b1", "a2"]));
    await vi.waitFor(() => expect(idle).toBe(true));
  });
});
