import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { asyncStore } from "../../store/async.js";
import { openStore } from "../../store/sqlite.js";
import { createDelivery } from "./delivery.js";
import { createRecordingTransport } from "./testing.js";

const ACC = "bot-1";
let dir: string;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  dir = mkdtempSync(join(tmpdir(), "wxagent-delivery-"));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

it("after a crash, a new instance resumes pending bubbles with their client_ids and never re-sends a sent one", async () => {
  const file = join(dir, "wxagent.db");
  const store1 = openStore(file);
  store1.contextTokens.set(ACC, "alice", "t1", Date.now());
  const dying = new AbortController();
  // The second request is in flight when the process dies: the server may or may not have it.
  const transport1 = createRecordingTransport({
    fail: (_c, n) =>
      n === 2
        ? new Promise((_, reject) =>
            dying.signal.addEventListener("abort", () => reject(dying.signal.reason)),
          )
        : undefined,
  });
  const delivery1 = createDelivery({
    store: asyncStore(store1),
    transport: transport1,
    limits: { chunkChars: 12 },
  });
  const text = ["part one", "part two", "part three", "part four"].join("\n\n");
  const first = delivery1.deliverReply({ accountId: ACC, toUserId: "alice", text }, dying.signal);
  await vi.advanceTimersByTimeAsync(1_000);
  expect(transport1.sends()).toHaveLength(2);
  dying.abort(new Error("process killed"));
  expect(await first).toMatchObject({ sent: 1, pending: 3 });
  const recorded = store1.outbound.list({ accountId: ACC }).reverse();
  expect(recorded.map((m) => m.state)).toEqual(["sent", "pending", "pending", "pending"]);
  store1.close();

  const store2 = openStore(file);
  const transport2 = createRecordingTransport();
  const delivery2 = createDelivery({
    store: asyncStore(store2),
    transport: transport2,
    limits: { chunkChars: 12 },
  });
  const live = new AbortController();
  const resumed = delivery2.resumePending(ACC, live.signal);
  // A second resume while the first runs finds nothing of its own to send.
  const again = delivery2.resumePending(ACC, live.signal);
  await vi.runAllTimersAsync();
  expect(await resumed).toMatchObject({ sent: 3, pending: 0 });
  expect(await again).toMatchObject({ sent: 0 });

  expect(transport2.sends().map((c) => c.text)).toEqual(["part two", "part three", "part four"]);
  expect(transport2.sends().map((c) => c.clientId)).toEqual(recorded.slice(1).map((m) => m.clientId));
  // The in-flight bubble is retried with the very client_id the dead process used.
  expect(transport2.sends()[0]?.clientId).toBe(transport1.sends()[1]?.clientId);
  expect(transport2.sends().some((c) => c.clientId === recorded[0]?.clientId)).toBe(false);
  expect(store2.outbound.pending(ACC)).toHaveLength(0);
  // The quota counts what the new instance sent on top of the first one's send.
  expect(store2.contextTokens.get(ACC, "alice")?.sendCount).toBe(4);
  store2.close();
});
