import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { asyncStore } from "./async.js";
import { isStoreError, type StoreError } from "./errors.js";
import { MIGRATIONS, schemaVersion } from "./migrations.js";
import { applyPragmas, openStore, PAGE_SIZE } from "./sqlite.js";
import { storeContract } from "./store.contract.js";
import type { NewInbound, Store } from "./types.js";

const SQLITE_TS = resolve(import.meta.dirname, "sqlite.ts");

let tmp: string | undefined;
function tempDir(): string {
  tmp = mkdtempSync(join(tmpdir(), "wxagent-store-"));
  return tmp;
}
function cleanup(): void {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
}

storeContract("SQLite on a temp file", {
  open: () => asyncStore(openStore(join(tempDir(), "wxagent.db"))),
  cleanup,
});
storeContract("SQLite in memory", { open: () => asyncStore(openStore(":memory:")) });

/** Run `body` (an ES module with `openStore` in scope) in a child process that then kills itself with SIGKILL; the signal it ended by. */
function killedAfter(body: string): NodeJS.Signals | null {
  const script = `import { openStore } from ${JSON.stringify(SQLITE_TS)};\n${body}\nprocess.kill(process.pid, "SIGKILL");`;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, WXAGENT_LOG_LEVEL: "silent" },
    encoding: "utf8",
  });
  return child.signal;
}

const msg = (key: string): NewInbound => ({ fromUserId: "u1", dedupKey: key, items: [] });

describe("SQLite store", () => {
  let store: Store | undefined;
  afterEach(() => {
    store?.close();
    store = undefined;
    cleanup();
  });

  it("uses WAL, NORMAL sync, a 5 s busy timeout and foreign keys", () => {
    const path = join(tempDir(), "wxagent.db");
    openStore(path).close();
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal"); // persisted in the file
    applyPragmas(db);
    expect(db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.pragma("page_size", { simple: true })).toBe(PAGE_SIZE);
    db.close();
  });

  it("finds open rows through the partial indexes, which hold only open rows", () => {
    const path = join(tempDir(), "wxagent.db");
    store = openStore(path);
    const s = store;
    const [done, open] = s.inbound.recordPoll("a", "c", [msg("id:1"), msg("id:2")], 1);
    s.inbound.setState(done?.id ?? 0, "done");
    const [sent, pending, deferred] = s.outbound.enqueue(
      [0, 1, 2].map((seq) => ({
        accountId: "a",
        toUserId: "u",
        seq,
        clientId: `c${seq}`,
        kind: "text" as const,
      })),
      1,
    );
    s.outbound.markSent(sent?.id ?? 0, 2);
    s.outbound.defer(deferred?.id ?? 0, "quota");
    const db = new Database(path, { readonly: true });
    /** The ids an index holds (a partial index read by itself: its WHERE is repeated). */
    const ids = (sql: string) => (db.prepare(sql).all() as { id: number }[]).map((r) => r.id);
    expect(
      ids(
        "SELECT id FROM inbound INDEXED BY inbound_open WHERE state IN ('pending', 'processing') AND account_id = 'a'",
      ),
    ).toEqual([open?.id]);
    expect(
      ids("SELECT id FROM outbound INDEXED BY outbound_pending WHERE state = 'pending' AND account_id = 'a'"),
    ).toEqual([pending?.id]);
    // A plan that cannot use the index fails INDEXED BY: this also proves the store's form of query can.
    expect(
      ids(
        "SELECT id FROM outbound INDEXED BY outbound_deferred WHERE account_id = 'a' AND to_user_id = 'u' AND state = 'deferred'",
      ),
    ).toEqual([deferred?.id]);
    db.close();
    expect(s.inbound.unfinished("a").map((m) => m.id)).toEqual([open?.id]);
    expect(s.outbound.pending("a").map((m) => m.id)).toEqual([pending?.id]);
    expect(s.outbound.deferred("a", "u").map((m) => m.id)).toEqual([deferred?.id]);
  });

  it("enforces the outbound → inbound foreign key", () => {
    store = openStore(":memory:");
    const s = store;
    expect(() =>
      s.outbound.enqueue(
        [{ accountId: "a", toUserId: "u", seq: 0, clientId: "c", kind: "text", inboundId: 999 }],
        1,
      ),
    ).toThrow(/FOREIGN KEY/);
  });

  it("replaceItems scrubs a stored message and refuses an unknown id", () => {
    store = openStore(":memory:");
    const [m] = store.inbound.recordPoll(
      "a",
      "c1",
      [{ fromUserId: "u", dedupKey: "id:1", items: [{ type: 1, text_item: { text: "/unlock hunter2" } }] }],
      1,
    );
    store.inbound.replaceItems(m?.id as number, [{ type: 1, text_item: { text: "/unlock [redacted]" } }]);
    expect(JSON.stringify(store.inbound.get(m?.id as number)?.items)).not.toContain("hunter2");
    const s = store;
    expect(() => s.inbound.replaceItems(999, [])).toThrow(/does not exist/);
  });

  it("recordPoll is atomic: a failing insert leaves neither earlier rows nor the cursor", () => {
    store = openStore(":memory:");
    const s = store;
    s.inbound.recordPoll("acc", "old", [msg("id:0")], 1);
    // A message without a sender violates NOT NULL after a good one was inserted in the same poll.
    const bad = { ...msg("id:2"), fromUserId: null as unknown as string };
    expect(() => s.inbound.recordPoll("acc", "new", [msg("id:1"), bad], 2)).toThrow(/NOT NULL/);
    expect(s.cursors.get("acc")).toBe("old");
    expect(s.inbound.list({}).map((m) => m.dedupKey)).toEqual(["id:0"]);
  });

  it("recordPoll is atomic: a failing cursor write rolls back the inserted messages", () => {
    store = openStore(":memory:");
    const s = store;
    // better-sqlite3 refuses to bind an object: the cursor write throws after the inserts ran.
    const badCursor = { not: "a string" } as unknown as string;
    expect(() => s.inbound.recordPoll("acc", badCursor, [msg("id:1"), msg("id:2")], 1)).toThrow();
    expect(s.inbound.list({})).toEqual([]);
    // The same messages are new on the retry: nothing was half-recorded.
    expect(s.inbound.recordPoll("acc", "c1", [msg("id:1"), msg("id:2")], 2)).toHaveLength(2);
  });

  it("survives a crash: a process killed without closing leaves its commits on disk", () => {
    const path = join(tempDir(), "wxagent.db");
    expect(
      killedAfter(`
        const s = openStore(${JSON.stringify(path)});
        s.inbound.recordPoll("acc", "cursor-9", [{ fromUserId: "u1", dedupKey: "id:9", items: [] }], 9);
        s.outbound.enqueue([{ accountId: "acc", toUserId: "u1", seq: 0, clientId: "cid-9", kind: "text", text: "hi" }], 9);
      `),
    ).toBe("SIGKILL");
    store = openStore(path);
    expect(store.cursors.get("acc")).toBe("cursor-9");
    expect(store.inbound.unfinished("acc").map((m) => m.dedupKey)).toEqual(["id:9"]);
    expect(store.outbound.pending("acc").map((o) => o.clientId)).toEqual(["cid-9"]);
  });

  it("data survives close and reopen", () => {
    const path = join(tempDir(), "wxagent.db");
    store = openStore(path);
    store.accounts.upsert({ id: "acc", baseUrl: "b", cdnBaseUrl: "c", token: "t", state: "active" });
    store.close();
    store = openStore(path);
    expect(store.accounts.get("acc")?.token).toBe("t");
  });

  it("creates the database and its -wal/-shm as 0600 in a 0700 directory, whatever the umask", () => {
    const dir = join(tempDir(), "home");
    const old = process.umask(0o000);
    try {
      store = openStore(join(dir, "wxagent.db"));
      store.cursors.set("acc", "c"); // a write, so the WAL has content
    } finally {
      process.umask(old);
    }
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(dir)).toBe(0o700);
    for (const f of ["wxagent.db", "wxagent.db-wal", "wxagent.db-shm"]) {
      expect([f, mode(join(dir, f))]).toEqual([f, 0o600]);
    }
  });

  it("uses the injected clock where the interface takes no time", () => {
    store = openStore(":memory:", { now: () => 1234 });
    const a = store.accounts.upsert({
      id: "acc",
      baseUrl: "b",
      cdnBaseUrl: "c",
      token: "t",
      state: "active",
    });
    expect(a).toMatchObject({ createdAtMs: 1234, updatedAtMs: 1234 });
  });
});

describe("SQLite store under contention", () => {
  it("a write blocked past busy_timeout surfaces as a retryable DB_BUSY StoreError", () => {
    const dir = tempDir();
    const path = join(dir, "wxagent.db");
    const store = openStore(path, { busyTimeoutMs: 50 });
    const other = new Database(path);
    other.pragma("busy_timeout = 0");
    other.exec("BEGIN IMMEDIATE"); // holds the write lock
    try {
      let caught: unknown;
      try {
        store.cursors.set("acc", "c");
      } catch (err) {
        caught = err;
      }
      expect(isStoreError(caught, "DB_BUSY")).toBe(true);
      expect((caught as StoreError).isRetryable).toBe(true);
    } finally {
      other.exec("ROLLBACK");
      other.close();
      store.close();
      cleanup();
    }
  });
});

storeContract("SQLite with group commit", {
  open: () => asyncStore(openStore(join(tempDir(), "wxagent.db"), { groupCommit: true })),
  cleanup,
});

describe("SQLite store with group commit", () => {
  let store: Store | undefined;
  let reader: Database.Database | undefined;
  afterEach(async () => {
    reader?.close();
    reader = undefined;
    await store?.close();
    store = undefined;
    cleanup();
  });

  /** A second connection, as another process (`wxagent status`) would read the file. */
  const open = (options: { lazyCommitMs?: number } = {}) => {
    const path = join(tempDir(), "wxagent.db");
    store = openStore(path, { groupCommit: true, ...options });
    reader = new Database(path, { readonly: true });
    return {
      s: store,
      cursorSeen: () => (reader?.prepare("SELECT cursor FROM cursors").get() as { cursor?: string })?.cursor,
    };
  };

  it("with lazyCommitMs 0, commits the writes of one event-loop turn together at the end of the turn", async () => {
    const { s, cursorSeen } = open({ lazyCommitMs: 0 });
    s.cursors.set("acc", "c1");
    s.inbound.recordPoll("acc", "c2", [msg("id:1")], 1);
    // The same connection reads its own writes at once; another one sees them after the turn.
    expect(s.cursors.get("acc")).toBe("c2");
    expect(cursorSeen()).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(cursorSeen()).toBe("c2");
  });

  it("a group nobody waits for stays open past its turn, then commits by itself", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { s, cursorSeen } = open({ lazyCommitMs: 1_000 });
      s.cursors.set("acc", "c1");
      await new Promise((r) => setImmediate(r));
      // Still open: a write of a later turn joins it.
      expect(cursorSeen()).toBeUndefined();
      s.cursors.set("acc", "c2");
      vi.advanceTimersByTime(999);
      expect(cursorSeen()).toBeUndefined();
      vi.advanceTimersByTime(1);
      expect(cursorSeen()).toBe("c2");
    } finally {
      vi.useRealTimers();
    }
  });

  it("durable() commits an open group at the end of the turn, however long it may stay open", async () => {
    const { s, cursorSeen } = open({ lazyCommitMs: 60_000 });
    s.cursors.set("acc", "c1");
    await new Promise((r) => setImmediate(r));
    expect(cursorSeen()).toBeUndefined();
    await s.durable();
    expect(cursorSeen()).toBe("c1");
  });

  it("durable() commits the turn's writes; close() commits what is still pending", async () => {
    const { s, cursorSeen } = open();
    s.cursors.set("acc", "c1");
    await s.durable();
    expect(cursorSeen()).toBe("c1");
    await s.durable(); // nothing pending: resolves at once
    s.cursors.set("acc", "c2");
    s.close();
    store = undefined;
    expect(cursorSeen()).toBe("c2"); // close commits what is pending
  });

  it("durable() resolves for every caller of the turn once the turn's writes are committed", async () => {
    const { s, cursorSeen } = open();
    await s.durable(); // nothing pending
    s.cursors.set("acc", "c1");
    const seen: (string | undefined)[] = [];
    const waits = [s.durable(), s.durable()].map((p) => p.then(() => seen.push(cursorSeen())));
    expect(cursorSeen()).toBeUndefined();
    await Promise.all(waits);
    expect(seen).toEqual(["c1", "c1"]);
  });

  it("a failing transaction inside the group rolls back only itself", async () => {
    const { s, cursorSeen } = open();
    s.cursors.set("acc", "kept");
    expect(() =>
      s.transaction(() => {
        s.inbound.recordPoll("acc", "lost", [msg("id:1")], 1);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    await s.durable();
    expect(cursorSeen()).toBe("kept");
    expect(s.inbound.list({})).toEqual([]);
  });

  it("a crash before the end of the turn loses that turn's writes, never a committed one", () => {
    const path = join(tempDir(), "wxagent.db");
    expect(
      killedAfter(`
        const s = openStore(${JSON.stringify(path)}, { groupCommit: true });
        s.cursors.set("acc", "committed");
        await s.durable();
        s.cursors.set("acc", "pending");
      `),
    ).toBe("SIGKILL");
    store = openStore(path);
    expect(store.cursors.get("acc")).toBe("committed");
  });
});
