/**
 * Login a person can finish (issue 15 item 2): agents that answer -32000 "Authentication
 * required" on session/new or on session/prompt, as the Claude and Codex adapters do.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PRESETS } from "../presets.js";
import type { Contact } from "../types.js";
import { type AcpAgent, createAcpAgent } from "./agent.js";
import type { AcpAgentConfig } from "./config.js";
import { contact, type FakeAgentOptions, FakeIO, fakeAgentCommand, readLog } from "./testing/harness.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

let base: string;
let logFile: string;
const agents: AcpAgent[] = [];
const owner: Contact = { accountId: "acc1", userId: "owner", isOwner: true };
/** No key in the agent's environment, whatever the test runner has. */
const NO_KEYS = { OPENAI_API_KEY: "", CODEX_API_KEY: "", ANTHROPIC_API_KEY: "" };

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "acp-auth-"));
  logFile = join(base, "fake.log");
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close?.()));
  await rm(base, { recursive: true, force: true });
});

function makeAgent(
  fake: FakeAgentOptions,
  env: Record<string, string> = NO_KEYS,
  config: Partial<AcpAgentConfig> = {},
) {
  const cmd = fakeAgentCommand({ logFile, ...fake });
  const agent = createAcpAgent({
    ...cmd,
    env,
    cwdFor: (c) => join(base, "ws", c.userId),
    presets: (c) => (c.isOwner ? PRESETS.full : PRESETS["read-only"]),
    ...config,
  });
  agents.push(agent);
  return agent;
}

async function say(agent: AcpAgent, text: string, who: Contact) {
  return agent.run(
    { contact: who, messageId: "m", text, media: [], signal: new AbortController().signal },
    new FakeIO(),
  );
}

describe("acp login", () => {
  it("Codex-like, not logged in: the owner is told `codex login` or the key variables; others a short note", async () => {
    const agent = makeAgent({ auth: "codex", modes: "codex", agentName: "codex-acp" });
    const mine = await say(agent, "echo hi", owner);
    expect(mine.text).toContain("The agent is not logged in. To fix: run `codex login` on this machine");
    expect(mine.text).toContain("OPENAI_API_KEY or CODEX_API_KEY");
    const theirs = await say(agent, "echo hi", contact("stranger"));
    expect(theirs.text).toBe("Sorry, the agent is not set up yet. Please try again later.");
    expect(theirs.text).not.toContain("codex");
  });

  it.each([
    ["OPENAI_API_KEY", { ...NO_KEYS, OPENAI_API_KEY: "sk-test" }],
    ["CODEX_API_KEY", { ...NO_KEYS, CODEX_API_KEY: "sk-codex" }],
  ])(
    "Codex-like with %s set: authenticate goes with its one `api-key` method and the turn works",
    async (_name, env) => {
      const agent = makeAgent(
        { auth: "codex", modes: "codex", agentName: "@agentclientprotocol/codex-acp" },
        env,
      );
      const reply = await say(agent, "echo hello", owner);
      expect(reply.text).toBe("hello");
      expect(readLog(logFile)).toContain("authenticate api-key");
    },
  );

  it("Claude-like (sessions open, the prompt fails): the fix names the adapter's terminal login, `claude` /login and ANTHROPIC_API_KEY", async () => {
    const agent = makeAgent({ auth: "claude", agentName: "@agentclientprotocol/claude-agent-acp" });
    const reply = await say(agent, "echo hi", owner);
    expect(reply.text).toMatch(
      /run `\S+ .*fake-agent\.ts .* --cli auth login --claudeai` in a terminal \(Claude Subscription; `--console` in place of `--claudeai` for Anthropic Console\)/,
    );
    expect(reply.text).toContain("run `claude` on this machine and log in with /login");
    expect(reply.text).toContain("ANTHROPIC_API_KEY");
    const log = readLog(logFile);
    expect(log[0]).toContain("auth.terminal=true");
    expect(log).toContain("prompt refused: auth");
  });

  it("a -32000 on session/prompt is recognised like one on session/new", async () => {
    const agent = makeAgent({ auth: "codex", authOnPrompt: true, modes: "codex", agentName: "codex-acp" });
    const mine = await say(agent, "echo hi", owner);
    expect(mine.text).toContain("To fix: run `codex login`");
    expect(readLog(logFile)).toContain("prompt refused: auth");
    const theirs = await say(agent, "echo hi", contact("stranger"));
    expect(theirs.text).toBe("Sorry, the agent is not set up yet. Please try again later.");
  });
});
