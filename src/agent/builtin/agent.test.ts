/**
 * The built-in agent end to end: a real AI SDK tool loop against the scripted fake
 * OpenAI-compatible server, real files in a temporary home, a recording AgentIO.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sandboxForTests } from "../../shared/sandbox/testing.js";
import { setLogger } from "../../util/logger.js";
import { workspaceDirFor } from "../workspace.js";
import { type BuiltinAgentOptions, createBuiltinAgent } from "./agent.js";
import type { BuiltinAgentConfigInput } from "./config.js";
import { BuiltinAgentError } from "./errors.js";
import { type FakeOpenAI, offeredToolNames, startFakeOpenAI, toolResults } from "./testing/fake-openai.js";
import { ALICE, BOB, inputFor, OWNER, recordingIO } from "./testing/harness.js";

const KEY = "sk-test-0123456789abcdefSECRET";

let home: string;
let fake: FakeOpenAI;
let logText: string;

beforeEach(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), "wxagent-builtin-test-")));
  logText = "";
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logText += String(chunk);
      cb();
    },
  });
  setLogger(pino({ level: "debug" }, sink));
});
afterEach(async () => {
  vi.useRealTimers();
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

function agentWith(config: Partial<BuiltinAgentConfigInput> = {}, extra: Partial<BuiltinAgentOptions> = {}) {
  return createBuiltinAgent({
    config: {
      provider: "openai-compatible",
      model: "fake-model",
      baseUrl: fake.baseUrl,
      apiKeyEnv: "FAKE_LLM_KEY",
      maxRetries: 0,
      ...config,
      permissions: { allowlist: [ALICE.userId], ...config.permissions },
    },
    home,
    env: { FAKE_LLM_KEY: KEY, PATH: process.env.PATH, GITHUB_TOKEN: "ghp_notforcommands", LANG: "C" },
    ...extra,
  });
}

const wsOf = (c: typeof ALICE) => workspaceDirFor(c, { home });

/** The BuiltinAgentError a turn fails with (fails the test if it succeeds or throws anything else). */
async function failure(turn: Promise<unknown>): Promise<BuiltinAgentError> {
  const err = await turn.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BuiltinAgentError);
  return err as BuiltinAgentError;
}

describe("permissions", () => {
  it("a read-only contact is not offered write, and a forged write changes nothing on disk", async () => {
    fake = await startFakeOpenAI({
      script: [
        { toolCalls: [{ name: "write", args: { path: "hack.txt", content: "pwned" } }] },
        { text: "done" },
      ],
    });
    const agent = agentWith();
    const reply = await agent.run(inputFor(BOB, "write hack.txt"), recordingIO());
    expect(reply.text).toBe("done");
    const [first, second] = fake.completions();
    expect(offeredToolNames(first ?? {})).toEqual(["list", "read", "search"]);
    expect(existsSync(join(wsOf(BOB), "hack.txt"))).toBe(false);
    expect(toolResults(second ?? {}).join("\n")).toMatch(/write/);
    expect(toolResults(second ?? {}).join("\n")).not.toMatch(/wrote/);
  });

  it("an allowlisted contact's write lands in its own workspace, with a progress note", async () => {
    fake = await startFakeOpenAI({
      script: [
        { toolCalls: [{ name: "write", args: { path: "notes/todo.txt", content: "buy milk" } }] },
        { toolCalls: [{ name: "read", args: { path: "notes/todo.txt" } }] },
        { text: "saved" },
      ],
    });
    const io = recordingIO();
    const reply = await agentWith().run(inputFor(ALICE, "note: buy milk"), io);
    expect(reply.text).toBe("saved");
    expect(await readFile(join(wsOf(ALICE), "notes/todo.txt"), "utf8")).toBe("buy milk");
    expect(io.progressNotes).toEqual(["🔧 write notes/todo.txt", "🔧 read notes/todo.txt"]);
    expect(toolResults(fake.completions()[2] ?? {})).toContain("buy milk");
    expect(offeredToolNames(fake.completions()[0] ?? {})).toEqual(
      expect.arrayContaining(["write", "edit", "run_command", "send_file", "fetch_url"]),
    );
  });

  it("refuses .., absolute and symlink escapes; nothing is written outside", async () => {
    const outside = join(home, "outside");
    await mkdir(outside);
    await mkdir(wsOf(ALICE), { recursive: true });
    await symlink(outside, join(wsOf(ALICE), "link"));
    fake = await startFakeOpenAI({
      script: [
        {
          toolCalls: [
            { name: "write", args: { path: "../../escape.txt", content: "x" } },
            { name: "write", args: { path: join(outside, "abs.txt"), content: "x" } },
            { name: "write", args: { path: "link/sym.txt", content: "x" } },
            { name: "read", args: { path: "/etc/hostname" } },
          ],
        },
        { text: "could not" },
      ],
    });
    await agentWith().run(inputFor(ALICE, "escape"), recordingIO());
    const results = toolResults(fake.completions()[1] ?? {});
    expect(results).toHaveLength(4);
    for (const r of results) expect(r).toMatch(/outside the workspace|uses "\.\."/);
    expect(existsSync(join(home, "escape.txt"))).toBe(false);
    expect(existsSync(join(home, "workspaces", "escape.txt"))).toBe(false);
    expect(existsSync(join(outside, "abs.txt"))).toBe(false);
    expect(existsSync(join(outside, "sym.txt"))).toBe(false);
  });

  it("edit fails clearly when the old text is absent or not unique", async () => {
    await mkdir(wsOf(ALICE), { recursive: true });
    await writeFile(join(wsOf(ALICE), "a.txt"), "one two two");
    fake = await startFakeOpenAI({
      script: [
        {
          toolCalls: [
            { name: "edit", args: { path: "a.txt", oldText: "three", newText: "3" } },
            { name: "edit", args: { path: "a.txt", oldText: "two", newText: "2" } },
          ],
        },
        { toolCalls: [{ name: "edit", args: { path: "a.txt", oldText: "one", newText: "1" } }] },
        { text: "ok" },
      ],
    });
    await agentWith().run(inputFor(ALICE, "edit"), recordingIO());
    const [absent, twice] = toolResults(fake.completions()[1] ?? {});
    expect(absent).toMatch(/not found/);
    expect(twice).toMatch(/occurs 2 times/);
    expect(await readFile(join(wsOf(ALICE), "a.txt"), "utf8")).toBe("1 two two");
  });
});

/** A workspace-write contact's approved command runs only in a sandbox; without one it is refused. */
const SANDBOXED = (await sandboxForTests()) !== undefined;

describe("approvals in the chat", () => {
  const runScript = () => [
    { toolCalls: [{ name: "run_command", args: { command: "echo ran > ran.txt" } }] },
    { text: "finished" },
  ];

  it("an ask tool waits for y and runs", async () => {
    fake = await startFakeOpenAI({ script: runScript() });
    const io = recordingIO(["y"]);
    await agentWith().run(inputFor(ALICE, "run it"), io);
    expect(io.questions).toHaveLength(1);
    expect(io.questions[0]?.question).toMatch(/Allow run_command[\s\S]*within 2 minutes/);
    // A non-owner's ask goes to the owner by default, with the exact command to show.
    expect(io.questions[0]?.options).toEqual({
      to: "owner",
      timeoutMs: 120_000,
      verbatim: "echo ran > ran.txt",
      answers: ["y", "n"],
    });
    expect(existsSync(join(wsOf(ALICE), "ran.txt"))).toBe(SANDBOXED);
  });

  it("the approval carries the exact command: every line, any length, nothing redacted", async () => {
    const command = `ls\ncat ../../../admin-token  # sk-${"a".repeat(40)}\n${"x".repeat(300)}`;
    fake = await startFakeOpenAI({
      script: [{ toolCalls: [{ name: "run_command", args: { command } }] }, { text: "finished" }],
    });
    const io = recordingIO(["n"]);
    await agentWith().run(inputFor(ALICE, "run it"), io);
    expect(io.questions[0]?.options?.verbatim).toBe(command);
    expect(io.questions[0]?.question).not.toContain("…");
  });

  it("n refuses, the command does not run, and the model is told", async () => {
    fake = await startFakeOpenAI({ script: runScript() });
    await agentWith().run(inputFor(ALICE, "run it"), recordingIO(["n"]));
    expect(existsSync(join(wsOf(ALICE), "ran.txt"))).toBe(false);
    expect(toolResults(fake.completions()[1] ?? {}).join()).toMatch(/REFUSED/);
  });

  it("silence for two minutes refuses (fake clock)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    fake = await startFakeOpenAI({ script: runScript() });
    const io = recordingIO(["silence"]);
    const asked = io.nextQuestion();
    const turn = agentWith().run(inputFor(ALICE, "run it"), io);
    await asked;
    await vi.advanceTimersByTimeAsync(119_000);
    expect(fake.completions()).toHaveLength(1); // still waiting
    await vi.advanceTimersByTimeAsync(1_000);
    vi.useRealTimers();
    expect((await turn).text).toBe("finished");
    expect(existsSync(join(wsOf(ALICE), "ran.txt"))).toBe(false);
    expect(toolResults(fake.completions()[1] ?? {}).join()).toMatch(/REFUSED/);
  });

  it("/stop while an approval is pending ends the turn without running the tool", async () => {
    fake = await startFakeOpenAI({ script: runScript() });
    const stop = new AbortController();
    const io = recordingIO(["silence"]);
    const asked = io.nextQuestion();
    const turn = failure(agentWith().run(inputFor(ALICE, "run it", stop.signal), io));
    await asked;
    stop.abort();
    expect((await turn).code).toBe("TURN_ABORTED");
    expect(existsSync(join(wsOf(ALICE), "ran.txt"))).toBe(false);
    expect(fake.completions()).toHaveLength(1);
  });

  it('askTo "contact" is an explicit opt-in: the contact then approves its own call', async () => {
    fake = await startFakeOpenAI({ script: runScript() });
    const io = recordingIO(["是"]);
    await agentWith({ permissions: { askTo: "contact" } }).run(inputFor(ALICE, "run it"), io);
    expect(io.questions[0]?.options?.to).toBe("contact");
    expect(existsSync(join(wsOf(ALICE), "ran.txt"))).toBe(SANDBOXED);
  });
});

describe("turn limits", () => {
  it("the turn's signal interrupts a long command (sleep 30 is killed)", async () => {
    fake = await startFakeOpenAI({
      script: [
        { toolCalls: [{ name: "run_command", args: { command: "echo $$ > pid.txt; exec sleep 30.4711" } }] },
      ],
    });
    const stop = new AbortController();
    const started = Date.now();
    const turn = agentWith().run(inputFor(OWNER, "sleep", stop.signal), recordingIO());
    const pidFile = join(wsOf(OWNER), "pid.txt");
    await vi.waitFor(async () => expect((await readFile(pidFile, "utf8")).trim()).toMatch(/^\d+$/), {
      timeout: 5000,
    });
    // In a sandbox the pid is the one in its own pid namespace: find the sleep by its argument.
    const sleeping = () =>
      execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).includes("sleep 30.4711");
    await vi.waitFor(() => expect(sleeping()).toBe(true), { timeout: 5000 });
    stop.abort();
    const err = await turn.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuiltinAgentError);
    expect((err as BuiltinAgentError).code).toBe("TURN_ABORTED");
    await vi.waitFor(() => expect(sleeping()).toBe(false), { timeout: 5000 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a turn longer than maxTurnMs is aborted with TURN_TIMEOUT", async () => {
    fake = await startFakeOpenAI({ script: [{ hang: true }] });
    const err = await agentWith({ maxTurnMs: 300 })
      .run(inputFor(ALICE, "slow"), recordingIO())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuiltinAgentError);
    expect((err as BuiltinAgentError).code).toBe("TURN_TIMEOUT");
    expect((err as BuiltinAgentError).message).toMatch(/longer than 300 ms/);
  });

  it("stops at maxSteps and says so", async () => {
    fake = await startFakeOpenAI({
      whenExhausted: { toolCalls: [{ name: "list", args: {} }] },
    });
    const reply = await agentWith({ maxSteps: 3 }).run(inputFor(ALICE, "loop"), recordingIO());
    expect(fake.completions()).toHaveLength(3);
    expect(reply.text).toMatch(/stopped after 3 steps/);
  });

  it("cuts replies longer than maxOutputChars", async () => {
    fake = await startFakeOpenAI({ script: [{ text: "x".repeat(500) }] });
    const reply = await agentWith({ maxOutputChars: 100 }).run(inputFor(ALICE, "long"), recordingIO());
    expect(reply.text.startsWith("x".repeat(100))).toBe(true);
    expect(reply.text).toMatch(/cut at 100 characters/);
  });
});

describe("sessions", () => {
  it("per-contact sessions remember earlier messages until reset", async () => {
    fake = await startFakeOpenAI({ script: [{ text: "hi Alice" }, { text: "again" }, { text: "fresh" }] });
    const agent = agentWith();
    await agent.run(inputFor(ALICE, "I am Alice"), recordingIO());
    await agent.run(inputFor(ALICE, "who am I?"), recordingIO());
    const second = JSON.stringify(fake.completions()[1]?.messages);
    expect(second).toContain("I am Alice");
    expect(second).toContain("hi Alice");
    expect(agent.openSessions()).toBe(1);
    await agent.reset?.(ALICE);
    await agent.run(inputFor(ALICE, "new start"), recordingIO());
    expect(JSON.stringify(fake.completions()[2]?.messages)).not.toContain("I am Alice");
  });

  it("per-message turns run in a temporary directory that is gone afterwards, even on failure", async () => {
    let existedAtSend = false;
    fake = await startFakeOpenAI({
      script: [
        { toolCalls: [{ name: "write", args: { path: "out.txt", content: "report" } }] },
        { toolCalls: [{ name: "send_file", args: { path: "out.txt", caption: "here" } }] },
        { text: "sent" },
        { toolCalls: [{ name: "run_command", args: { command: "pwd" } }] },
      ],
      whenExhausted: { status: 400, body: { error: { message: "bad request" } } },
    });
    const agent = agentWith({ session: { mode: "per-message" } });
    const io = recordingIO([], (p) => {
      existedAtSend = existsSync(p);
    });
    expect((await agent.run(inputFor(ALICE, "make a report"), io)).text).toBe("sent");
    const sent = io.sentFiles[0];
    expect(sent?.caption).toBe("here");
    expect(existedAtSend).toBe(true);
    expect(existsSync(dirname(sent?.path ?? "/nonexistent"))).toBe(false);
    expect(existsSync(join(wsOf(ALICE), "out.txt"))).toBe(false);

    await expect(agent.run(inputFor(OWNER, "pwd"), recordingIO())).rejects.toBeInstanceOf(BuiltinAgentError);
    const pwd = toolResults(fake.completions()[4] ?? {})[0] ?? "";
    const dir = pwd.split("\n")[1]?.trim() ?? "";
    expect(dir).toMatch(/wxagent-turn-/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("secrets", () => {
  it("a rejected key never reaches the error or the logs", async () => {
    fake = await startFakeOpenAI({ apiKey: "the-right-key-000000" });
    const err = await agentWith()
      .run(inputFor(ALICE, "hi"), recordingIO())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuiltinAgentError);
    const e = err as BuiltinAgentError;
    expect(e.code).toBe("MODEL_ERROR");
    expect(e.message).toMatch(/rejected the API key \(HTTP 401\): check env FAKE_LLM_KEY/);
    expect(e.message).not.toContain(KEY);
    expect(JSON.stringify(e)).not.toContain(KEY);
    expect(logText).toContain("turn failed");
    expect(logText).not.toContain(KEY);
    // the key did go to the provider (so the test would catch it if it were logged)
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("commands run without secrets in their environment, and no key is logged", async () => {
    fake = await startFakeOpenAI({
      apiKey: KEY,
      script: [{ toolCalls: [{ name: "run_command", args: { command: "env" } }] }, { text: "done" }],
    });
    await agentWith().run(inputFor(OWNER, "env"), recordingIO());
    const out = toolResults(fake.completions()[1] ?? {}).join();
    expect(out).toContain("LANG=C");
    expect(out).not.toContain(KEY);
    expect(out).not.toContain("FAKE_LLM_KEY");
    expect(out).not.toContain("ghp_notforcommands");
    expect(logText).toContain("turn done");
    expect(logText).not.toContain(KEY);
  });

  it("an unreachable model is MODEL_UNREACHABLE, a server error is MODEL_ERROR (redacted, retryable)", async () => {
    fake = await startFakeOpenAI({
      whenExhausted: { status: 503, body: { error: { message: `overloaded; your key ${KEY} is fine` } } },
    });
    const err = await failure(agentWith().run(inputFor(ALICE, "hi"), recordingIO()));
    expect(err).toMatchObject({ code: "MODEL_ERROR", isRetryable: true });
    expect(err.message).toMatch(/HTTP 503/);
    expect(err.message).not.toContain(KEY);

    const agent = agentWith();
    await fake.close();
    const down = await failure(agent.run(inputFor(ALICE, "hi"), recordingIO()));
    expect(down).toMatchObject({ code: "MODEL_UNREACHABLE", isRetryable: true });
    expect(down.message).toMatch(/cannot reach the model at 127\.0\.0\.1:\d+/);
    expect(logText).not.toContain(KEY);
  });

  it("a missing key is a clear error at creation", async () => {
    fake = await startFakeOpenAI();
    expect(() =>
      createBuiltinAgent({
        config: { provider: "openai-compatible", model: "m", baseUrl: "https://api.deepseek.com/v1" },
        home,
        env: {},
      }),
    ).toThrow(/no API key for provider openai-compatible \(api\.deepseek\.com\): set DEEPSEEK_API_KEY/);
  });
});
