/**
 * Issue 17: two processes on one PostgreSQL store send to one contact at once (the gateway of one
 * node and `wxagent mcp` or `wxagent send` on another, each with its own connection pool and its
 * own delivery). The contact's send quota is spent in the database one slot at a time, so together
 * they never send more than it allows, and what does not fit waits in the outbox: nothing lost.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpsContext, type OpsContext } from "../../src/ops/context.js";
import { sendTextOp } from "../../src/ops/send.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { newBot, type TestBot, userWrites } from "../../src/simulator/testkit.js";
import { ensureHome } from "../../src/store/home.js";
import { openPostgresStore, type PgStore } from "../../src/store/postgres.js";
import { type PgTestDb, pgTestDatabase } from "../../src/store/postgres-server.test-util.js";
import { createLogger } from "../../src/util/logger.js";

const QUOTA = 10;
const PROCESSES = 4;
const PER_PROCESS = 4;
/** Slots the contact's token has spent already: the last few are what the processes race for. */
const USED = 7;
const db = await pgTestDatabase("quota_shared");

describe.skipIf(typeof db === "string")(
  `one contact's quota, ${PROCESSES} processes${typeof db === "string" ? ` (skipped: ${db})` : ""}`,
  () => {
    const pgdb = db as PgTestDb;
    let sim: RunningSimulator;
    let bot: TestBot;
    const stores: PgStore[] = [];
    const contexts: OpsContext[] = [];
    const dirs: string[] = [];

    beforeAll(async () => {
      sim = await startSimulator({ port: 0, realism: false });
      bot = await newBot(sim.simulator);
      for (let i = 0; i < PROCESSES; i++) {
        const store = await openPostgresStore(pgdb.url);
        stores.push(store);
        const dir = mkdtempSync(join(tmpdir(), "wx-quota-"));
        dirs.push(dir);
        contexts.push(
          createOpsContext({
            store,
            paths: ensureHome(dir),
            limits: { spacingMs: 0, quotaPerToken: QUOTA },
            logger: createLogger(`process-${i}`),
          }),
        );
      }
      const store = stores[0] as PgStore;
      await store.accounts.upsert({
        id: bot.account_id,
        baseUrl: sim.url,
        cdnBaseUrl: `${sim.url}/c2c`,
        token: bot.token,
        state: "active",
      });
    }, 60_000);
    afterAll(async () => {
      for (const c of contexts) c.close();
      for (const s of stores) await s.close();
      await sim?.close();
      await pgdb.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it(`${PROCESSES * PER_PROCESS} sends at once from ${PROCESSES} processes, ${QUOTA - USED} slots left: no more go out, the rest wait in the outbox`, async () => {
      // The contact writes once: one context token, as the poller stores it.
      const wrote = await userWrites(sim.simulator, bot, "carol@im.wechat", "hello");
      const store = stores[0] as PgStore;
      await store.contacts.see(bot.account_id, "carol@im.wechat", Date.now());
      await store.contextTokens.set(bot.account_id, "carol@im.wechat", wrote.context_token, Date.now());
      for (let i = 0; i < USED; i++) await store.contextTokens.countSend(bot.account_id, "carol@im.wechat");

      const answers = await Promise.all(
        contexts.flatMap((ctx, p) =>
          Array.from({ length: PER_PROCESS }, (_, i) =>
            sendTextOp
              .invoke(
                ctx,
                { to: "carol@im.wechat", text: `from process ${p}, #${i}` },
                new AbortController().signal,
              )
              .then(
                () => "sent",
                (err: { code?: string }) => err.code ?? "error",
              ),
          ),
        ),
      );
      const received = sim.simulator.state.messages.filter(
        (m) => m.direction === "outbound" && m.to === "carol@im.wechat",
      );
      expect(received.length).toBe(QUOTA - USED);
      expect(answers.filter((a) => a === "sent")).toHaveLength(received.length);
      expect(answers.filter((a) => a !== "sent").every((a) => a === "QUOTA_SPENT")).toBe(true);
      // Nothing lost: every send is in the store, sent or waiting for carol's next message.
      const rows = await store.outbound.list({ accountId: bot.account_id, userId: "carol@im.wechat" });
      const texts = rows.filter((r) => r.text?.startsWith("from process"));
      expect(texts).toHaveLength(PROCESSES * PER_PROCESS);
      expect(texts.filter((r) => r.state === "sent")).toHaveLength(received.length);
      expect(texts.filter((r) => r.state === "deferred")).toHaveLength(
        PROCESSES * PER_PROCESS - received.length,
      );
      expect((await store.contextTokens.get(bot.account_id, "carol@im.wechat"))?.sendCount).toBe(QUOTA);
    }, 60_000);
  },
);
