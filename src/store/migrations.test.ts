import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { isStoreError } from "./errors.js";
import { MIGRATIONS, migrate, schemaVersion } from "./migrations.js";
import { openStore } from "./sqlite.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const dbPath = () => {
  dir = mkdtempSync(join(tmpdir(), "wxagent-mig-"));
  return join(dir, "wxagent.db");
};

describe("migrations", () => {
  it("a fresh database reaches the latest version; reopening applies nothing", () => {
    const db = new Database(":memory:");
    expect(migrate(db)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it("reopening a store file is idempotent and keeps the data", () => {
    const path = dbPath();
    const s1 = openStore(path);
    s1.cursors.set("acc", "c1");
    s1.close();
    const s2 = openStore(path);
    expect(s2.cursors.get("acc")).toBe("c1");
    s2.close();
    const db = new Database(path, { readonly: true });
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    db.close();
  });

  it("upgrades a database at version N to N+1 without losing rows", () => {
    const path = dbPath();
    const old = openStore(path); // at the current version N
    old.inbound.recordPoll("acc", "c1", [{ fromUserId: "u1", dedupKey: "id:1", items: [] }], 1);
    old.close();

    const next = [
      ...MIGRATIONS,
      "ALTER TABLE inbound ADD COLUMN note TEXT; UPDATE inbound SET note = 'migrated';",
    ];
    const upgraded = openStore(path, { migrations: next });
    expect(upgraded.inbound.list({}).map((m) => m.dedupKey)).toEqual(["id:1"]);
    upgraded.close();

    const db = new Database(path, { readonly: true });
    expect(schemaVersion(db)).toBe(next.length);
    expect(db.prepare("SELECT note FROM inbound").get()).toEqual({ note: "migrated" });
    db.close();
  });

  it("4 marks the logins an older wxagent made against a simulator on this machine, and only those", () => {
    const path = dbPath();
    const old = new Database(path);
    migrate(old, MIGRATIONS.slice(0, 2));
    const insert = old.prepare(
      `INSERT INTO accounts (id, base_url, cdn_base_url, token, state, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, 'active', 1, 1)`,
    );
    const add = (id: string, baseUrl: string, cdnBaseUrl = `${baseUrl}/c2c`) =>
      insert.run(id, baseUrl, cdnBaseUrl, `t-${id}`);
    add("sim", "http://127.0.0.1:8790");
    add("sim-name", "http://localhost:40123");
    add("wechat", "https://ilinkai.weixin.qq.com", "https://novac2c.cdn.weixin.qq.com/c2c");
    add("lan", "http://192.168.1.20:8790");
    add("proxy", "http://127.0.0.1:9000", "https://novac2c.cdn.weixin.qq.com/c2c");
    old.close();
    const upgraded = openStore(path);
    const marked = upgraded.accounts
      .list()
      .filter((a) => a.simulated)
      .map((a) => a.id);
    expect(marked).toEqual(["sim", "sim-name"]);
    upgraded.close();
  });

  it("6 adds the poll record: an account from before reads as no failed poll, then records them", () => {
    const path = dbPath();
    const old = new Database(path);
    migrate(old, MIGRATIONS.slice(0, 5));
    old
      .prepare(
        `INSERT INTO accounts (id, base_url, cdn_base_url, token, state, created_at_ms, updated_at_ms)
         VALUES ('a', 'https://x', 'https://x/c2c', 't', 'active', 1, 1)`,
      )
      .run();
    old.close();
    const upgraded = openStore(path);
    expect(upgraded.accounts.get("a")).toMatchObject({ pollFailures: 0 });
    expect(upgraded.accounts.get("a")?.lastPollError).toBeUndefined();
    upgraded.accounts.pollFailed("a", "fetch failed: ECONNREFUSED", 5);
    expect(upgraded.accounts.get("a")).toMatchObject({
      pollFailures: 1,
      lastPollError: "fetch failed: ECONNREFUSED",
      lastPollErrorAtMs: 5,
    });
    upgraded.close();
  });

  it("a failing migration rolls back and leaves the version where it was", () => {
    const db = new Database(":memory:");
    migrate(db);
    const broken = [...MIGRATIONS, "CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;"];
    expect(() => migrate(db, broken)).toThrow(/no such table/);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });

  it("refuses a database newer than this build", () => {
    const db = new Database(":memory:");
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    let caught: unknown;
    try {
      migrate(db);
    } catch (err) {
      caught = err;
    }
    expect(isStoreError(caught, "SCHEMA_TOO_NEW")).toBe(true);
    db.close();
  });
});
