/**
 * The built-in agent's context: unlock, inbound media, progress modes, persisted sessions.
 * Same set-up as agent.test.ts: the fake OpenAI-compatible server and a recording AgentIO.
 */
import { mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SessionRecord } from "../../store/types.js";
import type { AgentSessionStore } from "../types.js";
import { handleUnlock, memoryUnlockStore } from "../unlock.js";
import { workspaceDirFor } from "../workspace.js";
import { type BuiltinAgentOptions, createBuiltinAgent } from "./agent.js";
import type { BuiltinAgentConfigInput } from "./config.js";
import { type FakeOpenAI, offeredToolNames, startFakeOpenAI, toolResults } from "./testing/fake-openai.js";
import { ALICE, inputFor, recordingIO } from "./testing/harness.js";

let home: string;
let fake: FakeOpenAI;

beforeEach(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), "wxagent-builtin-ctx-")));
});
afterEach(async () => {
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

function agentWith(config: Partial<BuiltinAgentConfigInput> = {}, extra: Partial<BuiltinAgentOptions> = {}) {
  return createBuiltinAgent({
    config: {
      model: "fake-model",
      baseUrl: fake.baseUrl,
      ...config,
      permissions: { allowlist: [ALICE.userId], ...config.permissions },
    },
    home,
    env: { PATH: process.env.PATH },
    ...extra,
  });
}

describe("configuration", () => {
  it("an invalid config is a CONFIG_INVALID error naming the field", async () => {
    fake = await startFakeOpenAI();
    expect(() => agentWith({ maxSteps: 0, progress: "loud" as "off" })).toThrow(
      /agent section of config\.json is invalid: .*maxSteps.*progress/,
    );
  });
});

describe("unlock", () => {
  it("an allowlisted contact stays read-only until /unlock, then gets workspace-write", async () => {
    fake = await startFakeOpenAI({ script: [{ text: "locked" }, { text: "unlocked" }] });
    const unlockStore = memoryUnlockStore();
    const agent = agentWith({ permissions: { unlock: { passphrase: "correct horse" } } }, { unlockStore });
    expect(await agent.presetFor(ALICE)).toMatchObject({
      name: "read-only",
      locked: { wanted: "workspace-write" },
    });
    await agent.run(inputFor(ALICE, "hi"), recordingIO());
    expect(offeredToolNames(fake.completions()[0] ?? {})).toEqual(["list", "read", "search"]);
    expect(JSON.stringify(fake.completions()[0]?.messages)).toContain("/unlock");

    expect((await handleUnlock(ALICE, "correct horse", unlockStore, agent.config.permissions)).ok).toBe(true);
    await agent.run(inputFor(ALICE, "hi again"), recordingIO());
    expect(offeredToolNames(fake.completions()[1] ?? {})).toContain("write");
  });
});

describe("inbound media and progress", () => {
  it("stages downloaded media into the workspace inbox and describes it to the model", async () => {
    const src = join(home, "download.bin");
    await writeFile(src, "file body");
    fake = await startFakeOpenAI({
      script: [{ toolCalls: [{ name: "read", args: { path: "inbox/report.txt" } }] }, { text: "read it" }],
    });
    const input = {
      ...inputFor(ALICE, "what is in it?"),
      media: [
        { kind: "file" as const, path: src, name: "report.txt", size: 9 },
        { kind: "voice" as const, transcript: "hello there" },
        { kind: "image" as const, error: "download failed" },
      ],
      quote: { text: "earlier words" },
    };
    await agentWith().run(input, recordingIO());
    const userMsg = JSON.stringify(fake.completions()[0]?.messages?.at(-1));
    expect(userMsg).toContain("inbox/report.txt");
    expect(userMsg).toContain("transcript: hello there");
    expect(userMsg).toContain("image not available: download failed");
    expect(userMsg).toContain("quoting: earlier words");
    expect(toolResults(fake.completions()[1] ?? {})).toEqual(["file body"]);
    expect(await readFile(join(workspaceDirFor(ALICE, { home }), "inbox", "report.txt"), "utf8")).toBe(
      "file body",
    );
  });

  it("progress off sends nothing; verbose adds interim text and refusals", async () => {
    const script = () => [
      { text: "Let me look.", toolCalls: [{ name: "list", args: {} }] },
      { toolCalls: [{ name: "run_command", args: { command: "ls" } }] },
      { text: "done" },
    ];
    fake = await startFakeOpenAI({ script: script() });
    const quiet = recordingIO(["n"]);
    await agentWith({ progress: "off" }).run(inputFor(ALICE, "x"), quiet);
    expect(quiet.progressNotes).toEqual([]);

    fake.push(...script());
    const loud = recordingIO(["n"]);
    await agentWith({ progress: "verbose" }).run(inputFor(ALICE, "x"), loud);
    expect(loud.progressNotes).toEqual(["🔧 list .", "💭 Let me look.", "⛔ run_command ls (declined)"]);
  });
});

describe("fetch_url through the agent", () => {
  it("refuses loopback, metadata and private targets and tells the model why", async () => {
    fake = await startFakeOpenAI({
      script: [
        {
          toolCalls: [
            { name: "fetch_url", args: { url: "http://localhost:1/admin" } },
            { name: "fetch_url", args: { url: "http://169.254.169.254/latest/meta-data/" } },
            { name: "fetch_url", args: { url: "http://10.1.2.3/" } },
            { name: "fetch_url", args: { url: "http://[::1]/" } },
            { name: "fetch_url", args: { url: "file:///etc/passwd" } },
          ],
        },
        { text: "blocked" },
      ],
    });
    const owner = { ...ALICE, userId: "owner@im.wechat", isOwner: true };
    await agentWith().run(inputFor(owner, "fetch"), recordingIO());
    const results = toolResults(fake.completions()[1] ?? {});
    expect(results).toHaveLength(5);
    for (const r of results) expect(r).toMatch(/refused/);
    expect(results[0]).toMatch(/localhost resolves to/);
    // the fake model server itself (on loopback) saw only the two completion calls
    expect(fake.requests).toHaveLength(2);
  });
});

describe("persisted sessions", () => {
  it("history survives a restart through the SessionStore, and /new removes it", async () => {
    const rows = new Map<string, SessionRecord>();
    const k = (a: string, u: string, g: string) => `${a}|${u}|${g}`;
    const store: AgentSessionStore = {
      get: async (a, u, g) => rows.get(k(a, u, g)),
      put: async (a, u, g, data, atMs) =>
        void rows.set(k(a, u, g), { accountId: a, userId: u, agent: g, data, updatedAtMs: atMs }),
      remove: async (a, u, g) => void rows.delete(k(a, u, g)),
    };
    fake = await startFakeOpenAI({
      script: [{ text: "noted" }, { text: "you said pineapple" }, { text: "fresh" }],
    });
    await agentWith({}, { sessionStore: store }).run(inputFor(ALICE, "remember pineapple"), recordingIO());
    expect(rows.get(k(ALICE.accountId, ALICE.userId, "builtin"))).toBeDefined();

    const restarted = agentWith({}, { sessionStore: store });
    await restarted.run(inputFor(ALICE, "what did I say?"), recordingIO());
    expect(JSON.stringify(fake.completions()[1]?.messages)).toContain("remember pineapple");

    await restarted.reset?.(ALICE);
    expect(rows.size).toBe(0);
    await agentWith({}, { sessionStore: store }).run(inputFor(ALICE, "hello"), recordingIO());
    expect(JSON.stringify(fake.completions()[2]?.messages)).not.toContain("pineapple");
  });

  it("a /new while the turn's history is being written removes it once the write is done", async () => {
    const rows = new Map<string, unknown>();
    let writing!: () => void;
    const started = new Promise<void>((resolve) => {
      writing = resolve;
    });
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const store: AgentSessionStore = {
      get: async () => undefined,
      put: async (a, u, g, data) => {
        writing();
        await gate;
        rows.set(`${a}|${u}|${g}`, data);
      },
      remove: async (a, u, g) => void rows.delete(`${a}|${u}|${g}`),
    };
    fake = await startFakeOpenAI({ script: [{ text: "noted" }] });
    const agent = agentWith({}, { sessionStore: store });
    const turn = agent.run(inputFor(ALICE, "remember pineapple"), recordingIO());
    await started;
    const reset = agent.reset?.(ALICE);
    finish();
    await Promise.all([turn, reset]);
    expect(rows.size).toBe(0);
    expect(agent.openSessions()).toBe(0);
  });
});
