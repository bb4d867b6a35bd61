/**
 * Presets bind ACP agents through session modes (issue 15 item 1), against the fake agent behaving
 * like the real adapters: sessions that start in Claude's `auto`, modes that never ask, an agent
 * that switches itself to bypassPermissions mid-turn.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PRESETS, type Preset } from "../presets.js";
import type { Contact } from "../types.js";
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

vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

let base: string;
let logFile: string;
const agents: AcpAgent[] = [];

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "acp-modes-"));
  logFile = join(base, "fake.log");
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close?.()));
  await rm(base, { recursive: true, force: true });
});

const ws = (c: Contact) => join(base, "ws", c.userId);

function makeAgent(
  preset: Preset,
  fake: FakeAgentOptions = {},
  config: Partial<AcpAgentConfig> = {},
): AcpAgent {
  const agent = createAcpAgent({
    ...fakeAgentCommand({ logFile, ...fake }),
    cwdFor: ws,
    presets: preset,
    ...config,
  });
  agents.push(agent);
  return agent;
}

async function say(agent: AcpAgent, text: string, answers: ScriptedAnswer[] = [], who = contact("stranger")) {
  const io = new FakeIO(answers);
  const reply = await agent.run(
    { contact: who, messageId: "m", text, media: [], signal: new AbortController().signal },
    io,
  );
  return { reply, io };
}

/** The log lines from session/new on: what the client sent, in order. */
const sent = () => readLog(logFile).filter((l) => !l.startsWith("initialize"));

describe("acp modes: a read-only stranger and an agent that starts in `auto`", () => {
  it("the session is put in plan before any prompt: the agent writes and runs nothing", async () => {
    const agent = makeAgent(PRESETS["read-only"], { startMode: "auto" });
    const { reply, io } = await say(agent, "attack");
    expect(reply.text).toBe("plan mode: I can only read");
    expect(existsSync(join(ws(contact("stranger")), "pwned.txt"))).toBe(false);
    expect(existsSync(join(ws(contact("stranger")), "ran.txt"))).toBe(false);
    expect(io.questions).toEqual([]);
    const log = sent();
    expect(log[0]).toMatch(/^session\/new .* mode=auto$/);
    expect(log.slice(1)).toEqual(["set_mode plan", "prompt attack mode=plan"]);
  });

  it("an agent that switches itself to bypassPermissions mid-turn is stopped, told, and set back", async () => {
    const agent = makeAgent(PRESETS["read-only"], { startMode: "auto" });
    const { reply } = await say(agent, "escalate");
    expect(reply.text).toContain("switched itself to its `bypassPermissions` mode");
    expect(existsSync(join(ws(contact("stranger")), "escalated.txt"))).toBe(false);
    await vi.waitFor(() => expect(sent().filter((l) => l === "set_mode plan")).toHaveLength(2));
    expect(sent()).toContain("escalate cancelled");
    // The next turn runs in plan again.
    const next = await say(agent, "attack");
    expect(next.reply.text).toBe("plan mode: I can only read");
    expect(sent().at(-1)).toBe("prompt attack mode=plan");
  });

  it("the session/config_option API is used when that is how the agent offers its modes", async () => {
    const agent = makeAgent(PRESETS["read-only"], { modes: "config", startMode: "auto" });
    const { reply } = await say(agent, "attack");
    expect(reply.text).toBe("plan mode: I can only read");
    expect(sent()).toContain("set_config_option mode plan");
  });

  it("an agent that will not switch modes is refused the turn, with the reason", async () => {
    const agent = makeAgent(PRESETS["read-only"], { startMode: "auto", refuseSetMode: true });
    const { reply } = await say(agent, "attack");
    expect(reply.text).toMatch(/^⚠️ I can't do this here: the agent refused to switch to its `plan` mode/);
    expect(sent().some((l) => l.startsWith("prompt"))).toBe(false);
    expect(existsSync(join(ws(contact("stranger")), "pwned.txt"))).toBe(false);
  });

  it("an agent with no modes is refused for a limited contact, with a clear message, and never prompted", async () => {
    const agent = makeAgent(PRESETS["read-only"], { modes: "none" });
    const { reply } = await say(agent, "attack");
    expect(reply.text).toMatch(/^⚠️ I can't do this here: this agent offers no permission modes/);
    expect(sent().some((l) => l.startsWith("prompt"))).toBe(false);
  });
});

describe("acp modes: other presets", () => {
  it("workspace-write gets the asking mode: the edit is allowed by the preset, the command asked and refused", async () => {
    const agent = makeAgent(PRESETS["workspace-write"], { startMode: "auto" });
    const { reply, io } = await say(agent, "attack", ["n"], contact("friend"));
    expect(sent()).toContain("set_mode default");
    expect(reply.text).toBe("wrote=true ran=false");
    expect(io.questions).toHaveLength(1);
    expect(io.questions[0]?.question).toContain("echo hi && id");
    expect(existsSync(join(ws(contact("friend")), "ran.txt"))).toBe(false);
  });

  it("a `deny` in the preset is answered without asking the chat", async () => {
    const noRun: Preset = { ...PRESETS["workspace-write"], run_command: "deny" };
    const agent = makeAgent(noRun, { startMode: "auto" });
    const { reply, io } = await say(agent, "attack", [], contact("friend"));
    expect(reply.text).toBe("wrote=true ran=false");
    expect(io.questions).toEqual([]);
  });

  it("full gets the default mode, not auto; bypassPermissions only when the owner configured it", async () => {
    const owner: Contact = { accountId: "acc1", userId: "owner", isOwner: true };
    const agent = makeAgent(PRESETS.full, { startMode: "auto" });
    await say(agent, "echo hi", [], owner);
    expect(sent()).toContain("set_mode default");

    const configured = makeAgent(
      PRESETS.full,
      { startMode: "default" },
      { modes: { full: "bypassPermissions" } },
    );
    await say(configured, "echo hi", [], owner);
    expect(sent()).toContain("set_mode bypassPermissions");
  });

  it("Codex-like modes (codex-acp 2.6.0, starting in `agent`): read-only for a stranger, workspace-write for the owner", async () => {
    const fake: FakeAgentOptions = { modes: "codex", agentName: "@agentclientprotocol/codex-acp" };
    const stranger = makeAgent(PRESETS["read-only"], fake);
    const { reply } = await say(stranger, "attack");
    expect(reply.text).toBe("read-only mode: I can only read");
    expect(sent()).toContain("set_mode read-only");
    expect(readLog(logFile).find((l) => l.startsWith("session/new"))).toMatch(/mode=agent$/);

    const owner = makeAgent(PRESETS.full, fake);
    const mine = await say(owner, "turns", [], { ...contact("owner"), isOwner: true });
    expect(mine.reply.text).toBe("turns: 1");
    expect(sent()).toContain("set_mode workspace-write");
    expect(sent()).not.toContain("set_mode agent");
  });

  it("a contact whose preset starts or stops allowing writes gets a new process (its sandbox mounts the workspace accordingly)", async () => {
    let preset: Preset = PRESETS["read-only"];
    const agent = makeAgent(PRESETS["read-only"], {}, { presets: () => preset });
    const who = contact("alice");
    await say(agent, "turns", [], who);
    const first = agent.processes()[0]?.pid;
    await say(agent, "turns", [], who);
    expect(agent.processes()[0]?.pid).toBe(first);
    preset = PRESETS["workspace-write"];
    await say(agent, "turns", [], who);
    const second = agent.processes()[0]?.pid;
    expect(second).not.toBe(first);
    expect(readLog(logFile).filter((l) => l.startsWith("initialize"))).toHaveLength(2);
  });

  it("a session resumed with session/load (it comes back in `auto`) is set to plan again before the prompt", async () => {
    const fake: FakeAgentOptions = { startMode: "auto", loadSession: true, stateDir: join(base, "state") };
    const sessionStore = memorySessionStore();
    const first = makeAgent(PRESETS["read-only"], fake, { sessionStore });
    await say(first, "turns");
    await first.close?.();
    const second = makeAgent(PRESETS["read-only"], fake, { sessionStore });
    const { reply } = await say(second, "attack");
    expect(reply.text).toBe("plan mode: I can only read");
    const log = sent();
    const load = log.findIndex((l) => l.startsWith("session/load"));
    expect(load).toBeGreaterThan(0);
    expect(log.slice(load)).toEqual([
      expect.stringMatching(/^session\/load fake-/),
      "set_mode plan",
      "prompt attack mode=plan",
    ]);
    expect(log.filter((l) => l.startsWith("session/new"))).toHaveLength(1);
  });
});
