import { afterEach, describe, expect, it, vi } from "vitest";
import { ILinkClient } from "./client.js";
import { fakeFetch, jsonResponse } from "./fake-fetch.test-util.js";
import { startTyping, stopTyping, TypingTickets } from "./typing.js";

afterEach(() => {
  vi.useRealTimers();
});

function setup(answers: Array<Record<string, unknown> | number>) {
  let i = 0;
  const f = fakeFetch(() => {
    const a = answers[Math.min(i++, answers.length - 1)];
    return typeof a === "number" ? new Response("err", { status: a }) : jsonResponse(a);
  });
  const client = new ILinkClient({ baseUrl: "http://api", token: "t", fetch: f.fetch });
  let now = 1_000_000;
  const tickets = new TypingTickets(client, { nowMs: () => now, random: () => 0.5 });
  return {
    tickets,
    calls: f.calls,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("TypingTickets (§9)", () => {
  it("caches a ret:0 ticket until a random moment within 24 h, sending the context token", async () => {
    const s = setup([
      { ret: 0, typing_ticket: "T1" },
      { ret: 0, typing_ticket: "T2" },
    ]);
    expect(await s.tickets.get("u", "ctx")).toBe("T1");
    expect(JSON.parse(s.calls[0]?.body ?? "")).toMatchObject({ ilink_user_id: "u", context_token: "ctx" });
    s.advance(12 * 3600_000 - 1); // random 0.5 × 24 h
    expect(await s.tickets.get("u")).toBe("T1");
    expect(s.calls).toHaveLength(1);
    s.advance(1);
    expect(await s.tickets.get("u")).toBe("T2");
  });

  it("a missing ret is a failure: empty ticket, retry after 2 s, doubling, keeping the last good ticket", async () => {
    const s = setup([
      { typing_ticket: "ignored" },
      500,
      { ret: 0, typing_ticket: "OK" },
      { ret: -4 },
      { ret: -4 },
    ]);
    expect(await s.tickets.get("u")).toBe(""); // missing ret
    s.advance(1999);
    expect(await s.tickets.get("u")).toBe("");
    expect(s.calls).toHaveLength(1);
    s.advance(1);
    expect(await s.tickets.get("u")).toBe(""); // HTTP 500: delay now 4 s
    s.advance(4000);
    expect(await s.tickets.get("u")).toBe("OK");
    s.advance(12 * 3600_000);
    expect(await s.tickets.get("u")).toBe("OK"); // failure keeps the good ticket, retry in 4 s
    s.advance(3999);
    await s.tickets.get("u");
    expect(s.calls).toHaveLength(4);
    s.advance(1);
    expect(await s.tickets.get("u")).toBe("OK");
    expect(s.calls).toHaveLength(5);
  });

  it("the retry delay is capped at 1 h", async () => {
    const s = setup([500]);
    await s.tickets.get("u");
    let delay = 2000;
    for (let k = 0; k < 15; k++) {
      s.advance(delay);
      await s.tickets.get("u");
      delay = Math.min(delay * 2, 3600_000);
    }
    const before = s.calls.length;
    s.advance(3600_000 - 1);
    await s.tickets.get("u");
    expect(s.calls.length).toBe(before);
    s.advance(1);
    await s.tickets.get("u");
    expect(s.calls.length).toBe(before + 1);
  });
});

describe("typing session (§9)", () => {
  it("sends status 1 now and every 5 s, then status 2 on stop", async () => {
    vi.useFakeTimers();
    const f = fakeFetch(() => new Response(""));
    const client = new ILinkClient({ baseUrl: "http://api", token: "t", fetch: f.fetch });
    const session = startTyping(client, { to: "u", ticket: "TT" });
    await vi.advanceTimersByTimeAsync(10_000);
    await session.stop();
    await session.stop();
    const bodies = f.calls.map((c) => JSON.parse(c.body ?? ""));
    expect(bodies.map((b) => b.status)).toEqual([1, 1, 1, 2]);
    expect(bodies[0]).toMatchObject({ ilink_user_id: "u", typing_ticket: "TT" });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(f.calls).toHaveLength(4);
  });

  it("does nothing without a ticket, and swallows send errors", async () => {
    const f = fakeFetch(() => new Response("x", { status: 500 }));
    const client = new ILinkClient({ baseUrl: "http://api", token: "t", fetch: f.fetch });
    await startTyping(client, { to: "u", ticket: "" }).stop();
    expect(f.calls).toHaveLength(0);
    await expect(stopTyping(client, { to: "u", ticket: "T" })).resolves.toBeUndefined();
    expect(f.calls).toHaveLength(1);
  });
});
