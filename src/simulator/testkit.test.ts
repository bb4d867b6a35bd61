import { afterEach, describe, expect, it } from "vitest";
import { createSimulator, type Simulator } from "./app.js";
import { control, newBot, userWrites, waitFor } from "./testkit.js";

let sim: Simulator | undefined;
afterEach(() => sim?.close());

async function inboundCount(s: Simulator): Promise<number> {
  return ((await control(s, "GET", "/messages?direction=inbound")).body.messages as unknown[]).length;
}

describe("waitFor", () => {
  it("re-checks on each simulator event and resolves with the value that passed", async () => {
    sim = createSimulator({ seed: 1, realism: false });
    const s = sim;
    const bot = await newBot(s);
    const probes: number[] = [];
    const waiting = waitFor(
      s,
      "two messages",
      async () => {
        const n = await inboundCount(s);
        probes.push(n);
        return n;
      },
      (n) => n >= 2,
    );
    await userWrites(s, bot, "a@im.wechat", "one");
    await userWrites(s, bot, "a@im.wechat", "two");
    await expect(waiting).resolves.toBe(2);
    expect(probes[0]).toBe(0);
    expect(probes.at(-1)).toBe(2);
  });

  it("probes no more without events, and rejects after its timeout with what and the last value", async () => {
    sim = createSimulator({ seed: 1, realism: false });
    const s = sim;
    let probes = 0;
    const probe = () => {
      probes++;
      return inboundCount(s);
    };
    await expect(waitFor(s, "a message", probe, (n) => n > 0, 50)).rejects.toThrow(
      "timed out after 50 ms waiting for a message; last: 0",
    );
    expect(probes).toBe(1);
  });

  it("rejects when the simulator closes first", async () => {
    sim = createSimulator({ seed: 1, realism: false });
    const waiting = waitFor(
      sim,
      "a message",
      () => 0,
      (n) => n > 0,
      10_000,
    );
    sim.close();
    await expect(waiting).rejects.toThrow("the simulator closed waiting for a message");
  });
});
