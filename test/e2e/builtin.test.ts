/**
 * The built-in agent end to end, wired the way `wxagent start` wires it (buildAgent, the media
 * wiring, the open access policy, /unlock), in process: the simulator plays WeChat (users write
 * through POST /sim/messages, what they see is read back from GET /sim/messages), the gateway
 * polls it over the real iLink transport, and the model is the scripted fake OpenAI-compatible
 * server, whose recorded requests show what the model was given.
 */

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type FakeOpenAI,
  offeredToolNames,
  startFakeOpenAI,
  toolResults,
} from "../../src/agent/builtin/testing/fake-openai.js";
import type { Agent, Contact } from "../../src/agent/types.js";
import { workspaceDirFor } from "../../src/agent/workspace.js";
import { type AgentChoice, buildAgent } from "../../src/cli/agents.js";
import { mediaWiring, unlockWiring } from "../../src/cli/gateway-wiring.js";
import { type Config, configSchema } from "../../src/config/index.js";
import {
  createGateway,
  createILinkTransport,
  type Gateway,
  type GatewayEvent,
} from "../../src/gateway/index.js";
import { createAccessPolicy, profileResolver } from "../../src/gateway/policy/index.js";
import { sandboxForTests } from "../../src/shared/sandbox/testing.js";
import { createSimulator, type Simulator } from "../../src/simulator/index.js";
import { control, newBot, waitFor } from "../../src/simulator/testkit.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome } from "../../src/store/index.js";
import { openStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";
import { createRootLogger, setLogger } from "../../src/util/logger.js";

const KEY = "sk-e2e-0123456789abcdefSECRETKEY";
const KEY_ENV = "WXAGENT_E2E_MODEL_KEY";
const ALICE = "alice@im.wechat"; // allowlisted: workspace-write
const BOB = "bob@im.wechat"; // anyone else: read-only
/** A real 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

interface SimItem {
  type: string;
  text?: string;
}
interface SimMessage {
  direction: "inbound" | "outbound";
  from: string;
  to: string;
  items: SimItem[];
}

interface Rig {
  sim: Simulator;
  store: Store;
  gateway: Gateway;
  agent: Agent;
  ai: FakeOpenAI;
  home: string;
  accountId: string;
  owner: string;
  events: GatewayEvent[];
  contact(userId: string): Contact;
  workspace(userId: string): string;
  close(): Promise<void>;
}

let rig: Rig | undefined;
let logText = "";

beforeEach(() => {
  logText = "";
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logText += String(chunk);
      cb();
    },
  });
  // The production root logger (with its redaction), at debug, into a buffer.
  setLogger(createRootLogger(sink, "debug"));
  vi.stubEnv(KEY_ENV, KEY);
});

afterEach(async () => {
  await rig?.close();
  rig = undefined;
  vi.unstubAllEnvs();
  // Whatever the test did, the key never reached the logs.
  expect(logText).not.toContain(KEY);
});

/** Simulator, store, built-in agent and gateway, as `wxagent start --agent builtin` puts them together. */
async function startRig(o: { mode?: "per-contact" | "per-message" } = {}): Promise<Rig> {
  const home = await realpath(await mkdtemp(join(tmpdir(), "wxagent-e2e-builtin-")));
  const paths = ensureHome(home);
  const store = openStore(paths.dbPath);
  const sim = createSimulator({ seed: 5, realism: false, longPollTimeoutMs: 500 });
  const bot = await newBot(sim);
  const urls = (await control(sim, "GET", "/accounts")).body.accounts as {
    base_url: string;
    cdn_base_url: string;
  }[];
  store.accounts.upsert({
    id: bot.account_id,
    baseUrl: urls[0]?.base_url ?? "http://simulator.local",
    cdnBaseUrl: urls[0]?.cdn_base_url ?? "http://simulator.local/c2c",
    token: bot.token,
    ownerUserId: bot.owner_user_id,
    state: "active",
  });
  const ai = await startFakeOpenAI();
  const config: Config = configSchema.parse({
    agent: "builtin",
    builtin: {
      provider: "openai-compatible",
      model: "fake-model",
      baseUrl: ai.baseUrl,
      apiKeyEnv: KEY_ENV,
      maxRetries: 0,
      // vision left at "auto": on for an openai-compatible model not known to be text-only.
      session: { mode: o.mode ?? "per-contact" },
    },
    // askTo "contact": the explicit opt-in (the default, the owner, is tested in test/security).
    permissions: { allowlist: [ALICE], defaultPreset: "read-only", askTimeoutMs: 20_000, askTo: "contact" },
  });
  const choice: AgentChoice = { kind: "builtin", why: "test", builtin: config.builtin };
  const agent = await buildAgent({ choice, config, paths, store });
  const media = mediaWiring(config, paths, choice);
  const events: GatewayEvent[] = [];
  const gateway = createGateway({
    store,
    agent,
    transportFor: (a) => createILinkTransport(a, { ...media.transport, fetch: sim.fetch }),
    media: media.media,
    accountIds: [bot.account_id],
    maxTurns: config.gateway.maxTurns,
    delivery: {
      chunkChars: config.gateway.chunkChars,
      spacingMs: 20,
      quotaPerToken: config.gateway.quotaPerToken,
      typingStartAfterMs: config.gateway.typingAfterMs,
    },
    dispatch: {
      sendQuota: config.gateway.quotaPerToken,
      access: createAccessPolicy({
        store: asyncStore(store),
        profileFor: profileResolver(config, { dmPolicy: "open" }),
      }),
      ...media.dispatch,
      unlock: unlockWiring(config, store),
    },
  });
  gateway.on((e) => void events.push(e));
  await gateway.start();
  const contact = (userId: string): Contact => ({
    accountId: bot.account_id,
    userId,
    isOwner: userId === bot.owner_user_id,
  });
  return {
    sim,
    store,
    gateway,
    agent,
    ai,
    home,
    accountId: bot.account_id,
    owner: bot.owner_user_id,
    events,
    contact,
    workspace: (userId) => workspaceDirFor(contact(userId), { home }),
    async close() {
      await gateway.stop({ drainTimeoutMs: 1_000 });
      await agent.close?.();
      await ai.close();
      sim.close();
      store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A user writes to the bot through the simulator. */
async function say(r: Rig, from: string, body: string | Record<string, unknown>): Promise<void> {
  const payload = typeof body === "string" ? { text: body } : body;
  const res = await control(r.sim, "POST", "/messages", { account_id: r.accountId, from, ...payload });
  expect(res.status).toBe(200);
}

/** The texts a user has seen from the bot, in order. */
async function seen(r: Rig, user: string): Promise<string[]> {
  const q = `/messages?account_id=${encodeURIComponent(r.accountId)}&user_id=${encodeURIComponent(user)}&direction=outbound`;
  const messages = (await control(r.sim, "GET", q)).body.messages as SimMessage[];
  return messages
    .filter((m) => m.to === user)
    .flatMap((m) => m.items.flatMap((i) => (i.text ? [i.text] : [])));
}

/** Poll until `check` holds (bounded); fails with what was last seen. */
async function until<T>(
  what: string,
  probe: () => Promise<T> | T,
  check: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** Wait until the user has seen a bubble matching `pattern`; returns everything seen so far. */
function sees(r: Rig, user: string, pattern: RegExp | string, timeoutMs?: number): Promise<string[]> {
  const match = (t: string) => (typeof pattern === "string" ? t.includes(pattern) : pattern.test(t));
  return waitFor(
    r.sim,
    `${user} to see ${pattern}`,
    () => seen(r, user),
    (texts) => texts.some(match),
    timeoutMs,
  );
}

/** Wait for the n-th turn-end event (1-based) of a user. */
function turnEnds(r: Rig, user: string, n = 1) {
  return until(
    `${n} turn end(s) for ${user}`,
    () => r.events.filter((e) => e.type === "turn-end" && "userId" in e && e.userId === user),
    (ends) => ends.length >= n,
  );
}

describe("built-in agent through the simulator and the gateway", () => {
  it("a read-only contact is not offered write; a forged write is refused and nothing changes on disk", async () => {
    rig = await startRig();
    rig.ai.push(
      { toolCalls: [{ name: "write", args: { path: "hack.txt", content: "pwned" } }] },
      { text: "I can only read files for you." },
    );
    await say(rig, BOB, "please write hack.txt");
    await sees(rig, BOB, "I can only read files for you.");
    const [first, second] = rig.ai.completions();
    expect(offeredToolNames(first ?? {})).toEqual(["list", "read", "search"]);
    expect(toolResults(second ?? {}).join("\n")).not.toMatch(/wrote/);
    expect(existsSync(join(rig.workspace(BOB), "hack.txt"))).toBe(false);
  });

  it("an allowlisted contact's write lands in its own workspace", async () => {
    rig = await startRig();
    rig.ai.push(
      { toolCalls: [{ name: "write", args: { path: "notes/todo.txt", content: "buy milk" } }] },
      { text: "Saved to notes/todo.txt." },
    );
    await say(rig, ALICE, "note: buy milk");
    await sees(rig, ALICE, "Saved to notes/todo.txt.");
    expect(await readFile(join(rig.workspace(ALICE), "notes", "todo.txt"), "utf8")).toBe("buy milk");
    expect(toolResults(rig.ai.completions()[1] ?? {}).join("\n")).toMatch(/wrote/i);
    expect(existsSync(join(rig.workspace(BOB), "notes"))).toBe(false);
  });

  it("refuses .., absolute and symlink escapes; nothing is written outside the workspace", async () => {
    rig = await startRig();
    const outside = join(rig.home, "outside");
    await mkdir(outside);
    await mkdir(rig.workspace(ALICE), { recursive: true });
    await symlink(outside, join(rig.workspace(ALICE), "link"));
    rig.ai.push(
      {
        toolCalls: [
          { name: "write", args: { path: "../../escape.txt", content: "x" } },
          { name: "write", args: { path: join(outside, "abs.txt"), content: "x" } },
          { name: "write", args: { path: "link/sym.txt", content: "x" } },
        ],
      },
      { text: "Those paths are outside my workspace." },
    );
    await say(rig, ALICE, "write outside please");
    await sees(rig, ALICE, "Those paths are outside my workspace.");
    const results = toolResults(rig.ai.completions()[1] ?? {});
    expect(results).toHaveLength(3);
    for (const r of results) expect(r).toMatch(/outside the workspace|uses "\.\."/);
    expect(existsSync(join(rig.home, "workspaces", "escape.txt"))).toBe(false);
    expect(existsSync(join(rig.home, "escape.txt"))).toBe(false);
    expect(existsSync(join(outside, "abs.txt"))).toBe(false);
    expect(existsSync(join(outside, "sym.txt"))).toBe(false);
  });

  it("run_command (ask for workspace-write) waits for the contact's y, then runs", async () => {
    rig = await startRig();
    rig.ai.push(
      { toolCalls: [{ name: "run_command", args: { command: "echo ran > proof.txt" } }] },
      { text: "Command finished." },
    );
    await say(rig, ALICE, "make proof.txt");
    await sees(rig, ALICE, /🔐 Allow[\s\S]*echo ran > proof\.txt/);
    expect(existsSync(join(rig.workspace(ALICE), "proof.txt"))).toBe(false);
    expect(rig.ai.completions()).toHaveLength(1);
    await say(rig, ALICE, "y");
    await sees(rig, ALICE, "Command finished.");
    if (await sandboxForTests()) {
      expect(await readFile(join(rig.workspace(ALICE), "proof.txt"), "utf8")).toBe("ran\n");
    } else {
      // No sandbox on this machine: a non-owner's command is refused, saying how to get one.
      expect(existsSync(join(rig.workspace(ALICE), "proof.txt"))).toBe(false);
      expect(toolResults(rig.ai.completions()[1] ?? {}).join("\n")).toMatch(
        /needs an OS sandbox.*bubblewrap/,
      );
    }
  });

  it("run_command answered n does not run, and the model is told it was refused", async () => {
    rig = await startRig();
    rig.ai.push(
      { toolCalls: [{ name: "run_command", args: { command: "echo ran > proof.txt" } }] },
      { text: "OK, I did not run it." },
    );
    await say(rig, ALICE, "make proof.txt");
    await sees(rig, ALICE, /🔐 Allow/);
    await say(rig, ALICE, "n");
    await sees(rig, ALICE, "OK, I did not run it.");
    expect(existsSync(join(rig.workspace(ALICE), "proof.txt"))).toBe(false);
    expect(toolResults(rig.ai.completions()[1] ?? {}).join("\n")).toMatch(/refused|denied|not approved/i);
  });

  it("/stop sent in the chat interrupts a long command", async () => {
    rig = await startRig();
    const owner = rig.owner; // full preset: no approval
    rig.ai.push({
      toolCalls: [
        {
          name: "run_command",
          args: { command: "echo started > started.txt; sleep 30; echo late > late.txt" },
        },
      ],
    });
    await say(rig, owner, "run the long job");
    const started = join(rig.workspace(owner), "started.txt");
    await until("the command to start", () => existsSync(started), Boolean);
    const t0 = Date.now();
    await say(rig, owner, "/stop");
    await sees(rig, owner, "Stopped.");
    const [end] = await turnEnds(rig, owner);
    expect(end).toMatchObject({ type: "turn-end", outcome: "stopped" });
    expect(Date.now() - t0).toBeLessThan(10_000);
    // The model was not asked again after the stop, and the command did not go on.
    expect(rig.ai.completions()).toHaveLength(1);
    expect(existsSync(join(rig.workspace(owner), "late.txt"))).toBe(false);
  });

  it("per-message turns leave no temporary directory behind", async () => {
    rig = await startRig({ mode: "per-message" });
    const owner = rig.owner;
    rig.ai.push(
      { toolCalls: [{ name: "write", args: { path: "scratch.txt", content: "tmp" } }] },
      { toolCalls: [{ name: "run_command", args: { command: "pwd" } }] },
      { text: "Done in a scratch directory." },
    );
    await say(rig, owner, "use a scratch dir");
    await sees(rig, owner, "Done in a scratch directory.");
    await turnEnds(rig, owner);
    const pwd = toolResults(rig.ai.completions()[2] ?? {}).join("\n");
    const dir = pwd.match(/\/\S*wxagent-turn-[^\s"\\]+/)?.[0];
    expect(dir, `pwd output: ${pwd}`).toBeTruthy();
    expect(existsSync(dir as string)).toBe(false);
    expect(existsSync(join(rig.workspace(owner), "scratch.txt"))).toBe(false);
  });

  it("no API key in the logs or the chat, even when the provider echoes it in an error", async () => {
    rig = await startRig();
    rig.ai.push({
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${KEY}.`, code: "invalid_api_key" } },
    });
    await say(rig, ALICE, "hello");
    const texts = await sees(rig, ALICE, /Sorry, the agent failed/);
    await turnEnds(rig, ALICE);
    const all = (await control(rig.sim, "GET", `/messages?account_id=${rig.accountId}`)).body;
    expect(JSON.stringify(all)).not.toContain(KEY);
    expect(texts.join("\n")).not.toContain(KEY);
    // The logs did record the failure (so the check on them below means something).
    expect(logText).toMatch(/turn failed/);
    expect(rig.ai.requests.some((q) => q.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });

  it("an image sent through the simulator reaches the model as an image part", async () => {
    rig = await startRig();
    rig.ai.push({ text: "A single pixel." });
    await say(rig, ALICE, {
      text: "what is this?",
      image: { name: "dot.png", base64: PNG.toString("base64") },
    });
    await sees(rig, ALICE, "A single pixel.");
    const user = rig.ai
      .completions()[0]
      ?.messages?.filter((m) => m.role === "user")
      .at(-1);
    const parts = user?.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(Array.isArray(parts)).toBe(true);
    expect(parts.find((p) => p.type === "text")?.text).toMatch(
      /\[image attached: inbox\/\S+\.png, image\/png/,
    );
    expect(parts.find((p) => p.type === "image_url")?.image_url?.url).toBe(
      `data:image/png;base64,${PNG.toString("base64")}`,
    );
  });
});
