import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startCheckpointer } from "./checkpointer.js";
import { openStore } from "./sqlite.js";

const driver = createRequire(import.meta.url).resolve("better-sqlite3");
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("background WAL checkpoints (group commit)", () => {
  it("the store's own commits never checkpoint; the thread folds the WAL into the database file", async () => {
    dir = mkdtempSync(join(tmpdir(), "wxagent-ckpt-"));
    const path = join(dir, "wxagent.db");
    const store = openStore(path, { groupCommit: true });
    try {
      const before = statSync(path).size;
      for (let i = 0; i < 2000; i++) store.cursors.set(`acc-${i}`, "x".repeat(200));
      await store.durable();
      // Everything is in the WAL, none in the file, until the thread's next checkpoint.
      expect(statSync(path).size).toBe(before);
      await expect.poll(() => statSync(path).size, { timeout: 5_000, interval: 50 }).toBeGreaterThan(before);
    } finally {
      await store.close();
    }
    const reopened = openStore(path);
    expect(reopened.cursors.get("acc-1999")).toBe("x".repeat(200));
    reopened.close();
  });

  it("reports a thread that cannot open its connection (the store then checkpoints in commits)", async () => {
    dir = mkdtempSync(join(tmpdir(), "wxagent-ckpt-"));
    const errors: string[] = [];
    const c = startCheckpointer(join(dir, "missing.db"), {
      intervalMs: 10,
      driver,
      onError: (m) => errors.push(m),
    });
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/directory does not exist|unable to open|no such file/i);
    await c.close();
  });

  it("a checkpoint never blocks the store's writers", async () => {
    dir = mkdtempSync(join(tmpdir(), "wxagent-ckpt-"));
    const path = join(dir, "wxagent.db");
    new Database(path).close();
    const store = openStore(path, { groupCommit: true, busyTimeoutMs: 0 });
    const c = startCheckpointer(path, { intervalMs: 1, driver, onError: (m) => expect.fail(m) });
    try {
      // With busy_timeout 0 any lock held by the checkpointer would fail a write at once.
      for (let i = 0; i < 200; i++) {
        store.cursors.set(`acc-${i % 10}`, String(i));
        await store.durable();
        await new Promise((r) => setImmediate(r));
      }
      expect(store.cursors.get("acc-9")).toBe("199");
    } finally {
      await c.close();
      await store.close();
    }
  });
});
