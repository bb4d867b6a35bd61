/**
 * `wxagent doctor` with `"store": "postgres://…"`: the server is opened read-only (nothing created
 * or migrated) and its schema and accounts reported, plus the plain fact that the gateway does not
 * run on it yet (only the read-only views do). The driver loads only here, so other commands never pay for it.
 */
import { POSTGRES_READY_COMMANDS } from "../../config/store.js";
import { redactStoreUrl } from "../../store/url.js";
import type { Check } from "./doctor.js";

export async function postgresChecks(url: string, from: string): Promise<Check[]> {
  const where = redactStoreUrl(url);
  const checks: Check[] = [];
  try {
    const { openPostgresStore } = await import("../../store/postgres.js");
    const store = await openPostgresStore(url, { readOnly: true, maxConnections: 1, connectTimeoutMs: 3000 });
    try {
      const accounts = await store.accounts.list();
      checks.push({ name: "database", ok: true, detail: `${where} (${accounts.length} accounts)` });
    } finally {
      await store.close();
    }
  } catch (err) {
    checks.push({
      name: "database",
      ok: false,
      detail: (err as Error).message,
      fix: `check that the server runs and that ${from} names it`,
    });
  }
  checks.push({
    name: "store",
    ok: false,
    detail: `${from} names PostgreSQL; ${POSTGRES_READY_COMMANDS} read it, the gateway and the other commands run on SQLite only in this version`,
    fix: 'remove "store" (or set "store": "sqlite") until the gateway supports PostgreSQL',
  });
  return checks;
}
