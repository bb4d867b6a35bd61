/**
 * The account health facts on both stores: the same accounts, inbound, outbound, context tokens
 * and schedules, built through the AsyncStore interface on SQLite (wrapped) and on a real
 * PostgreSQL server (skipped with the reason when there is none), give identical facts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type AsyncStore, asyncStore } from "../store/async.js";
import { openPostgresStore } from "../store/postgres.js";
import type { LeaseHolder } from "../store/postgres-leases.js";
import { pgTestDatabase } from "../store/postgres-server.test-util.js";
import { openStore } from "../store/sqlite.js";
import { type AccountHealthFacts, allHealthFacts, type HealthOptions } from "./health.js";

const T0_MS = Date.UTC(2026, 10, 21, 14, 0, 0);
const HINTS = { expired: "hint: log in again", disabled: "hint: disabled" };

const db = await pgTestDatabase("health_stores");
afterAll(async () => {
  if (typeof db !== "string") await db.drop();
});

/** Two accounts with traffic of every kind, an expired one replaced by a newer login. */
async function build(store: AsyncStore): Promise<void> {
  const add = (id: string, extra: object = {}) =>
    store.accounts.upsert({
      id,
      baseUrl: "https://ilinkai.weixin.qq.com",
      cdnBaseUrl: "https://cdn.example/c2c",
      token: `tok-${id}`,
      state: "active",
      ...extra,
    });
  await add("old", { ownerUserId: "u-owner", createdAtMs: T0_MS });
  await add("a", { ownerUserId: "u-owner", name: "Shop", createdAtMs: T0_MS + 1_000 });
  await add("b", { createdAtMs: T0_MS + 2_000 });
  await store.accounts.setState("old", "expired");
  await store.accounts.pollFailed(
    "b",
    "getupdates: HTTP 502 (the server failed): bad gateway",
    T0_MS + 3_000,
  );
  await store.accounts.touch("a", { lastPollAtMs: T0_MS + 5_000, lastInboundAtMs: T0_MS + 4_000 });

  const inbound = await store.inbound.recordPoll(
    "a",
    "cursor-1",
    ["m1", "m2", "m3", "m4"].map((k) => ({ fromUserId: "u1", dedupKey: k, items: [] })),
    T0_MS,
  );
  await store.inbound.setState(inbound[1]?.id ?? -1, "processing");
  await store.inbound.setState(inbound[2]?.id ?? -1, "done");
  await store.contacts.see("a", "u1", T0_MS);
  await store.contacts.see("a", "u2", T0_MS + 1_000);
  await store.contacts.see("b", "u3", T0_MS + 2_000);
  await store.contextTokens.set("a", "u1", "ctx-1", T0_MS);
  for (let i = 0; i < 3; i++) await store.contextTokens.countSend("a", "u1");
  await store.contextTokens.set("a", "u2", "ctx-2", T0_MS);
  for (let i = 0; i < 12; i++) await store.contextTokens.countSend("a", "u2");
  let seq = 0;
  const bubble = (toUserId: string, state: "pending" | "deferred" | "sent") =>
    store.outbound.enqueue(
      [{ accountId: "a", toUserId, seq: 0, clientId: `c-${seq++}`, kind: "text", text: "hi", state }],
      T0_MS,
    );
  await bubble("u1", "pending");
  await bubble("u1", "sent");
  await bubble("u2", "deferred");
  await bubble("u2", "deferred");
  const job = await store.schedules.create(
    {
      accountId: "a",
      userId: "u2",
      kind: "once",
      atMs: T0_MS,
      tz: "UTC",
      action: "text",
      body: "hi",
      createdBy: "operator",
      nextRunAtMs: T0_MS,
    },
    T0_MS,
  );
  await store.schedules.create(
    {
      accountId: "a",
      userId: "u1",
      kind: "cron",
      cron: "0 9 * * *",
      tz: "UTC",
      action: "text",
      body: "daily",
      createdBy: "operator",
      nextRunAtMs: T0_MS + 86_400_000,
    },
    T0_MS,
  );
  await store.schedules.claim(job.id, T0_MS, undefined, { state: "held" }, T0_MS);
}

async function factsOf(
  store: AsyncStore,
  home: string,
  leases?: LeaseHolder[],
): Promise<AccountHealthFacts[]> {
  const options: HealthOptions = { home, quotaPerToken: 10, fixHints: HINTS, ...(leases ? { leases } : {}) };
  return (await allHealthFacts(store, options)).sort((x, y) => x.accountId.localeCompare(y.accountId));
}

describe.skipIf(typeof db === "string")(
  `account health on SQLite and PostgreSQL${typeof db === "string" ? ` (skipped: ${db})` : ""}`,
  () => {
    it("the same data gives the same facts on both stores", async () => {
      const home = mkdtempSync(join(tmpdir(), "wxagent-health-stores-"));
      const sqlite = asyncStore(openStore(":memory:"));
      const pg = await openPostgresStore(typeof db === "string" ? "" : db.url);
      try {
        await build(sqlite);
        await build(pg);
        const onSqlite = await factsOf(sqlite, home);
        // No lease taken: on PostgreSQL nobody polls, as no lock file says on SQLite.
        expect(await factsOf(pg, home, await pg.leases.holders())).toEqual(onSqlite);
        expect(onSqlite.find((f) => f.accountId === "a")).toMatchObject({
          queue: 3,
          sending: 1,
          outbox: 2,
          schedules: { active: 1, held: 1 },
          pollHealth: "none",
          contacts: [
            { userId: "u2", hasContextToken: true, sendsLeft: 0, outbox: 2 },
            { userId: "u1", hasContextToken: true, sendsLeft: 7, outbox: 0 },
          ],
        });
        expect(onSqlite.find((f) => f.accountId === "old")?.fix).toMatch(/^replaced by a, a newer login/);
        // A live lease is who polls on PostgreSQL: the account counts as polled, by that node.
        const epoch = await pg.leases.acquireOrRenew("node-1", "a", 60_000);
        const [leased] = (await factsOf(pg, home, await pg.leases.holders())).filter(
          (f) => f.accountId === "a",
        );
        expect(leased).toMatchObject({
          pollHealth: "ok",
          polling: { pid: null, command: null, this_process: false, node: { id: "node-1", epoch } },
        });
        expect(Date.parse(leased?.polling?.node?.expires_at ?? "")).toBeGreaterThan(Date.now());
        expect(leased).not.toHaveProperty("fix");
        // Released: no live lease, nobody polls.
        await pg.leases.release("node-1", "a");
        const [released] = (await factsOf(pg, home, await pg.leases.holders())).filter(
          (f) => f.accountId === "a",
        );
        expect(released).toMatchObject({ pollHealth: "none" });
        expect(released).not.toHaveProperty("polling");
      } finally {
        await sqlite.close();
        await pg.close();
        rmSync(home, { recursive: true, force: true });
      }
    });
  },
);
