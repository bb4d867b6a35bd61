/**
 * End to end: a real fake ACP agent process (testing/fake-agent.ts) behind createAcpAgent, with a
 * scripted AgentIO standing in for the chat.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PRESETS, type Preset } from "../presets.js";
import type { AgentInput, Contact } from "../types.js";
import { type AcpAgent, createAcpAgent } from "./agent.js";
import type { AcpAgentConfig } from "./config.js";
import {
  contact,
  type FakeAgentOptions,
  FakeIO,
  fakeAgentCommand,
  memorySessionStore,
  readLog,
  type ScriptedAnswer,
} from "./testing/harness.js";

// Spawning agents is slow on a loaded machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

/** Edits and commands asked from the phone, reads free: the preset these tests mostly use. */
const ASK_EDITS: Preset = { ...PRESETS["workspace-write"], write: "ask", edit: "ask" };

let base: string;
let logFile: string;
const agents: AcpAgent[] = [];

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "acp-agent-"));
  logFile = join(base, "fake.log");
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close?.()));
  await rm(base, { recursive: true, force: true });
});

function workspaceOf(c: Contact): string {
  return join(base, "ws", c.userId);
}

function makeAgent(fake: FakeAgentOptions = {}, config: Partial<AcpAgentConfig> = {}): AcpAgent {
  const agent = createAcpAgent({
    ...fakeAgentCommand({ logFile, ...fake }),
    cwdFor: workspaceOf,
    presets: ASK_EDITS,
    ...config,
  });
  agents.push(agent);
  return agent;
}

function input(
  text: string,
  who: Contact = contact("alice"),
  signal = new AbortController().signal,
): AgentInput {
  return { contact: who, messageId: `m-${Math.random()}`, text, media: [], signal };
}

async function say(agent: AcpAgent, text: string, answers: ScriptedAnswer[] = [], who = contact("alice")) {
  const io = new FakeIO(answers);
  const reply = await agent.run(input(text, who), io);
  return { reply, io };
}

describe("acp agent: turns", () => {
  it("answers with the turn's concatenated message chunks", async () => {
    const agent = makeAgent();
    const { reply, io } = await say(agent, "echo hello wide world");
    expect(reply).toEqual({ text: "hello wide world" });
    expect(io.progressLines).toEqual([]);
    expect(readLog(logFile)[0]).toBe("initialize fs=true auth.terminal=true notices=true");
  });

  it("turns tool calls and plans into short progress lines", async () => {
    const agent = makeAgent();
    const tool = await say(agent, "tool");
    expect(tool.reply.text).toBe("done");
    expect(tool.io.progressLines).toEqual(["🔧 Edit src/a.ts"]);
    const plan = await say(agent, "plan");
    expect(plan.io.progressLines).toEqual(["📋 plan: 3 steps"]);
    // Both turns ran in one process and one session.
    expect(readLog(logFile).filter((l) => l.startsWith("session/new"))).toHaveLength(1);
  });

  it("sends agent stderr to our logger", async () => {
    const lines: string[] = [];
    const { default: pino } = await import("pino");
    const logger = pino({ level: "debug" }, { write: (l: string) => lines.push(l) });
    const agent = makeAgent({}, { logger });
    await say(agent, "echo hi");
    expect(lines.some((l) => l.includes("fake-agent ready"))).toBe(true);
  });

  it("an adapter older than the pinned one is a warning in the log", async () => {
    const lines: string[] = [];
    const { default: pino } = await import("pino");
    const logger = pino({ level: "info" }, { write: (l: string) => lines.push(l) });
    const cmd = fakeAgentCommand({ logFile, agentName: "claude-agent-acp", agentVersion: "0.49.0" });
    const agent = createAcpAgent({
      ...cmd,
      args: [...(cmd.args ?? []), "@agentclientprotocol/claude-agent-acp@0.101.0"],
      cwdFor: workspaceOf,
      logger,
    });
    agents.push(agent);
    await say(agent, "echo hi");
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === 40 && /older than/.test(l.msg));
    expect(warning?.msg).toMatch(/answered as 0\.49\.0, older than the 0\.101\.0 expected/);
  });

  it("an agent notice goes to the owner's log (with its title and detail), not into the reply", async () => {
    const lines: string[] = [];
    const { default: pino } = await import("pino");
    const logger = pino({ level: "info" }, { write: (l: string) => lines.push(l) });
    const agent = makeAgent({}, { logger });
    const { reply, io } = await say(agent, "notice");
    expect(reply.text).toBe("noticed");
    expect(io.progressLines).toEqual([]);
    const notice = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "agent notice");
    expect(notice).toMatchObject({
      level: 40,
      severity: "warning",
      title: "Claude Code update available",
      detail: "Run claude update",
    });
  });
});

describe("acp agent: permission from the phone", () => {
  it("`1` is the agent's own first option (Claude's: Always Allow) and lets the tool run: the file exists", async () => {
    const agent = makeAgent();
    const { reply, io } = await say(agent, "write out.txt", ["1"]);
    expect(io.questions).toHaveLength(1);
    expect(io.questions[0]?.question).toContain("Write out.txt");
    expect(io.questions[0]?.question).toContain("1 Always Allow Write · 2 Allow · 3 Reject");
    expect(reply.text).toBe("wrote out.txt");
    expect(existsSync(join(workspaceOf(contact("alice")), "out.txt"))).toBe(true);
    expect(readLog(logFile)).toContain("permission allow_always");
  });

  it("`y` is always allow-once, wherever the agent puts it (Claude second, Codex first)", async () => {
    const claude = makeAgent();
    expect((await say(claude, "write a.txt", ["y"])).reply.text).toBe("wrote a.txt");
    const codex = makeAgent({ modes: "codex", agentName: "@agentclientprotocol/codex-acp" });
    const { io } = await say(codex, "write b.txt", ["y"]);
    expect(io.questions[0]?.question).toContain(
      "1 Yes, proceed · 2 Yes, and don't ask again for these files · 3 No, and tell Codex what to do differently",
    );
    expect(readLog(logFile).filter((l) => l.startsWith("permission"))).toEqual([
      "permission allow",
      "permission allow_once",
    ]);
  });

  it("`3` rejects: no file", async () => {
    const agent = makeAgent();
    const { reply } = await say(agent, "write out.txt", ["3"]);
    expect(reply.text).toBe("not allowed");
    expect(existsSync(join(workspaceOf(contact("alice")), "out.txt"))).toBe(false);
    expect(readLog(logFile)).toContain("permission reject");
  });

  it("silence past the permission timeout rejects", async () => {
    const agent = makeAgent({}, { permissionTimeoutMs: 300 });
    const { reply, io } = await say(agent, "write out.txt", ["<never>"]);
    expect(io.questions[0]?.options?.timeoutMs).toBe(300);
    expect(reply.text).toBe("not allowed");
    expect(existsSync(join(workspaceOf(contact("alice")), "out.txt"))).toBe(false);
  });

  it("/stop while the question is open answers it cancelled and stops the turn", async () => {
    const agent = makeAgent();
    const io = new FakeIO(["<never>"]);
    const stop = new AbortController();
    const pending = agent.run(input("write out.txt", contact("alice"), stop.signal), io);
    await io.waitForQuestion();
    stop.abort();
    expect((await pending).text).toBe("(stopped)");
    expect(readLog(logFile)).toContain("permission cancelled");
    expect(existsSync(join(workspaceOf(contact("alice")), "out.txt"))).toBe(false);
  });

  it("two unreadable replies reject", async () => {
    const agent = makeAgent();
    const { reply, io } = await say(agent, "write out.txt", ["perhaps", "later"]);
    expect(io.questions).toHaveLength(2);
    expect(reply.text).toBe("not allowed");
  });

  it("presets answer in advance: read-only refuses without asking, full allows", async () => {
    const readOnly = makeAgent({}, { presets: "read-only" });
    const refused = await say(readOnly, "write a.txt");
    expect(refused.io.questions).toHaveLength(0);
    expect(refused.reply.text).toBe("not allowed");
    const full = makeAgent({}, { presets: () => PRESETS.full });
    const allowed = await say(full, "write b.txt", [], contact("bob"));
    expect(allowed.io.questions).toHaveLength(0);
    expect(existsSync(join(workspaceOf(contact("bob")), "b.txt"))).toBe(true);
  });
});

describe("acp agent: workspace confinement", () => {
  it("reads inside the workspace; refuses outside paths and escaping symlinks", async () => {
    const agent = makeAgent();
    const alice = contact("alice");
    await say(agent, "echo warm up");
    await writeFile(join(workspaceOf(alice), "notes.txt"), "inside");
    await writeFile(join(base, "secret.txt"), "outside");
    await symlink(join(base, "secret.txt"), join(workspaceOf(alice), "link.txt"));
    expect((await say(agent, "read notes.txt")).reply.text).toBe("inside");
    expect((await say(agent, `read ${join(base, "secret.txt")}`)).reply.text).toMatch(
      /^read failed: refused: path .* (is outside|leads outside) the workspace/,
    );
    expect((await say(agent, "read link.txt")).reply.text).toMatch(
      /^read failed: refused: path .* (is outside|leads outside) the workspace/,
    );
  });
});

describe("acp agent: stop, crash, reset", () => {
  it("abort sends session/cancel and the turn ends with (stopped)", async () => {
    const agent = makeAgent();
    const io = new FakeIO();
    const stop = new AbortController();
    const pending = agent.run(input("work", contact("alice"), stop.signal), io);
    await io.waitForProgress("Run long job");
    stop.abort();
    const reply = await pending;
    expect(reply.text).toBe("working…\n\n(stopped)");
    expect(readLog(logFile).some((l) => l.startsWith("cancel fake-"))).toBe(true);
    // The process survives a stop and serves the next message.
    expect((await say(agent, "echo again")).reply.text).toBe("again");
  });

  it("reports a crashed process and restarts it on the next message", async () => {
    const agent = makeAgent();
    await say(agent, "echo first");
    const firstPid = agent.processes()[0]?.pid;
    const { reply } = await say(agent, "crash");
    expect(reply.text).toBe(
      "about to crash\n\n⚠️ the agent process exited (code 1); it will be restarted on your next message",
    );
    expect(agent.processes()).toEqual([]);
    expect((await say(agent, "echo back")).reply.text).toBe("back");
    expect(agent.processes()[0]?.pid).not.toBe(firstPid);
  });

  it("an agent error fails the turn and the next message gets a fresh session", async () => {
    const agent = makeAgent();
    await expect(agent.run(input("fail"), new FakeIO())).rejects.toMatchObject({
      code: "ACP_PROMPT_FAILED",
      message: expect.stringContaining("model quota exhausted"),
    });
    expect((await say(agent, "turns")).reply.text).toBe("turns: 1");
    expect(readLog(logFile).filter((l) => l.startsWith("session/new"))).toHaveLength(2);
  });

  it("reset starts a new session", async () => {
    const store = memorySessionStore();
    const agent = makeAgent({}, { sessionStore: store });
    const first = (await say(agent, "session")).reply.text;
    await agent.reset?.(contact("alice"));
    expect(store.size()).toBe(0);
    const second = (await say(agent, "session")).reply.text;
    expect(second).not.toBe(first);
    expect((await say(agent, "turns")).reply.text).toBe("turns: 2");
  });

  it("a missing command fails the turn with a typed error naming the fix", async () => {
    const agent = createAcpAgent({ command: join(base, "no-such-agent"), cwd: join(base, "ws") });
    agents.push(agent);
    await expect(agent.run(input("hi"), new FakeIO())).rejects.toMatchObject({
      code: "ACP_SPAWN_FAILED",
      message: expect.stringContaining("set the ACP command to a full path"),
    });
  });
});

describe("acp agent: sessions across restarts", () => {
  it("a new agent object with the same store resumes the session with session/load", async () => {
    const store = memorySessionStore();
    const fake = { loadSession: true, stateDir: join(base, "state") };
    const first = makeAgent(fake, { sessionStore: store });
    expect((await say(first, "turns")).reply.text).toBe("turns: 1");
    await first.close?.();
    const second = makeAgent(fake, { sessionStore: store });
    // The replayed history is not part of the new turn's answer.
    expect((await say(second, "turns")).reply.text).toBe("turns: 2");
    const log = readLog(logFile);
    expect(log.filter((l) => l.startsWith("session/new"))).toHaveLength(1);
    expect(log.some((l) => l.startsWith("session/load fake-"))).toBe(true);
  });

  it("falls back to a new session when the agent cannot load sessions", async () => {
    const store = memorySessionStore();
    const first = makeAgent({}, { sessionStore: store });
    await say(first, "turns");
    await first.close?.();
    const second = makeAgent({}, { sessionStore: store });
    expect((await say(second, "turns")).reply.text).toBe("turns: 1");
    expect(readLog(logFile).some((l) => l.startsWith("session/load"))).toBe(false);
  });
});

describe("acp agent: process pool", () => {
  it("keeps at most maxProcesses, stopping the least recently used", async () => {
    const agent = makeAgent({}, { maxProcesses: 2 });
    await say(agent, "echo a", [], contact("a"));
    await say(agent, "echo b", [], contact("b"));
    await say(agent, "echo a2", [], contact("a"));
    await say(agent, "echo c", [], contact("c"));
    expect(agent.processes().map((p) => p.key)).toEqual(["acc1/a", "acc1/c"]);
  });

  it("scope account serves every contact from one process, each in its own session", async () => {
    const agent = makeAgent({}, { scope: "account" });
    const a = (await say(agent, "session", [], contact("a"))).reply.text;
    const b = (await say(agent, "session", [], contact("b"))).reply.text;
    expect(a).not.toBe(b);
    expect(agent.processes()).toEqual([{ key: "acc1", pid: expect.any(Number), busy: 0, sessions: 2 }]);
  });

  it("with every process mid-turn, a new contact waits instead of exceeding the bound", async () => {
    const agent = makeAgent({}, { maxProcesses: 1 });
    const busyIO = new FakeIO();
    const stop = new AbortController();
    const long = agent.run(input("work", contact("a"), stop.signal), busyIO);
    await busyIO.waitForProgress("Run long job");
    let bobDone = false;
    const bob = say(agent, "echo bob", [], contact("b")).then((r) => {
      bobDone = true;
      return r;
    });
    // Bob's turn has reached the pool once his workspace exists. Proving that something does
    // NOT happen needs a little time: give a spawn the chance to show up before checking.
    await vi.waitFor(() => expect(existsSync(workspaceOf(contact("b")))).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bobDone).toBe(false);
    expect(agent.processes().map((p) => p.key)).toEqual(["acc1/a"]);
    expect(readLog(logFile).filter((l) => l.startsWith("initialize"))).toHaveLength(1);
    stop.abort();
    expect((await long).text).toContain("(stopped)");
    expect((await bob).reply.text).toBe("bob");
    expect(agent.processes().map((p) => p.key)).toEqual(["acc1/b"]);
  });

  it("runs one contact's turns one after another", async () => {
    const agent = makeAgent();
    const io = new FakeIO();
    const stop = new AbortController();
    const first = agent.run(input("work", contact("alice"), stop.signal), io);
    const second = say(agent, "echo second");
    await io.waitForProgress("Run long job");
    stop.abort();
    expect((await first).text).toContain("(stopped)");
    expect((await second).reply.text).toBe("second");
    const prompts = readLog(logFile).filter((l) => l.startsWith("prompt") || l.startsWith("cancel"));
    expect(prompts.map((l) => l.split(" ")[0])).toEqual(["prompt", "cancel", "prompt"]);
  });

  it("stops a process after its idle timeout", async () => {
    const agent = makeAgent({}, { idleTimeoutMs: 200 });
    await say(agent, "echo hi");
    expect(agent.processes()).toHaveLength(1);
    await vi.waitFor(() => expect(agent.processes()).toHaveLength(0), { timeout: 5_000, interval: 50 });
  });
});
