import { describe, expect, it } from "vitest";
import { backoffDelayMs, DEFAULT_BACKOFF } from "./backoff.js";

describe("backoffDelayMs", () => {
  it("waits 2 s, 2 s, then 30 s on the 3rd failure in a row, and starts over", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n))).toEqual([
      2_000, 2_000, 30_000, 2_000, 2_000, 30_000, 2_000,
    ]);
    expect(DEFAULT_BACKOFF).toEqual({ retryDelayMs: 2_000, longDelayMs: 30_000, failuresBeforeLongDelay: 3 });
  });

  it("takes other numbers, and a long wait on every failure when the threshold is 1", () => {
    const b = { retryDelayMs: 10, longDelayMs: 100, failuresBeforeLongDelay: 2 };
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, b))).toEqual([10, 100, 10, 100]);
    expect(backoffDelayMs(1, { ...b, failuresBeforeLongDelay: 1 })).toBe(100);
  });
});
