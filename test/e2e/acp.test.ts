/**
 * End to end with an ACP agent: a user in the simulator talks to the fake ACP agent process
 * (src/agent/acp/testing/fake-agent.ts) through the real gateway, wired the way
 * `wxagent start --agent acp` wires it: the iLink transport over the SDK client, a SQLite store in
 * a temporary home, the open DM policy, the media wiring, and `store.sessions` as the agent's
 * session store. Everything the user sees is read back from the simulator (GET /sim/messages).
 */

import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type AcpAgent, createAcpAgent } from "../../src/agent/acp/index.js";
import { type FakeAgentOptions, fakeAgentCommand, readLog } from "../../src/agent/acp/testing/harness.js";
import { PRESETS, type Preset } from "../../src/agent/presets.js";
import type { Contact } from "../../src/agent/types.js";
import { workspaceDirFor } from "../../src/agent/workspace.js";
import { mediaWiring } from "../../src/cli/gateway-wiring.js";
import { configSchema } from "../../src/config/index.js";
import {
  createGateway,
  createILinkTransport,
  type Gateway,
  type GatewayEvent,
} from "../../src/gateway/index.js";
import { createAccessPolicy, profileResolver } from "../../src/gateway/policy/index.js";
import { addSimBotAccount } from "../../src/gateway/sim-account.test-util.js";
import { createSimulator, type Simulator } from "../../src/simulator/app.js";
import { control, newBot, type TestBot } from "../../src/simulator/testkit.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome, type HomePaths, openStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";

// Every test spawns `node --import tsx` at least once: slow on a loaded machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

const ALICE = "alice@im.wechat";
/** What the Claude adapter (and the fake playing it) offers, in its order: see README. */
const QUESTION = "1 Always Allow Write · 2 Allow · 3 Reject";
/** Long enough for a first spawn of the fake agent on a busy 2-core machine. */
const WAIT_MS = 30_000;

/**
 * The fake agent's `write` is an edit. No named preset asks before an edit (workspace-write
 * allows it, read-only refuses it), so these tests give the contact a preset that asks.
 */
const ASK_EDITS: Preset = { ...PRESETS["workspace-write"], write: "ask", edit: "ask" };

let base: string;
let paths: HomePaths;
let logFile: string;
let sim: Simulator;
let store: Store;
let bot: TestBot;
let running: { gateway: Gateway; agent: AcpAgent } | undefined;
let events: GatewayEvent[];

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "wx-e2e-acp-"));
  paths = ensureHome(join(base, "home"));
  logFile = join(base, "fake.log");
  events = [];
  sim = createSimulator({ realism: false, seed: 11, longPollTimeoutMs: 1_000 });
  store = openStore(paths.dbPath);
  bot = await newBot(sim);
  addSimBotAccount(store, bot);
});

afterEach(async () => {
  await stopGateway();
  sim.close();
  store.close();
  await rm(base, { recursive: true, force: true });
});

interface StartOptions {
  fake?: FakeAgentOptions;
  permissionTimeoutMs?: number;
  /** How often progress notes are flushed as one bubble; long by default so bubbles are exact. */
  progressIntervalMs?: number;
  /** Who answers permission questions; default the contact (explicit opt-in) for these tests. */
  askTo?: "contact" | "owner";
  /** Access profile defaults (a rate limit, say). */
  defaults?: Record<string, unknown>;
}

/** The gateway and the ACP agent as `wxagent start` builds them (see src/cli/commands/start-gateway.ts). */
async function startGateway(o: StartOptions = {}): Promise<void> {
  const config = configSchema.parse({ agent: "acp", ...(o.defaults ? { defaults: o.defaults } : {}) });
  const agent = createAcpAgent({
    ...fakeAgentCommand({ logFile, ...o.fake }),
    cwdFor: (c) => workspaceDirFor(c, { home: paths.home }),
    presets: ASK_EDITS,
    // The contact answers its own questions here (explicit opt-in; the default asks the owner).
    askTo: o.askTo ?? "contact",
    permissionTimeoutMs: o.permissionTimeoutMs ?? WAIT_MS,
    sessionStore: asyncStore(store).sessions,
  });
  const media = mediaWiring(config, paths, { kind: "acp", why: "e2e" });
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
      progressIntervalMs: o.progressIntervalMs ?? 60_000,
    },
  });
  gateway.on((e) => events.push(e));
  running = { gateway, agent };
  await gateway.start();
}

/** Shutdown in the order `wxagent start` uses: the gateway drains, then the agent's processes end. */
async function stopGateway(): Promise<void> {
  if (!running) return;
  const { gateway, agent } = running;
  running = undefined;
  await gateway.stop({ drainTimeoutMs: 1_000 });
  await agent.close?.();
}

async function userSays(text: string, from = ALICE): Promise<void> {
  const r = await control(sim, "POST", "/messages", { account_id: bot.account_id, from, text });
  expect(r.status).toBe(200);
}

/** The text of every bubble the bot sent to `to`, in order (GET /sim/messages). */
async function bubbles(to = ALICE): Promise<string[]> {
  const q = `account_id=${bot.account_id}&user_id=${encodeURIComponent(to)}&direction=outbound`;
  const r = await control(sim, "GET", `/messages?${q}`);
  const messages = r.body.messages as { items: { type: string; text?: string }[] }[];
  return messages.flatMap((m) => m.items.map((i) => i.text ?? `[${i.type}]`));
}

/** Polls the simulator until a bubble to `to` contains `text`; returns every bubble so far. */
async function waitForBubble(text: string, to = ALICE): Promise<string[]> {
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

async function waitForTurnEnds(n: number): Promise<string[]> {
  const outcomes = () => events.flatMap((e) => (e.type === "turn-end" ? [e.outcome] : []));
  await vi.waitFor(() => expect(outcomes().length).toBeGreaterThanOrEqual(n), {
    timeout: WAIT_MS,
    interval: 50,
  });
  return outcomes();
}

function alice(): Contact {
  return { accountId: bot.account_id, userId: ALICE, isOwner: false };
}

function aliceFile(name: string): string {
  return join(workspaceDirFor(alice(), { home: paths.home }), name);
}

describe("e2e acp: permission prompts in the chat", () => {
  it("the numbered question reaches the user; `2` (Allow) lets the tool run and the file is in the workspace", async () => {
    await startGateway();
    await userSays("write out.txt");
    const asked = await waitForBubble(QUESTION);
    expect(asked).toEqual([expect.stringContaining("Write out.txt")]);
    expect(asked[0]).toContain("Reply 1–3");
    expect(existsSync(aliceFile("out.txt"))).toBe(false);

    await userSays("2");
    const all = await waitForBubble("wrote out.txt");
    expect(all).toEqual([asked[0], "wrote out.txt"]);
    expect(existsSync(aliceFile("out.txt"))).toBe(true);
    const log = readLog(logFile);
    expect(log).toContain("permission allow");
    // The `2` answered the question: it never reached the agent as a prompt of its own.
    expect(log.filter((l) => l.startsWith("prompt"))).toEqual(["prompt write out.txt mode=default"]);
  });

  it("`3` rejects: the agent says so and writes nothing", async () => {
    await startGateway();
    await userSays("write out.txt");
    await waitForBubble(QUESTION);
    await userSays("3");
    const all = await waitForBubble("not allowed");
    expect(all).toEqual([expect.stringContaining(QUESTION), "not allowed"]);
    expect(existsSync(aliceFile("out.txt"))).toBe(false);
    expect(readLog(logFile)).toContain("permission reject");
  });

  it("the answer does not count against the contact's rate limit; the next message does", async () => {
    await startGateway({ defaults: { rateLimit: { perContact: { count: 1, windowMs: 600_000 } } } });
    await userSays("write out.txt");
    await waitForBubble(QUESTION);
    await userSays("2");
    await waitForBubble("wrote out.txt");
    expect(existsSync(aliceFile("out.txt"))).toBe(true);
    // The limit holds: one message per 10 min, and "write out.txt" was it.
    await userSays("echo again");
    await waitForBubble("faster than I can answer");
    expect(readLog(logFile).filter((l) => l.startsWith("prompt"))).toEqual([
      "prompt write out.txt mode=default",
    ]);
  });

  it("silence past the permission timeout rejects", async () => {
    await startGateway({ permissionTimeoutMs: 1_500 });
    await userSays("write out.txt");
    await waitForBubble(QUESTION);
    const all = await waitForBubble("not allowed");
    expect(all).toEqual([
      expect.stringContaining(QUESTION),
      "Question #1 expired without an answer.",
      "not allowed",
    ]);
    expect(existsSync(aliceFile("out.txt"))).toBe(false);
    expect(readLog(logFile)).toContain("permission reject");
    expect(await waitForTurnEnds(1)).toEqual(["done"]);
  });

  it("/stop while the question is open is not taken as an answer: it cancels the request and the turn", async () => {
    await startGateway();
    await userSays("write out.txt");
    await waitForBubble(QUESTION);
    await userSays("/stop");
    await waitForBubble("Stopped.");
    expect(await waitForTurnEnds(1)).toEqual(["stopped"]);
    expect(readLog(logFile)).toContain("permission cancelled");
    expect(existsSync(aliceFile("out.txt"))).toBe(false);
    expect(await bubbles()).toEqual([expect.stringContaining(QUESTION), "Stopped."]);
  });
});

describe("e2e acp: a question for an owner who has not written for over 24 h", () => {
  it("the contact is told at once that the owner cannot be reached; the owner's next message brings the question, their answer lets the tool run", async () => {
    await startGateway({ askTo: "owner" });
    const owner = bot.owner_user_id;
    store.contextTokens.set(bot.account_id, owner, "ctx-yesterday", Date.now() - 25 * 3_600_000);
    await userSays("write out.txt");
    await waitForBubble("cannot reach them until they write to me again");
    expect(await bubbles(owner)).toEqual([]);
    expect(existsSync(aliceFile("out.txt"))).toBe(false);

    await userSays("hello", owner);
    const asked = await waitForBubble("Question #1, for alice@im.wechat:", owner);
    expect(asked.join("\n")).toContain("Write out.txt");
    await userSays("2", owner);
    await waitForBubble("wrote out.txt");
    expect(existsSync(aliceFile("out.txt"))).toBe(true);
    // The owner's "hello" released the question; it was no prompt of its own.
    expect(readLog(logFile).filter((l) => l.startsWith("prompt"))).toEqual([
      "prompt write out.txt mode=default",
    ]);
  });
});

describe("e2e acp: answers, progress and /stop", () => {
  it("a streamed answer arrives as one bubble, not one per chunk; short turns send no progress", async () => {
    await startGateway({ progressIntervalMs: 5_000 });
    await userSays("echo hello wide world");
    await waitForBubble("hello wide world");
    await userSays("plan");
    await waitForBubble("planned");
    // The plan's progress note was superseded by the answer within the interval.
    expect(await bubbles()).toEqual(["hello wide world", "planned"]);
  });

  it("/stop in the chat cancels the turn: the agent gets session/cancel, the user sees the stop", async () => {
    await startGateway({ progressIntervalMs: 300 });
    await userSays("work");
    // One coalesced progress bubble for the tool call; the streamed "working…" is not a bubble.
    await waitForBubble("Run long job");
    await userSays("/stop");
    await waitForBubble("Stopped.");
    expect(await waitForTurnEnds(1)).toEqual(["stopped"]);
    expect(readLog(logFile).some((l) => l.startsWith("cancel fake-"))).toBe(true);
    expect(await bubbles()).toEqual(["▶️ Run long job", "Stopped."]);

    // The process survived the stop and answers the next message.
    await userSays("echo again");
    await waitForBubble("again");
    expect(await bubbles()).toEqual(["▶️ Run long job", "Stopped.", "again"]);
    expect(readLog(logFile).filter((l) => l.startsWith("initialize"))).toHaveLength(1);
  });
});

describe("e2e acp: crashes and restarts", () => {
  it("an agent that dies while its permission question is open: the question is withdrawn and the contact told", async () => {
    await startGateway();
    await userSays("ask-crash");
    const all = await waitForBubble("withdrawn");
    expect(all).toEqual(
      expect.arrayContaining([
        "Question #1 is withdrawn: the request ended before an answer (the agent stopped or failed).",
      ]),
    );
    expect(await waitForTurnEnds(1)).toEqual(["done"]);
  });

  it("a crashed agent process is reported to the user and restarted on the next message", async () => {
    await startGateway();
    await userSays("echo first");
    await waitForBubble("first");
    const firstPid = running?.agent.processes()[0]?.pid;
    expect(firstPid).toEqual(expect.any(Number));

    await userSays("crash");
    await waitForBubble("it will be restarted on your next message");
    expect(await bubbles()).toEqual([
      "first",
      "about to crash\n\n⚠️ the agent process exited (code 1); it will be restarted on your next message",
    ]);

    await userSays("echo back");
    await waitForBubble("back");
    expect(running?.agent.processes()[0]?.pid).not.toBe(firstPid);
    expect(readLog(logFile).filter((l) => l.startsWith("initialize"))).toHaveLength(2);
    expect(await waitForTurnEnds(3)).toEqual(["done", "done", "done"]);
  });

  it("a session survives a gateway restart: the new agent process resumes it with session/load", async () => {
    const fake: FakeAgentOptions = { loadSession: true, stateDir: join(base, "fake-state") };
    await startGateway({ fake });
    await userSays("turns");
    await waitForBubble("turns: 1");
    await stopGateway();
    expect(running).toBeUndefined();

    // A new daemon: the store reopened from disk, a new gateway, a new agent and process.
    store.close();
    store = openStore(paths.dbPath);
    await startGateway({ fake });
    await userSays("turns");
    await waitForBubble("turns: 2");

    const log = readLog(logFile);
    expect(log.filter((l) => l.startsWith("session/new"))).toHaveLength(1);
    const sessionId = log.find((l) => l.startsWith("session/new"))?.split(" ")[1];
    expect(log).toContain(`session/load ${sessionId}`);
    // The history the agent replays while loading is not part of the new answer.
    expect(await bubbles()).toEqual(["turns: 1", "turns: 2"]);
  });
});

describe("e2e acp: faithful rendering and login", () => {
  it("two messages with different messageIds arrive as two bubbles, not `I'll run that.Done.`", async () => {
    await startGateway();
    await userSays("messages");
    await waitForBubble("Done.");
    expect(await bubbles()).toEqual(["I'll run that.", "Done."]);
  });

  it("an agent notice stays out of the contact's chat", async () => {
    await startGateway();
    await userSays("notice");
    await waitForBubble("noticed");
    expect(await bubbles()).toEqual(["noticed"]);
  });

  it("an image block the agent sends is delivered as media through the outbound path", async () => {
    await startGateway();
    await userSays("image");
    await waitForBubble("picture");
    await vi.waitFor(async () => expect((await bubbles()).length).toBe(2), {
      timeout: WAIT_MS,
      interval: 100,
    });
    const [text, media] = await bubbles();
    expect(text).toBe("picture");
    expect(media).toMatch(/^\[/);
    expect(existsSync(join(workspaceDirFor(alice(), { home: paths.home }), "agent-media"))).toBe(true);
  });

  it("an agent that is not logged in: the owner gets the exact fix in the chat", async () => {
    await startGateway({ fake: { auth: "codex", modes: "codex", agentName: "codex-acp" } });
    const owner = bot.owner_user_id;
    await userSays("echo hi", owner);
    const seen = await waitForBubble("codex login", owner);
    expect(seen[0]).toContain("The agent is not logged in. To fix: run `codex login` on this machine");
  });

  it("Codex's retry status (as codex-acp 2.6.0 sends it) reaches the chat as one progress note, then the answer", async () => {
    await startGateway({ progressIntervalMs: 300 });
    await userSays("retry");
    await waitForBubble("recovered");
    expect(await bubbles()).toEqual(["⏳ The model service is not answering; retrying…", "recovered"]);
  });

  it("/help lists the agent's own commands from available_commands_update", async () => {
    await startGateway({ fake: { commands: true } });
    await userSays("echo hi");
    await waitForBubble("hi");
    await userSays("/help");
    const seen = await waitForBubble("The agent's commands:");
    expect(seen.at(-1)).toContain("/stop: stop the answer in progress");
    expect(seen.at(-1)).toContain("/review: Review the current changes");
  });
});

describe("the tools wxagent hands an ACP session over MCP (schedule, send_file)", () => {
  it("the agent creates a job through the server from session/new, once the contact approves; it fires", async () => {
    await startGateway({ fake: { mcpHttp: true } });
    await userSays('mcp schedule_create {"in":"2s","text":"stand up","tz":"UTC"}');
    // workspace-write asks before `schedule`; here the contact answers its own questions.
    await waitForBubble("Allow schedule");
    await userSays("y");
    await waitForBubble("Scheduled job #1 (once)");
    expect(store.schedules.list({})).toMatchObject([
      { userId: ALICE, createdBy: "contact", body: "stand up" },
    ]);
    expect(readLog(logFile).some((l) => /^session\/new .* mcp=1$/.test(l))).toBe(true);
    await waitForBubble("⏰ stand up");
  });

  it("the server is scoped to the session's contact: another chat's job is out of reach", async () => {
    const other = store.schedules.create(
      {
        accountId: bot.account_id,
        userId: "bob@im.wechat",
        kind: "once",
        atMs: Date.now() + 3_600_000,
        tz: "UTC",
        action: "text",
        body: "bob's",
        createdBy: "operator",
        nextRunAtMs: Date.now() + 3_600_000,
      },
      Date.now(),
    );
    await startGateway({ fake: { mcpHttp: true } });
    await userSays(`mcp schedule_cancel {"id":${other.id}}`);
    await waitForBubble("Allow schedule");
    await userSays("y");
    await waitForBubble(`mcp error: REFUSED: there is no active job #${other.id} in this chat`);
    expect(store.schedules.get(other.id)?.state).toBe("active");
  });
});
