import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { asyncStore } from "../../store/async.js";
import { openStore } from "../../store/sqlite.js";
import { createLogger } from "../../util/logger.js";
import { createDelivery } from "./delivery.js";
import { createRecordingTransport } from "./testing.js";
import { TypingController } from "./typing.js";

const T0 = 1_700_000_000_000;
const logger = createLogger("test:typing");

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const typingCalls = (t: ReturnType<typeof createRecordingTransport>) =>
  t.calls.filter((c) => c.kind === "typing").map((c) => [c.status, c.atMs - T0]);

describe("TypingController", () => {
  it("sends nothing for a turn that ends before startAfterMs", async () => {
    const t = createRecordingTransport();
    const typing = new TypingController(t, { to: "u" }, { logger }).start();
    await vi.advanceTimersByTimeAsync(1_499);
    await typing.stop();
    await vi.runAllTimersAsync();
    expect(t.calls).toEqual([]);
    expect(typing.shown).toBe(false);
  });

  it("starts after 1.5 s, refreshes every 5 s and cancels at the end", async () => {
    const t = createRecordingTransport();
    const typing = new TypingController(t, { to: "u", contextToken: "ct" }, { logger }).start();
    await vi.advanceTimersByTimeAsync(12_000);
    await typing.stop();
    expect(typingCalls(t)).toEqual([
      ["start", 1_500],
      ["start", 6_500],
      ["start", 11_500],
      ["stop", 12_000],
    ]);
    expect(t.calls[0]?.contextToken).toBe("ct");
    // Nothing after the end, and stop() is idempotent.
    await typing.stop();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.calls).toHaveLength(4);
  });

  it("only logs typing errors, and still cancels", async () => {
    const t = createRecordingTransport({
      fail: (c) => (c.status === "start" ? new Error("boom") : undefined),
    });
    const typing = new TypingController(t, { to: "u" }, { logger, startAfterMs: 10, refreshMs: 100 }).start();
    await vi.advanceTimersByTimeAsync(250);
    await expect(typing.stop()).resolves.toBeUndefined();
    expect(typingCalls(t)).toEqual([
      ["start", 10],
      ["start", 110],
      ["start", 210],
      ["stop", 250],
    ]);
  });

  it("is created started by delivery, with the contact's context token and configured timings", async () => {
    const store = openStore(":memory:");
    store.contextTokens.set("acc", "u", "tok", T0);
    const t = createRecordingTransport();
    const delivery = createDelivery({
      store: asyncStore(store),
      transport: t,
      limits: { typingStartAfterMs: 2_000, typingRefreshMs: 4_000 },
    });
    const typing = delivery.typing({ accountId: "acc", toUserId: "u" });
    await vi.advanceTimersByTimeAsync(6_500);
    await typing.stop();
    expect(typingCalls(t)).toEqual([
      ["start", 2_000],
      ["start", 6_000],
      ["stop", 6_500],
    ]);
    expect(t.calls.every((c) => c.contextToken === "tok")).toBe(true);
    store.close();
  });
});
