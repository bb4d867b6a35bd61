/**
 * The fallback of postgres-server.test-util.ts, forced: a server of our own from Debian's
 * `postgresql` package, as on a fresh CI machine with none running. Skips (with the reason) where
 * the package is missing, unless WXAGENT_REQUIRE_POSTGRES=1.
 */
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "./postgres.js";
import {
  answers,
  debianPgBin,
  type PgServer,
  POSTGRES_REQUIRED,
  startOwnServer,
} from "./postgres-server.test-util.js";

const bin = debianPgBin();
if (!bin && POSTGRES_REQUIRED)
  throw new Error("WXAGENT_REQUIRE_POSTGRES=1 but Debian's postgresql package is missing");

describe("a PostgreSQL server of the tests' own", () => {
  it("without Debian's package: a reason to skip, and nothing installed or started", async () => {
    const why = await startOwnServer("/nonexistent/postgresql");
    expect(why).toMatch(/postgresql package is not installed \(apt-get install postgresql\)/);
  });

  describe.skipIf(!bin)(`started from ${bin ?? "Debian's package (missing: skipped)"}`, () => {
    let server: PgServer | undefined;
    afterAll(async () => {
      await server?.stop();
    });

    it("starts on a free loopback port, serves the store, and is gone after stop", async () => {
      const got = await startOwnServer();
      if (typeof got === "string") throw new Error(got);
      server = got;
      expect(got.source).toBe("started");
      expect(got.adminUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(got.adminUrl).not.toContain(":5432/");

      const store = await openPostgresStore(got.adminUrl);
      await store.cursors.set("acc", "c1");
      expect(await store.cursors.get("acc")).toBe("c1");
      await store.close();

      const dataDir = /-k (\S+)/.exec(got.describe())?.[1] ?? "";
      await got.stop();
      server = undefined;
      expect(await answers(got.adminUrl)).toBe(false);
      expect(existsSync(dataDir)).toBe(false);
    }, 90_000);
  });
});
