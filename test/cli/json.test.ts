/**
 * Issue 16 item 7: `--json` prints one object per command, the same one the REST API and the MCP
 * tools answer with (null where nothing is, booleans and numbers as such).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withAccess } from "../../src/gateway/policy/pairing.js";
import { createOpsContext, OPS, type OpsContext } from "../../src/ops/index.js";
import { ensureHome, openStore, type Store } from "../../src/store/index.js";
import { runCli } from "./run-cli.js";

const T0_MS = Date.UTC(2026, 10, 21, 9, 0, 0);
let home: string;
let store: Store;
let ctx: OpsContext;
const env = () => ({ WXAGENT_HOME: home });

async function cliJson(args: string[]): Promise<unknown> {
  const r = await runCli([...args, "--json"], env());
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function opData(name: string, input: Record<string, unknown> = {}): Promise<unknown> {
  const op = OPS.find((o) => o.name === name);
  if (!op) throw new Error(`no op ${name}`);
  return (await op.invoke(ctx, input, AbortSignal.timeout(10_000))).data;
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "wxagent-json-"));
  const paths = ensureHome(home);
  store = openStore(paths.dbPath);
  store.accounts.upsert({
    id: "bot@im.bot",
    baseUrl: "http://127.0.0.1:9",
    cdnBaseUrl: "http://127.0.0.1:9/c2c",
    token: "tok-json-secret",
    ownerUserId: "owner@im.wechat",
    name: "Shop",
    state: "active",
  });
  const [m] = store.inbound.recordPoll(
    "bot@im.bot",
    "cur-1",
    [
      {
        fromUserId: "alice@im.wechat",
        dedupKey: "id:1",
        messageId: "1",
        contextToken: "ctx-a",
        items: [{ type: 1, text_item: { text: "hello" } }],
      },
    ],
    T0_MS,
  );
  store.contacts.see("bot@im.bot", "alice@im.wechat", T0_MS);
  store.contextTokens.set("bot@im.bot", "alice@im.wechat", "ctx-a", T0_MS);
  const [out] = store.outbound.enqueue(
    [
      {
        accountId: "bot@im.bot",
        toUserId: "alice@im.wechat",
        inboundId: m?.id ?? 0,
        seq: 0,
        clientId: "c-1",
        kind: "text",
        text: "hi alice",
      },
    ],
    T0_MS + 1_000,
  );
  store.outbound.markSent(out?.id ?? 0, T0_MS + 1_000, "s-1");
  store.contextTokens.countSend("bot@im.bot", "alice@im.wechat");
  store.accounts.pollFailed("bot@im.bot", "getupdates: HTTP 502 (the server failed): x", T0_MS + 2_000);
  store.contacts.updateSettings("bot@im.bot", "mallory@im.wechat", (s) =>
    withAccess(s, {
      access: "pending",
      pairingCode: "ABCDEF",
      pairingRequestedAtMs: Date.now(),
      pairingExpiresAtMs: Date.now() + 3_600_000,
      pairingCodesSent: 1,
    }),
  );
  ctx = createOpsContext({ store, paths });
});
afterAll(async () => {
  ctx.close();
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

describe("--json", () => {
  it("status and accounts print the list_accounts answer, with nulls, booleans and numbers", async () => {
    const status = await cliJson(["status"]);
    expect(status).toEqual(await opData("list_accounts"));
    expect(await cliJson(["accounts"])).toEqual(status);
    const [a] = (status as { accounts: Record<string, unknown>[] }).accounts;
    expect(a).toMatchObject({
      account: "bot@im.bot",
      name: "Shop",
      owner: "owner@im.wechat",
      base_url: "http://127.0.0.1:9",
      state: "active",
      polling: "none",
      poller: null,
      last_poll_at: null,
      poll_failures: 1,
      last_error: "getupdates: HTTP 502 (the server failed): x",
      last_error_at: new Date(T0_MS + 2_000).toISOString(),
      last_message_at: null,
      queue: 1,
      sending: 0,
      outbox: 0,
      fix: expect.stringContaining("nobody polls"),
    });
    expect(JSON.stringify(status)).not.toMatch(/"-"|"no"|"yes|tok-json-secret/);
  });

  it("contacts prints the list_contacts answer", async () => {
    const contacts = await cliJson(["contacts"]);
    expect(contacts).toEqual(await opData("list_contacts"));
    expect((contacts as { contacts: unknown[] }).contacts).toContainEqual({
      account: "bot@im.bot",
      contact: "alice@im.wechat",
      name: null,
      first_seen_at: new Date(T0_MS).toISOString(),
      last_seen_at: new Date(T0_MS).toISOString(),
      has_context_token: true,
      sends_left: 9,
      outbox: 0,
    });
  });

  it("history prints the recent_messages answer", async () => {
    const history = await cliJson(["history", "--limit", "20"]);
    expect(history).toEqual(await opData("recent_messages", { limit: 20 }));
    expect((history as { messages: { direction: string; text: string }[] }).messages).toEqual([
      expect.objectContaining({ direction: "in", contact: "alice@im.wechat", text: "hello" }),
      expect.objectContaining({
        direction: "out",
        contact: "alice@im.wechat",
        text: "hi alice",
        state: "sent",
      }),
    ]);
  });

  it("pairing list --json (and pairing --json) print the requests, not the table", async () => {
    const listed = await cliJson(["pairing", "list"]);
    expect(listed).toEqual({
      requests: [
        {
          code: "ABCDEF",
          account: "bot@im.bot",
          contact: "mallory@im.wechat",
          name: null,
          requested_at: expect.stringMatching(/^\d{4}-/),
          expires_at: expect.stringMatching(/^\d{4}-/),
          expired: false,
        },
      ],
    });
    expect(await cliJson(["pairing"])).toEqual(listed);
    const table = await runCli(["pairing", "list"], env());
    expect(table.stdout).toMatch(/^code\s+account\s+contact/);
  });

  it("doctor prints {ok, checks} with a null fix where there is none", async () => {
    const r = await runCli(["doctor", "--json"], env());
    const doctor = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; fix: string | null }[] };
    expect(doctor.ok).toBe(r.code === 0);
    expect(doctor.checks.find((c) => c.name === "node")).toEqual({
      name: "node",
      ok: true,
      detail: `Node ${process.versions.node}`,
      fix: null,
    });
  });
});
