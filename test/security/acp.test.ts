/**
 * Attacks on the ACP agent as a contact would make them (issue 15 item 1): a read-only stranger
 * talks through the simulator to a scripted agent that behaves like the Claude adapter did — it
 * starts sessions in `auto`, never sends session/request_permission there, and switches itself to
 * bypassPermissions when it likes. wxagent's preset must decide, not the agent's defaults.
 */

import { existsSync } from "node:fs";
import { link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type AcpAgent, createAcpAgent } from "../../src/agent/acp/index.js";
import { type FakeAgentOptions, fakeAgentCommand, readLog } from "../../src/agent/acp/testing/harness.js";
import type { Contact } from "../../src/agent/types.js";
import { workspaceDirFor } from "../../src/agent/workspace.js";
import { mediaWiring } from "../../src/cli/gateway-wiring.js";
import { configSchema } from "../../src/config/index.js";
import { createGateway, createILinkTransport, type Gateway } from "../../src/gateway/index.js";
import { createAccessPolicy, profileResolver } from "../../src/gateway/policy/index.js";
import { addSimBotAccount } from "../../src/gateway/sim-account.test-util.js";
import { agentSandboxFor, type ProcessSandbox } from "../../src/shared/sandbox/agent-process.js";
import { sandboxForTests } from "../../src/shared/sandbox/testing.js";
import { createSimulator, type Simulator } from "../../src/simulator/app.js";
import { control, newBot, type TestBot } from "../../src/simulator/testkit.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome, type HomePaths, openStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

const STRANGER = "stranger@im.wechat";
const WAIT_MS = 30_000;
const SECRET = "sk-wxagent-home-secret";
const SANDBOX = await sandboxForTests();
const REPO = resolve(import.meta.dirname, "../..");

let base: string;
let paths: HomePaths;
let logFile: string;
let sim: Simulator;
let store: Store;
let bot: TestBot;
let running: { gateway: Gateway; agent: AcpAgent } | undefined;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "wx-sec-acp-"));
  paths = ensureHome(join(base, "home"));
  await writeFile(paths.configPath, JSON.stringify({ builtin: { apiKey: SECRET } }));
  // Its own folder: a sandboxed fake can be given it (and only it) to write its log.
  await mkdir(join(base, "log"));
  logFile = join(base, "log", "fake.log");
  sim = createSimulator({ realism: false, seed: 15, longPollTimeoutMs: 1_000 });
  store = openStore(paths.dbPath);
  bot = await newBot(sim);
  addSimBotAccount(store, bot);
});

afterEach(async () => {
  if (running) {
    await running.gateway.stop({ drainTimeoutMs: 1_000 });
    await running.agent.close?.();
    running = undefined;
  }
  sim.close();
  store.close();
  await rm(base, { recursive: true, force: true });
});

/** The gateway as `wxagent start --agent acp` wires it, with the default presets (strangers read-only). */
async function start(fake: FakeAgentOptions, sandbox?: ProcessSandbox): Promise<void> {
  const config = configSchema.parse({ agent: "acp" });
  const agent = createAcpAgent({
    ...fakeAgentCommand({ logFile, ...fake }),
    cwdFor: (c) => workspaceDirFor(c, { home: paths.home }),
    sessionStore: asyncStore(store).sessions,
    ...(sandbox ? { sandbox } : {}),
  });
  const media = mediaWiring(config, paths, { kind: "acp", why: "security test" });
  const gateway = createGateway({
    store,
    agent,
    transportFor: (a) => createILinkTransport(a, { ...media.transport, fetch: sim.fetch }),
    media: media.media,
    accountIds: [bot.account_id],
    delivery: { spacingMs: 0, typingStartAfterMs: 60_000 },
    dispatch: {
      access: createAccessPolicy({
        store: asyncStore(store),
        profileFor: profileResolver(config, { dmPolicy: "open" }),
      }),
      ...media.dispatch,
      progressIntervalMs: 60_000,
    },
  });
  running = { gateway, agent };
  await gateway.start();
}

async function strangerSays(text: string, from = STRANGER): Promise<void> {
  const r = await control(sim, "POST", "/messages", { account_id: bot.account_id, from, text });
  expect(r.status).toBe(200);
}

async function bubbles(to = STRANGER): Promise<string[]> {
  const q = `account_id=${bot.account_id}&user_id=${encodeURIComponent(to)}&direction=outbound`;
  const r = await control(sim, "GET", `/messages?${q}`);
  const messages = r.body.messages as { items: { type: string; text?: string }[] }[];
  return messages.flatMap((m) => m.items.map((i) => i.text ?? `[${i.type}]`));
}

async function waitForBubble(text: string, to = STRANGER): Promise<string[]> {
  let seen: string[] = [];
  await vi.waitFor(
    async () => {
      seen = await bubbles(to);
      expect(seen.some((b) => b.includes(text))).toBe(true);
    },
    { timeout: WAIT_MS, interval: 100 },
  );
  return seen;
}

function strangerFile(name: string, userId = STRANGER): string {
  const c: Contact = { accountId: bot.account_id, userId, isOwner: false };
  return join(workspaceDirFor(c, { home: paths.home }), name);
}

/** The sandbox `wxagent start` builds from `acp.sandbox` (the fake needs the checkout to run). */
function cliSandbox(): ProcessSandbox {
  const sandbox = agentSandboxFor(
    { mode: "on", readPaths: [REPO], allowPaths: [join(base, "log")], passEnv: [] },
    { hide: [paths.home, join(paths.home, "workspaces")] },
  );
  return { ...sandbox, hostEnv: { ...process.env, DB_PASSWORD: "hunter2", OPENAI_API_KEY: "sk-gateway" } };
}

describe("security acp: a read-only stranger and an agent that starts in `auto` and ignores permissions", () => {
  it("the session is set to plan before the prompt: nothing is written, nothing runs", async () => {
    await start({ startMode: "auto" });
    await strangerSays("attack");
    await waitForBubble("plan mode: I can only read");
    expect(existsSync(strangerFile("pwned.txt"))).toBe(false);
    expect(existsSync(strangerFile("ran.txt"))).toBe(false);
    const log = readLog(logFile).filter((l) => l.startsWith("set_mode") || l.startsWith("prompt"));
    expect(log).toEqual(["set_mode plan", "prompt attack mode=plan"]);
  });

  it("an agent that switches itself to bypassPermissions is stopped and the stranger told", async () => {
    await start({ startMode: "auto" });
    await strangerSays("escalate");
    const seen = await waitForBubble("switched itself");
    expect(seen.join("\n")).not.toContain("escalated\n");
    expect(existsSync(strangerFile("escalated.txt"))).toBe(false);
    expect(readLog(logFile)).toContain("escalate cancelled");
  });

  it("reading $WXAGENT_HOME through the client is refused", async () => {
    await start({ startMode: "auto" });
    await strangerSays(`read ${paths.configPath}`);
    const seen = await waitForBubble("read failed");
    expect(seen.join("\n")).not.toContain(SECRET);
  });

  it("reading through a hard link to $WXAGENT_HOME is refused, and no refusal says where the workspace is", async () => {
    await start({ startMode: "auto" });
    await mkdir(dirname(strangerFile("notes.txt")), { recursive: true });
    // Planted outside the sandbox (inside it a link across mounts cannot be made).
    await link(paths.configPath, strangerFile("notes.txt"));
    await strangerSays("read notes.txt");
    let seen = await waitForBubble("read failed");
    expect(seen.join("\n")).not.toContain(SECRET);
    expect(seen.join("\n")).toMatch(/notes\.txt is a hard link/);
    await strangerSays("read missing/file.txt");
    seen = await waitForBubble("missing/file.txt does not exist");
    expect(seen.join("\n")).not.toContain(paths.home);
    expect(seen.join("\n")).not.toContain(base);
  });

  it("an agent with no modes is refused for the stranger, never prompted", async () => {
    await start({ modes: "none" });
    await strangerSays("attack");
    await waitForBubble("this agent offers no permission modes");
    expect(readLog(logFile).some((l) => l.startsWith("prompt"))).toBe(false);
  });

  it("an agent that is not logged in tells the stranger only that it is not set up", async () => {
    await start({ auth: "codex", modes: "codex", agentName: "codex-acp" });
    await strangerSays("echo hi");
    const seen = await waitForBubble("not set up yet");
    expect(seen.join("\n")).not.toContain("codex login");
  });
});

describe.runIf(SANDBOX)(
  "security acp: an agent that ignores its mode and its permissions, sandboxed as `wxagent start` runs it",
  () => {
    it("gets nothing for a read-only stranger: no write, no $WXAGENT_HOME by itself or by command, no secrets", async () => {
      await start({ probe: paths.configPath }, cliSandbox());
      await strangerSays(`rogue ${paths.configPath}`);
      const seen = await waitForBubble("write-cwd=");
      const answer = seen.find((b) => b.includes("write-cwd=")) ?? "";
      expect(answer).toMatch(/^write-cwd=EROFS plant=\S+ run=exit 1 read=ENOENT$/);
      expect(seen.join("\n")).not.toContain(SECRET);
      expect(existsSync(strangerFile("pwned.txt"))).toBe(false);
      expect(existsSync(join(paths.home, "planted.txt"))).toBe(false);
      const log = readLog(logFile);
      expect(log).toContain(`probe read ${paths.configPath}: ENOENT`);
      expect(log).toContain("probe env: (none)");
    });

    it("the owner's agent may write its own workspace, and still never sees $WXAGENT_HOME", async () => {
      await start({}, cliSandbox());
      const owner = bot.owner_user_id;
      await strangerSays(`rogue ${paths.configPath}`, owner);
      const seen = await waitForBubble("write-cwd=", owner);
      expect(seen.find((b) => b.includes("write-cwd="))).toMatch(
        /^write-cwd=ok plant=\S+ run=exit 1 read=ENOENT$/,
      );
      expect(existsSync(join(paths.home, "planted.txt"))).toBe(false);
    });
  },
);
