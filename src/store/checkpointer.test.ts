import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startCheckpointer, startOnDemand, walFramesPending } from "./checkpointer.js";
import { openStore } from "./sqlite.js";

const driver = createRequire(import.meta.url).resolve("better-sqlite3");
const SQLITE_TS = join(dirname(fileURLToPath(import.meta.url)), "sqlite.ts");
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
      // About 2 MiB: past the frames the thread starts at (CHECKPOINT_START_FRAMES).
      for (let i = 0; i < 2000; i++) store.cursors.set(`acc-${i}`, "x".repeat(1000));
      await store.durable();
      // Everything is in the WAL, none in the file, until the thread's next checkpoint.
      expect(statSync(path).size).toBe(before);
      await expect.poll(() => statSync(path).size, { timeout: 5_000, interval: 50 }).toBeGreaterThan(before);
    } finally {
      await store.close();
    }
    const reopened = openStore(path);
    expect(reopened.cursors.get("acc-1999")).toBe("x".repeat(1000));
    reopened.close();
  });

  it("reports a thread that cannot open its connection (the store then checkpoints in commits)", async () => {
    dir = mkdtempSync(join(tmpdir(), "wxagent-ckpt-"));
    const errors: string[] = [];
    const c = startCheckpointer(join(dir, "missing.db"), {
      intervalMs: 10,
      driver,
      restartAfterFrames: 4096,
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
    const c = startCheckpointer(path, {
      intervalMs: 1,
      driver,
      restartAfterFrames: 4096,
      onError: (m) => expect.fail(m),
    });
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

  it("a process that awaits close() stays up for the last checkpoint, then exits on its own", () => {
    dir = mkdtempSync(join(tmpdir(), "wxagent-ckpt-"));
    const path = join(dir, "wxagent.db");
    // Nothing but the thread is left for the event loop when close() is awaited: were the thread
    // still unref'd, Node would exit with 13 (unsettled top-level await) mid-checkpoint.
    const script = `import { openStore } from ${JSON.stringify(SQLITE_TS)};
const store = openStore(${JSON.stringify(path)}, { groupCommit: true });
// Enough for the thread to start (it runs only while the WAL has work for it).
for (let i = 0; i < 2000; i++) store.cursors.set("acc-" + i, "x".repeat(1000));
store.cursors.set("acc", "c1");
await store.durable();
await store.close();
console.log("closed");`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, WXAGENT_LOG_LEVEL: "silent" },
      encoding: "utf8",
    });
    expect(child.stderr).toBe("");
    expect({ status: child.status, stdout: child.stdout.trim() }).toEqual({ status: 0, stdout: "closed" });
    // The last checkpoint folded the WAL into the file and removed it.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = openStore(path);
    expect(reopened.cursors.get("acc")).toBe("c1");
    void reopened.close();
  });

  it("starts the log over under writes that never pause: a long PASSIVE pass is followed by a RESTART", async () => {
    dir = mkdtempSync(join(tmpdir(), "wxagent-ckpt-"));
    // A finished RESTART (busy 0) is SQLite's word that the next write starts the log over; a
    // PASSIVE pass alone rarely gets there with a commit every turn (the benchmark's WAL grew from
    // 79 to 726 MB in 15 s of steady load without it). At most 20,000 commits.
    const run = await writeWithoutPause(join(dir, "wxagent.db"), {
      restartAfterFrames: 64,
      untilRestarts: 3,
    });
    expect(run.restarts).toBeGreaterThanOrEqual(3);
    const passiveOnly = await writeWithoutPause(join(dir, "passive.db"), {
      restartAfterFrames: Number.MAX_SAFE_INTEGER,
      writes: 200,
    });
    expect(passiveOnly.restarts).toBe(0);
  });
});

describe("the checkpoint thread runs only while the WAL has work for it", () => {
  /** A WAL database nobody checkpoints, with a table to write pages into. */
  function walDb(path: string): Database.Database {
    const db = new Database(path);
    db.pragma("page_size = 1024");
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)");
    return db;
  }
  const framesInWal = (path: string) => (statSync(`${path}-wal`).size - 32) / (1024 + 24);

  it("reads the frames waiting in the WAL from the -shm header, as SQLite counts them", () => {
    dir = mkdtempSync(join(tmpdir(), "wxagent-ckpt-"));
    const path = join(dir, "w.db");
    const db = walDb(path);
    try {
      const insert = db.prepare("INSERT INTO t (body) VALUES (?)");
      for (let i = 0; i < 300; i++) insert.run("x".repeat(900));
      const pending = walFramesPending(`${path}-shm`);
      expect(pending).toBe(framesInWal(path));
      expect(pending).toBeGreaterThan(300);
      const [pass] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number; checkpointed: number }[];
      expect(pass?.log).toBe(pending);
      expect(walFramesPending(`${path}-shm`)).toBe(0);
      expect(walFramesPending(join(dir, "no-such.db-shm"))).toBeUndefined();
      // Not a header SQLite wrote (a truncated or foreign file): unknown, so the caller starts the thread.
      writeFileSync(join(dir, "short-shm"), Buffer.alloc(40, 0xff));
      expect(walFramesPending(join(dir, "short-shm"))).toBeUndefined();
      writeFileSync(join(dir, "junk-shm"), Buffer.alloc(4096, 0xff));
      expect(walFramesPending(join(dir, "junk-shm"))).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it("starts past startAfterFrames, looks at most every lookEveryMs, and ends itself when idle", async () => {
    dir = mkdtempSync(join(tmpdir(), "wxagent-ckpt-"));
    const path = join(dir, "w.db");
    const db = walDb(path);
    let clock = 0;
    const stops: string[] = [];
    const c = startOnDemand(path, {
      startAfterFrames: 100,
      idleStopMs: 50,
      intervalMs: 10,
      lookEveryMs: 1000,
      driver,
      restartAfterFrames: 4096,
      onError: (m) => stops.push(m),
      now: () => clock,
    });
    const insert = db.prepare("INSERT INTO t (body) VALUES (?)");
    try {
      for (let i = 0; i < 20; i++) insert.run("x".repeat(900));
      c.committed();
      expect(c.running()).toBe(false); // about 20 frames: nothing to do yet
      for (let i = 0; i < 200; i++) insert.run("x".repeat(900));
      c.committed();
      expect(c.running()).toBe(false); // looked less than lookEveryMs ago
      clock += 1000;
      c.committed();
      expect(c.running()).toBe(true);
      // It checkpoints, then finds nothing new for 50 ms and ends.
      await expect.poll(() => c.running(), { timeout: 5_000, interval: 20 }).toBe(false);
      expect(walFramesPending(`${path}-shm`)).toBe(0);
      // More work later starts it again.
      for (let i = 0; i < 200; i++) insert.run("x".repeat(900));
      clock += 1000;
      c.committed();
      expect(c.running()).toBe(true);
      expect(stops).toEqual([]);
    } finally {
      await c.close();
      db.close();
    }
    expect(c.running()).toBe(false);
  });
});

/**
 * The store's writer as group commit runs it (WAL, no checkpoints of its own, a commit every
 * event-loop turn with no pause between), beside the checkpoint thread. Returns the commits made
 * and the RESTARTs that finished.
 */
async function writeWithoutPause(
  path: string,
  o: { restartAfterFrames: number; untilRestarts?: number; writes?: number },
): Promise<{ writes: number; restarts: number }> {
  const writer = new Database(path);
  writer.pragma("journal_mode = WAL");
  writer.pragma("synchronous = NORMAL");
  writer.pragma("wal_autocheckpoint = 0");
  writer.pragma(`journal_size_limit = ${64 * 4096}`);
  writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)");
  const insert = writer.prepare("INSERT INTO t (body) VALUES (?)");
  let restarts = 0;
  const c = startCheckpointer(path, {
    intervalMs: 5,
    driver,
    restartAfterFrames: o.restartAfterFrames,
    onError: (m) => expect.fail(m),
    onRestart: (info) => {
      if (info.busy === 0) restarts += 1;
    },
  });
  let writes = 0;
  try {
    while (writes < (o.writes ?? 20_000) && restarts < (o.untilRestarts ?? Number.POSITIVE_INFINITY)) {
      insert.run("x".repeat(2000));
      writes += 1;
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    await c.close();
    writer.close();
  }
  return { writes, restarts };
}
