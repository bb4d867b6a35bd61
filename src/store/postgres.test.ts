/**
 * The PostgreSQL store against a real server (postgres-server.test-util.ts finds or starts one):
 * the whole contract suite, then what only a shared network database has to prove.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isStoreError } from "./errors.js";
import { openPostgresStore } from "./postgres.js";
import { PG_MIGRATIONS, pgSchemaVersion } from "./postgres-migrations.js";
import { pgTestDatabase } from "./postgres-server.test-util.js";
import { storeContract } from "./store.contract.js";

const db = await pgTestDatabase("store");
afterAll(async () => {
  if (typeof db !== "string") await db.drop();
});

if (typeof db === "string") {
  describe.skip(`PostgreSQL store (skipped: ${db})`, () => {
    it("needs a server", () => {});
  });
} else {
  const url = db.url;
  storeContract("PostgreSQL", { open: () => openPostgresStore(url), cleanup: () => db.reset() });

  describe("PostgreSQL store", () => {
    it("migrates to the newest version once, however many nodes open it at once", async () => {
      const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(url)));
      const admin = new pg.Pool({ connectionString: url });
      try {
        expect(await pgSchemaVersion(admin)).toBe(PG_MIGRATIONS.length);
        const rows = await admin.query("SELECT version FROM wxagent_schema ORDER BY version");
        expect(rows.rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
      } finally {
        await admin.end();
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it("refuses a schema newer than this build with SCHEMA_TOO_NEW", async () => {
      const err = await openPostgresStore(url, { migrations: PG_MIGRATIONS.slice(0, 3) }).catch((e) => e);
      expect(isStoreError(err, "SCHEMA_TOO_NEW")).toBe(true);
      expect((err as Error).message).toMatch(/upgrade wxagent/);
    });

    it("a read-only open reads and refuses writes", async () => {
      const rw = await openPostgresStore(url);
      await rw.accounts.upsert({ id: "ro", baseUrl: "b", cdnBaseUrl: "c", token: "t", state: "active" });
      const ro = await openPostgresStore(url, { readOnly: true });
      try {
        expect((await ro.accounts.get("ro"))?.token).toBe("t");
        await expect(ro.cursors.set("ro", "x")).rejects.toThrow(/read-only/);
      } finally {
        await ro.close();
        await rw.close();
        await db.reset();
      }
    });

    it("two stores (two processes' pools) never spend one quota slot twice", async () => {
      const a = await openPostgresStore(url);
      const b = await openPostgresStore(url);
      try {
        await a.contextTokens.set("acc", "u1", "t", 1);
        const got = await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).contextTokens.reserveSend("acc", "u1", 10)),
        );
        expect(got.filter((n) => n !== undefined)).toHaveLength(10);
        expect((await b.contextTokens.get("acc", "u1"))?.sendCount).toBe(10);
      } finally {
        await a.close();
        await b.close();
        await db.reset();
      }
    });

    it("two nodes recording the same poll at once store each message once", async () => {
      const a = await openPostgresStore(url);
      const b = await openPostgresStore(url);
      try {
        const batch = Array.from({ length: 20 }, (_, i) => ({
          fromUserId: "u1",
          dedupKey: `id:${i}`,
          items: [],
        }));
        const [fromA, fromB] = await Promise.all([
          a.inbound.recordPoll("acc", "c1", batch, 1),
          b.inbound.recordPoll("acc", "c1", [...batch].reverse(), 1),
        ]);
        expect(fromA.length + fromB.length).toBe(20);
        expect(new Set([...fromA, ...fromB].map((m) => m.dedupKey)).size).toBe(20);
        expect(await a.inbound.list({ accountId: "acc" })).toHaveLength(20);
      } finally {
        await a.close();
        await b.close();
        await db.reset();
      }
    });

    it("an unreachable server is a retryable DB_UNAVAILABLE naming the server without its password", async () => {
      const err = await openPostgresStore("postgres://me:secret@127.0.0.1:1/x", {
        connectTimeoutMs: 500,
      }).catch((e) => e);
      expect(isStoreError(err, "DB_UNAVAILABLE")).toBe(true);
      expect((err as { isRetryable: boolean }).isRetryable).toBe(true);
      expect((err as Error).message).not.toContain("secret");
    });
  });
}
