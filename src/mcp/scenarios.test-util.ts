/**
 * The MCP scenarios every transport must pass (stdio and streamable HTTP run the same ones), and
 * the world they run in: a simulator on a loopback port, a temp WXAGENT_HOME with three accounts
 * (A polled by the server under test, B "polled by a running gateway" — the test holds its lock,
 * C expired) and a store connection of the test's own, used the way a gateway would use it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { expect, it } from "vitest";
import { normalizeInbound } from "../gateway/inbound.js";
import { EXPIRED_REASON } from "../gateway/poller.js";
import { OPS } from "../ops/index.js";
import { type RunningSimulator, startSimulator } from "../simulator/index.js";
import { getUpdates, newBot, type TestBot, userWrites } from "../simulator/testkit.js";
import { acquireTokenLock, ensureHome, type HomePaths, openStore, type TokenLock } from "../store/index.js";
import type { Store } from "../store/types.js";

export const QUOTA = 3;

export interface World {
  sim: RunningSimulator;
  paths: HomePaths;
  store: Store;
  a: TestBot;
  b: TestBot;
  c: TestBot;
  /** The "gateway" lock on B, held by this test process. */
  lock: TokenLock;
  close(): Promise<void>;
}

export async function createWorld(): Promise<World> {
  const sim = await startSimulator({ port: 0, realism: false, longPollTimeoutMs: 2_000 });
  const paths = ensureHome(mkdtempSync(join(tmpdir(), "wxagent-mcp-")));
  writeFileSync(paths.configPath, JSON.stringify({ gateway: { spacingMs: 0, quotaPerToken: QUOTA } }));
  const store = openStore(paths.dbPath);
  const [a, b, c] = [await newBot(sim.simulator), await newBot(sim.simulator), await newBot(sim.simulator)];
  for (const bot of [a, b, c]) {
    store.accounts.upsert({
      id: bot.account_id,
      baseUrl: sim.url,
      cdnBaseUrl: `${sim.url}/c2c`,
      token: bot.token,
      ownerUserId: bot.owner_user_id,
      state: "active",
    });
  }
  store.accounts.setState(c.account_id, "expired", EXPIRED_REASON);
  // Known on A but with no context token (as after a re-login).
  store.contacts.see(a.account_id, "u-no-token", Date.now());
  // Wrote to both A and B: a send without `account` is ambiguous.
  for (const bot of [a, b]) {
    store.contacts.see(bot.account_id, "u-both", Date.now());
    store.contextTokens.set(bot.account_id, "u-both", `ctx-both-${bot.account_id}`, Date.now());
  }
  const lock = acquireTokenLock(paths.home, b.account_id, {
    token: b.token,
    command: "wxagent start (test)",
  });
  return {
    sim,
    paths,
    store,
    a,
    b,
    c,
    lock,
    async close() {
      lock.release();
      await store.close();
      await sim.close();
      rmSync(paths.home, { recursive: true, force: true });
    },
  };
}

type Result = Awaited<ReturnType<Client["callTool"]>>;

export function textOf(r: Result): string {
  return r.content
    .filter((c): c is { type: "text"; text: string } => c.type === "text")
    .map((c) => c.text)
    .join("\n");
}

export function dataOf<T = Record<string, unknown>>(r: Result): T {
  expect(r.isError, textOf(r)).toBeFalsy();
  return JSON.parse(textOf(r)) as T;
}

async function simMessages(w: World, query: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${w.sim.url}/sim/messages?${query}`);
  return ((await res.json()) as { messages: Record<string, unknown>[] }).messages;
}

/** Poll until `check` passes or the deadline (for effects of another process). */
async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (check(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Harness {
  world(): World;
  client(): Client;
  /** Pid of the process serving MCP. */
  serverPid(): number;
}

export function mcpScenarios(h: Harness): void {
  const call = (name: string, args: Record<string, unknown> = {}) =>
    h.client().callTool({ name, arguments: args });

  /** A user writes to A; returns when the MCP server has it (via wait_for_messages and a cursor). */
  const arrives = async (bot: TestBot, user: string, text: string) => {
    const { cursor } = dataOf<{ cursor: number }>(await call("wait_for_messages", { timeout_ms: 0 }));
    const sent = await userWrites(h.world().sim.simulator, bot, user, text);
    const got = dataOf<{ messages: { id: number; text: string; contact: string }[]; cursor: number }>(
      await call("wait_for_messages", { account: bot.account_id, after_id: cursor, timeout_ms: 15_000 }),
    );
    return { sent, got };
  };

  it("lists every operation as a tool", async () => {
    const { tools } = await h.client().listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(OPS.map((o) => o.name).sort());
    const send = tools.find((t) => t.name === "send_text");
    expect(send?.inputSchema.required).toEqual(expect.arrayContaining(["to", "text"]));
  });

  it("starts a QR login: the QR code as a PNG image and a link, then its status", async () => {
    const r = await call("login_start", { base_url: h.world().sim.url });
    const data = dataOf<{ login_id: string; link: string; status: string }>(r);
    expect(data).toMatchObject({ status: "waiting", link: expect.stringMatching(/^https?:\/\//) });
    const image = r.content.find((c) => c.type === "image");
    expect(image).toMatchObject({ type: "image", mimeType: "image/png" });
    expect(
      Buffer.from((image as { data: string }).data, "base64")
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
    const status = await call("login_status", { login_id: data.login_id });
    expect(dataOf(status)).toMatchObject({ login_id: data.login_id, status: "waiting" });
    const unknown = await call("login_status", { login_id: "login-unknown" });
    expect(textOf(unknown)).toMatch(/^NOT_FOUND: .*login_start/);
  });

  it("receives a message the simulator injects (wait_for_messages)", async () => {
    const { got } = await arrives(h.world().a, "u-alice", "hello from alice");
    expect(got.messages.map((m) => [m.contact, m.text])).toEqual([["u-alice", "hello from alice"]]);
    expect(got.cursor).toBe(got.messages[0]?.id);
  });

  it("sends a text the simulator receives, with the stored context token", async () => {
    const w = h.world();
    const { sent } = await arrives(w.a, "u-amy", "hi bot");
    // No `account`: three accounts, but only A holds a context token for u-amy.
    const r = dataOf<{ account: string; sent: number; sends_left: number }>(
      await call("send_text", { to: "u-amy", text: "hello amy" }),
    );
    expect(r).toMatchObject({ account: w.a.account_id, sent: 1, sends_left: QUOTA - 1 });
    const out = await simMessages(w, `account_id=${w.a.account_id}&user_id=u-amy&direction=outbound`);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      context_token: sent.context_token,
      items: [{ type: "text", text: "hello amy" }],
    });
  });

  it("warns when the contact last wrote over 24 h ago (WeChat may refuse such sends)", async () => {
    const w = h.world();
    const { sent } = await arrives(w.a, "u-olga", "hi bot");
    // As if that message came 30 h ago.
    w.store.contextTokens.set(w.a.account_id, "u-olga", sent.context_token, Date.now() - 30 * 3_600_000);
    const r = dataOf<{ sent: number; warning?: string; contact_wrote_ms_ago: number }>(
      await call("send_text", { to: "u-olga", text: "still there?" }),
    );
    expect(r.sent).toBe(1);
    expect(r.contact_wrote_ms_ago).toBeGreaterThanOrEqual(30 * 3_600_000);
    expect(r.warning).toMatch(/u-olga last wrote 30 h ago; WeChat expects a message .* every 24 h/);
    await arrives(w.a, "u-fresh", "hi bot");
    const fresh = dataOf<{ warning?: string }>(await call("send_text", { to: "u-fresh", text: "hello" }));
    expect(fresh.warning).toBeUndefined();
  });

  it("answers errors as tool errors with a clear sentence, and keeps serving", async () => {
    const w = h.world();
    const expectError = async (args: Record<string, unknown>, code: string, words: RegExp) => {
      const r = await call("send_text", args);
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(new RegExp(`^${code}: `));
      expect(textOf(r)).toMatch(words);
      // The structured answer carries the code and whether the same call may succeed later.
      expect(r.structuredContent).toMatchObject({ error: { code, retryable: false } });
    };
    await expectError(
      { account: w.a.account_id, to: "u-stranger", text: "x" },
      "UNKNOWN_CONTACT",
      /never written/,
    );
    await expectError(
      { account: w.a.account_id, to: "u-no-token", text: "x" },
      "NO_CONTEXT_TOKEN",
      /ask u-no-token/,
    );
    await expectError(
      { account: w.c.account_id, to: "u-any", text: "x" },
      "ACCOUNT_EXPIRED",
      /wxagent login/,
    );
    await expectError({ to: "u-both", text: "x" }, "AMBIGUOUS_ACCOUNT", /pass `account`/);
    await expectError({ account: "nope", to: "u-any", text: "x" }, "UNKNOWN_ACCOUNT", /known accounts/);
    const bad = await call("send_text", { to: 42 });
    expect(bad.isError).toBe(true);
    // Still alive after all of that.
    expect(dataOf<{ accounts: unknown[] }>(await call("list_accounts")).accounts).toHaveLength(3);
  });

  it("says QUOTA_SPENT when the quota is spent, and the outbox goes out when the contact writes", async () => {
    const w = h.world();
    await arrives(w.a, "u-bob", "talk to me");
    for (let i = 1; i <= QUOTA; i++) {
      dataOf(await call("send_text", { account: w.a.account_id, to: "u-bob", text: `msg ${i}` }));
    }
    const over = await call("send_text", { account: w.a.account_id, to: "u-bob", text: "one too many" });
    expect(over.isError).toBe(true);
    expect(textOf(over)).toMatch(
      /^QUOTA_SPENT: .*1 kept in the outbox and sent automatically when u-bob writes again/,
    );
    const query = `account_id=${w.a.account_id}&user_id=u-bob&direction=outbound`;
    expect(await simMessages(w, query)).toHaveLength(QUOTA);
    // Bob writes again: whoever polls A (here: the MCP server itself) releases the outbox.
    await userWrites(w.sim.simulator, w.a, "u-bob", "go on");
    const after = await eventually(
      () => simMessages(w, query),
      (m) => m.length === QUOTA + 1,
    );
    expect(after.at(-1)).toMatchObject({ items: [{ type: "text", text: "one too many" }] });
  });

  it("beside a running gateway: does not poll its account, but reads the store and sends", async () => {
    const w = h.world();
    const sim = w.sim.simulator;
    await userWrites(sim, w.b, "u-carol", "hello B");
    // A message to A that the server receives proves its pollers have run meanwhile.
    await arrives(w.a, "u-dave", "ping A");
    const accounts = (await (await fetch(`${w.sim.url}/sim/accounts`)).json()) as {
      accounts: { account_id: string; pending_messages: number }[];
    };
    expect(accounts.accounts.find((x) => x.account_id === w.b.account_id)?.pending_messages).toBe(1);

    const health = dataOf<{
      accounts: { account: string; polling: string; poller: { pid: number } | null }[];
    }>(await call("list_accounts"));
    const of = (id: string) => health.accounts.find((x) => x.account === id);
    expect(of(w.a.account_id)?.poller?.pid).toBe(h.serverPid());
    expect(of(w.b.account_id)?.poller?.pid).toBe(process.pid);
    expect(of(w.a.account_id)?.polling).toBe("ok");

    // The test plays the gateway: poll B, store the message and its context token, while the MCP
    // server waits on B: it notices a message another process stored.
    const { cursor } = dataOf<{ cursor: number }>(await call("wait_for_messages", { timeout_ms: 0 }));
    const waiting = call("wait_for_messages", {
      account: w.b.account_id,
      after_id: cursor,
      timeout_ms: 15_000,
    });
    const polled = await getUpdates(sim, w.b);
    const raw = (polled.body.msgs as unknown[])[0];
    const n = normalizeInbound(raw);
    if (!n.ok) throw new Error(n.reason);
    const now = Date.now();
    w.store.inbound.recordPoll(w.b.account_id, String(polled.body.get_updates_buf ?? ""), [n.inbound], now);
    w.store.contacts.see(w.b.account_id, "u-carol", now);
    w.store.contextTokens.set(w.b.account_id, "u-carol", n.inbound.contextToken as string, now);
    const waited = dataOf<{ messages: { text: string }[]; timed_out: boolean }>(await waiting);
    expect(waited).toMatchObject({ timed_out: false, messages: [{ text: "hello B" }] });

    const recent = dataOf<{ messages: { text: string; direction: string }[] }>(
      await call("recent_messages", { account: w.b.account_id, contact: "u-carol" }),
    );
    expect(recent.messages.map((m) => [m.direction, m.text])).toEqual([["in", "hello B"]]);
    dataOf(await call("send_text", { to: "u-carol", text: "hi carol, from MCP" }));
    const out = await simMessages(w, `account_id=${w.b.account_id}&user_id=u-carol&direction=outbound`);
    expect(out).toEqual([
      expect.objectContaining({
        context_token: n.inbound.contextToken,
        items: [{ type: "text", text: "hi carol, from MCP" }],
      }),
    ]);
  });
}
