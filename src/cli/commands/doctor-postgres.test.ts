/** `wxagent doctor` on a PostgreSQL store: read-only, against a real server (or skipped with the reason). */
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../store/postgres.js";
import { pgTestDatabase } from "../../store/postgres-server.test-util.js";
import { postgresChecks } from "./doctor-postgres.js";

const db = await pgTestDatabase("doctor");
afterAll(async () => {
  if (typeof db !== "string") await db.drop();
});

describe.skipIf(typeof db === "string")(
  `doctor on PostgreSQL${typeof db === "string" ? ` (skipped: ${db})` : ""}`,
  () => {
    const url = typeof db === "string" ? "" : db.url;

    it("a database without the wxagent schema is reported, and nothing is created in it", async () => {
      const checks = await postgresChecks(url, "WXAGENT_STORE");
      expect(checks[0]).toMatchObject({ name: "database", ok: false });
      expect(checks[0]?.detail).toMatch(/holds no wxagent database yet/);
      expect(checks).toHaveLength(1);
      // Still nothing there: a read-only open migrates nothing.
      expect((await postgresChecks(url, "WXAGENT_STORE"))[0]?.ok).toBe(false);
    });

    it("reports the server and its accounts once the schema exists", async () => {
      const store = await openPostgresStore(url);
      await store.accounts.upsert({ id: "a", baseUrl: "b", cdnBaseUrl: "c", token: "t", state: "active" });
      await store.close();
      const [database] = await postgresChecks(url, "WXAGENT_STORE");
      expect(database).toMatchObject({ name: "database", ok: true });
      expect(database?.detail).toMatch(/\(1 accounts\)$/);
    });
  },
);
