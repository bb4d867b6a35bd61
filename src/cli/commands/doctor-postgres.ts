/**
 * `wxagent doctor` with `"store": "postgres://…"`: the server is opened read-only (nothing created
 * or migrated) and its schema and accounts reported. The driver loads only here, so other
 * commands never pay for it.
 */
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
  return checks;
}
