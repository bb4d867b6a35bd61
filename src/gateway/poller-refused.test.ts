/**
 * A message the store refuses must not hold its account's cursor: PostgreSQL keeps less than
 * SQLite (no index entry over ~2.7 KB, no integer out of range), and a poll whose write fails is
 * answered by the server with the same batch again, for ever. The decoder bounds ids and times
 * (inbound.ts); this is the second line behind it, for whatever value it lets through.
 */
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../store/postgres.js";
import { pgTestDatabase } from "../store/postgres-server.test-util.js";
import type { InboundMessage, NewInbound } from "../store/types.js";
import { Poller } from "./poller.js";
import type { FetchedBatch, InboundTransport } from "./transport.js";

const db = await pgTestDatabase("poller_refused");
afterAll(async () => {
  if (typeof db !== "string") await db.drop();
});

/** A transport that answers `batches` in turn (already decoded: the decoder is bypassed), then idles. */
function scripted(batches: FetchedBatch[]): InboundTransport & { cursors: string[] } {
  const cursors: string[] = [];
  return {
    cursors,
    async fetchMessages(cursor, { signal }) {
      cursors.push(cursor);
      const next = batches.shift();
      if (next) return next;
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      return { messages: [], cursor };
    },
    async notifyStart() {},
    async notifyStop() {},
  };
}

const row = (fromUserId: string, n: number, extra: Partial<NewInbound> = {}): NewInbound => ({
  fromUserId,
  dedupKey: `id:${n}`,
  messageId: String(n),
  items: [{ type: 1, text_item: { text: `hello ${n}` } }],
  ...extra,
});

describe.skipIf(typeof db === "string")("a batch the store refuses in part", () => {
  it("keeps the rest, drops the refused message with an error line, and moves the cursor on", async () => {
    if (typeof db === "string") return;
    await db.reset();
    const store = await openPostgresStore(db.url);
    try {
      await store.accounts.upsert({ id: "acct", baseUrl: "x", cdnBaseUrl: "y", token: "t", state: "active" });
      // 1,500 CJK characters that do not compress: 4,500 bytes, over an index entry's limit.
      const wide = Array.from({ length: 1_500 }, (_, i) =>
        String.fromCharCode(0x4e00 + ((i * 7919) % 20_000)),
      ).join("");
      const transport = scripted([
        {
          cursor: "c1",
          messages: [
            { ok: true, inbound: row("alice", 1) },
            { ok: true, inbound: row(wide, 2) },
            { ok: true, inbound: row("bob", 3, { createTimeMs: 2 ** 64 }) }, // out of BIGINT's range
            { ok: true, inbound: row("carol", 4) },
          ],
        },
      ]);
      const lines: { level: number; msg: string }[] = [];
      const logger = pino({ level: "info" }, { write: (l: string) => lines.push(JSON.parse(l)) });
      const dispatched: InboundMessage[] = [];
      const poller = new Poller({
        accountId: "acct",
        store,
        transport,
        onMessages: (m) => dispatched.push(...m),
        logger,
      });
      poller.start();
      await expect.poll(() => transport.cursors.length, { timeout: 5_000 }).toBe(2);
      await poller.stopPulling();

      expect(transport.cursors).toEqual(["", "c1"]);
      expect(await store.cursors.get("acct")).toBe("c1");
      expect(dispatched.map((m) => m.fromUserId)).toEqual(["alice", "carol"]);
      const dropped = lines.filter((l) => /store refused/.test(l.msg));
      expect(dropped).toHaveLength(2);
      expect(dropped.every((l) => l.level === 50)).toBe(true);
      expect(poller.status().consecutiveFailures).toBe(0);
    } finally {
      await store.close();
    }
  });
});
