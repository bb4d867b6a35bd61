import { describe, expect, it } from "vitest";
import { NoticeGate, SlidingWindowLimiter, secondsOf } from "./rate-limit.js";

const rule = { count: 3, windowMs: 10_000 };

function accept(l: SlidingWindowLimiter, key: string, now: number): boolean {
  const r = l.check(key, rule, now);
  if (r.limited) return false;
  l.record(key, rule, now);
  return true;
}

describe("SlidingWindowLimiter", () => {
  it("accepts `count` per window and reports when the next one fits", () => {
    const l = new SlidingWindowLimiter();
    expect(accept(l, "k", 0)).toBe(true);
    expect(accept(l, "k", 1000)).toBe(true);
    expect(accept(l, "k", 2000)).toBe(true);
    expect(l.check("k", rule, 2500)).toEqual({ limited: true, retryAfterMs: 7500 });
    // The window slides: at 10 000 the first message has left it.
    expect(l.check("k", rule, 9999).limited).toBe(true);
    expect(accept(l, "k", 10_000)).toBe(true);
    expect(l.check("k", rule, 10_500)).toEqual({ limited: true, retryAfterMs: 500 });
  });

  it("keeps keys apart and ignores refused attempts", () => {
    const l = new SlidingWindowLimiter();
    for (let t = 0; t < 3; t += 1) accept(l, "a", t);
    for (let t = 3; t < 50; t += 1) expect(accept(l, "a", t)).toBe(false);
    expect(accept(l, "b", 50)).toBe(true);
    // Refusals did not push the window: "a" is free again exactly 10 s after its first message.
    expect(accept(l, "a", 10_000)).toBe(true);
  });
});

describe("NoticeGate", () => {
  it("tells once, then stays quiet until the promised time", () => {
    const g = new NoticeGate();
    expect(g.shouldTell("k", 0, 5000)).toBe(true);
    expect(g.shouldTell("k", 4999, 5000)).toBe(false);
    expect(g.shouldTell("other", 10, 5000)).toBe(true);
    expect(g.shouldTell("k", 5000, 5000)).toBe(true);
  });
});

it("secondsOf rounds up and never says 0", () => {
  expect(secondsOf(0)).toBe(1);
  expect(secondsOf(1001)).toBe(2);
  expect(secondsOf(60_000)).toBe(60);
});
