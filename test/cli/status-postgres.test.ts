/**
 * Issue 17: `wxagent status`, `accounts` and `contacts` read a PostgreSQL store (the `store`
 * setting) and say which node's live lease polls each account, against a real server (skipped
 * with the reason when there is none). The CLI runs as a user runs it, in a child process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccountJson, ContactJson } from "../../src/ops/json.js";
import { openPostgresStore, type PgStore } from "../../src/store/postgres.js";
import { pgTestDatabase } from "../../src/store/postgres-server.test-util.js";
import { redactStoreUrl } from "../../src/store/url.js";
import { runCli } from "./run-cli.js";

const T0_MS = Date.UTC(2026, 10, 21, 14, 0, 0);
const db = await pgTestDatabase("status_cli");

describe.skipIf(typeof db === "string")(
  `status on PostgreSQL${typeof db === "string" ? ` (skipped: ${db})` : ""}`,
  () => {
    const url = typeof db === "string" ? "" : db.url;
    let home: string;
    let store: PgStore;
    let epoch: number | null;
    const env = () => ({ WXAGENT_HOME: home, WXAGENT_STORE: url });
    const cli = async (args: string[]) => {
      const r = await runCli(args, env());
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), "wxagent-status-pg-"));
      store = await openPostgresStore(url);
      const account = { baseUrl: "https://ilinkai.weixin.qq.com", cdnBaseUrl: "https://cdn.example/c2c" };
      await store.accounts.upsert({
        id: "a@im.bot",
        ...account,
        token: "tok-a-secret",
        state: "active",
        ownerUserId: "u@im.wechat",
      });
      await store.accounts.upsert({ id: "b@im.bot", ...account, token: "tok-b-secret", state: "active" });
      await store.contacts.see("a@im.bot", "u@im.wechat", T0_MS);
      await store.contextTokens.set("a@im.bot", "u@im.wechat", "ctx-1", T0_MS);
      await store.contextTokens.countSend("a@im.bot", "u@im.wechat");
      await store.leases.heartbeat("node-1");
      epoch = await store.leases.acquireOrRenew("node-1", "a@im.bot", 600_000);
    });
    afterAll(async () => {
      await store?.close();
      if (typeof db !== "string") await db.drop();
      rmSync(home, { recursive: true, force: true });
    });

    it("status --json names the store, its live nodes and the node whose lease polls each account", async () => {
      expect(epoch).toBe(1);
      const out = JSON.parse(await cli(["status", "--json"])) as {
        accounts: AccountJson[];
        store: { kind: string; url: string };
        nodes: string[];
      };
      expect(out.store).toEqual({ kind: "postgres", url: redactStoreUrl(url) });
      expect(out.nodes).toEqual(["node-1"]);
      const [a, b] = out.accounts;
      expect(a).toMatchObject({
        account: "a@im.bot",
        polling: "ok",
        poller: { pid: null, command: null, this_process: false, node: { id: "node-1", epoch: 1 } },
        fix: null,
        contacts: [{ contact: "u@im.wechat", has_context_token: true, sends_left: 9 }],
      });
      expect(Date.parse(a?.poller?.node?.expires_at ?? "")).toBeGreaterThan(Date.now());
      expect(b).toMatchObject({ account: "b@im.bot", polling: "none", poller: null });
      expect(b?.fix).toMatch(/^no gateway node holds this account's lease, so nobody polls it/);
      expect(JSON.stringify(out)).not.toMatch(/tok-[ab]-secret/);
      // `accounts --json` is the same list.
      expect(JSON.parse(await cli(["accounts", "--json"]))).toEqual({ accounts: out.accounts });
    });

    it("status says it in words: the store, the live nodes, who polls and who does not", async () => {
      const text = await cli(["status"]);
      expect(text).toContain(`store: PostgreSQL ${redactStoreUrl(url)}\n`);
      expect(text).toContain("live nodes: node-1\n");
      expect(text).toMatch(
        /^a@im\.bot {2}active {2}polling: ok \(node node-1, waiting for the first answer\)$/m,
      );
      expect(text).toMatch(
        /^ {2}polled by node node-1 \(lease epoch 1, expires \d{4}-\d\d-\d\dT[\d:.]+Z\)$/m,
      );
      expect(text).toMatch(
        /^b@im\.bot {2}active {2}polling: none[^\n]*\n {2}no live lease: no node polls it$/m,
      );
    });

    it("contacts reads PostgreSQL too, and an unknown --account names the accounts there are", async () => {
      const out = JSON.parse(await cli(["contacts", "--json"])) as { contacts: ContactJson[] };
      expect(out.contacts).toEqual([
        expect.objectContaining({ account: "a@im.bot", contact: "u@im.wechat", sends_left: 9, outbox: 0 }),
      ]);
      const r = await runCli(["contacts", "--account", "nope"], env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("account nope does not exist; known accounts: a@im.bot, b@im.bot");
    });

    it("nothing written: a read-only open leaves the lease and the accounts as they were", async () => {
      await cli(["status"]);
      expect(await store.leases.holders()).toEqual([
        expect.objectContaining({ accountId: "a@im.bot", nodeId: "node-1", epoch: 1, live: true }),
      ]);
      expect((await store.accounts.list()).map((x) => x.id)).toEqual(["a@im.bot", "b@im.bot"]);
    });
  },
);
