import type { ModelMessage } from "ai";
import { afterEach, describe, expect, it, vi } from "vitest";
import { trimHistory } from "./history.js";
import { type Session, SessionPool } from "./sessions.js";

const make = (key: string) => (): Session => ({
  key,
  workspace: `/ws/${key}`,
  history: [],
  busy: true,
  lastUsedMs: 0,
});

afterEach(() => {
  vi.useRealTimers();
});

describe("SessionPool", () => {
  it("closes a session after the idle timeout, counted from the end of its last turn", () => {
    vi.useFakeTimers();
    const closed: string[] = [];
    const pool = new SessionPool({
      idleMs: 30 * 60_000,
      maxOpen: 10,
      onClose: (s, why) => closed.push(`${s.key}:${why}`),
    });
    const s = pool.acquire("a", make("a"));
    vi.advanceTimersByTime(60 * 60_000); // a long turn is never closed while busy
    expect(pool.has("a")).toBe(true);
    pool.release(s);
    vi.advanceTimersByTime(30 * 60_000 - 1);
    expect(pool.has("a")).toBe(true);
    pool.release(pool.acquire("a", make("a"))); // activity restarts the clock
    vi.advanceTimersByTime(30 * 60_000 - 1);
    expect(pool.has("a")).toBe(true);
    vi.advanceTimersByTime(1);
    expect(pool.has("a")).toBe(false);
    expect(closed).toEqual(["a:idle"]);
  });

  it("keeps at most maxOpen sessions, closing the least recently used idle one, never a busy one", () => {
    const closed: string[] = [];
    const pool = new SessionPool({
      idleMs: 60_000,
      maxOpen: 2,
      onClose: (s, why) => closed.push(`${s.key}:${why}`),
    });
    const a = pool.acquire("a", make("a"));
    pool.release(pool.acquire("b", make("b")));
    pool.release(pool.acquire("c", make("c"))); // a is busy: b goes
    expect(closed).toEqual(["b:evicted"]);
    pool.release(a);
    expect(pool.size).toBe(2);
    pool.release(pool.acquire("d", make("d"))); // order a, c, d: a is least recent
    expect(closed).toEqual(["b:evicted", "a:evicted"]);
    pool.release(pool.acquire("c", make("c"))); // order d, c
    pool.release(pool.acquire("e", make("e")));
    expect(pool.has("c")).toBe(true);
    expect(pool.has("d")).toBe(false);
    expect(pool.size).toBe(2);
    pool.closeAll();
    expect(pool.size).toBe(0);
  });

  it("reset forgets the session and a new acquire starts afresh", () => {
    const pool = new SessionPool({ idleMs: 60_000, maxOpen: 5 });
    const s = pool.acquire("a", make("a"));
    s.history.push({ role: "user", content: "hi" });
    pool.release(s);
    pool.reset("a");
    expect(pool.acquire("a", make("a")).history).toEqual([]);
  });
});

describe("trimHistory", () => {
  it("drops whole turns from the front so tool calls keep their results", () => {
    const h: ModelMessage[] = [
      { role: "user", content: "1" },
      { role: "assistant", content: "a1" },
      { role: "user", content: "2" },
      { role: "assistant", content: "a2" },
      { role: "tool", content: [] },
      { role: "assistant", content: "a2b" },
    ];
    expect(trimHistory(h, 10)).toBe(h);
    expect(trimHistory(h, 4).map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(trimHistory(h, 3)).toEqual([]);
  });
});
