import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { acpSettingsSchema } from "./config.js";
import { checkAcpCommand, findCommand } from "./doctor.js";
import {
  ACP_COMMAND_PRESETS,
  acpCommandPreset,
  adapterVersionWarning,
  claudeAcpVersionFor,
  compareVersions,
  expectedAdapter,
  resolveAcpCommand,
} from "./presets.js";
import { whyItDied } from "./process.js";
import { fakeAgentCommand, readLog } from "./testing/harness.js";

// Spawning agents is slow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "acp-doctor-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("checkAcpCommand", () => {
  it("passes for an agent that answers initialize, and reports what it can do", async () => {
    const result = await checkAcpCommand(fakeAgentCommand({ loadSession: true }), { workspacesDir: dir });
    expect(result).toMatchObject({
      ok: true,
      resolvedCommand: process.execPath,
      agentInfo: { name: "fake-agent", version: "0.0.1" },
      loadSession: true,
    });
  });

  it("names a command that is not on PATH", async () => {
    const result = await checkAcpCommand({ command: "wxagent-no-such-agent-xyz" });
    expect(result.ok).toBe(false);
    expect(result.problem).toBe("`wxagent-no-such-agent-xyz` was not found on PATH");
    expect(result.fix).toContain("full path");
  });

  it("reports a command that exits before answering", async () => {
    const result = await checkAcpCommand(
      { command: process.execPath, args: ["-e", "process.exit(3)"] },
      { workspacesDir: dir, timeoutMs: 20_000, preset: "claude" },
    );
    expect(result.ok).toBe(false);
    expect(result.problem).toContain("exited (code 3) before answering initialize");
    // An adapter that will not start may need a newer Node: the fix says which.
    expect(result.fix).toContain("(the claude preset needs Node >= 22 for 0.101.0");
  });

  it("reports a command that does not speak ACP within the timeout", async () => {
    const result = await checkAcpCommand(
      { command: process.execPath, args: ["-e", "setTimeout(() => {}, 60000)"] },
      { workspacesDir: dir, timeoutMs: 500 },
    );
    expect(result.ok).toBe(false);
    expect(result.problem).toContain("did not answer initialize within 500 ms");
    expect(result.fix).toContain("ACP flag");
  });

  it("stops when its signal is aborted", async () => {
    const stop = new AbortController();
    const pending = checkAcpCommand(
      { command: process.execPath, args: ["-e", "setTimeout(() => {}, 60000)"] },
      { workspacesDir: dir, timeoutMs: 30_000, signal: stop.signal },
    );
    stop.abort();
    expect(await pending).toMatchObject({
      ok: false,
      problem: "the check was cancelled before the agent answered",
    });
  });
});

describe("findCommand", () => {
  it("finds executables on PATH and by path, not plain files", async () => {
    const exe = join(dir, "my-agent");
    await writeFile(exe, "#!/bin/sh\n", { mode: 0o755 });
    await writeFile(join(dir, "not-exec"), "", { mode: 0o644 });
    expect(await findCommand("my-agent", dir)).toBe(exe);
    expect(await findCommand(exe, "")).toBe(exe);
    if (process.platform !== "win32") expect(await findCommand("not-exec", dir)).toBeUndefined();
  });
});

describe("command presets", () => {
  it("use the current package names, not the renamed ones", () => {
    expect(ACP_COMMAND_PRESETS.claude.args?.[1]).toMatch(
      /^@agentclientprotocol\/claude-agent-acp@\d+\.\d+\.\d+$/,
    );
    expect(ACP_COMMAND_PRESETS.codex.args).toContain("@agentclientprotocol/codex-acp@2.6.0");
    expect(ACP_COMMAND_PRESETS.gemini).toEqual({ command: "gemini", args: ["--acp"] });
    const all = JSON.stringify(ACP_COMMAND_PRESETS);
    expect(all).not.toContain("@zed-industries");
    expect(all).not.toContain("--experimental-acp");
  });

  it("resolve from config settings: a named agent, an explicit command, or a clear error", () => {
    const named = acpSettingsSchema.parse({ agent: "codex", env: { CODEX_HOME: "/x" } });
    expect(named.maxProcesses).toBe(4);
    expect(resolveAcpCommand(named)).toEqual({
      command: "npx",
      args: ["-y", "@agentclientprotocol/codex-acp@2.6.0"],
      env: { CODEX_HOME: "/x" },
    });
    expect(resolveAcpCommand({ command: "/opt/agent", args: ["--acp"] })).toEqual({
      command: "/opt/agent",
      args: ["--acp"],
    });
    expect(() => resolveAcpCommand({ agent: "cursor" })).toThrow(/use one of claude, codex, gemini/);
    expect(acpSettingsSchema.safeParse({}).success).toBe(false);
  });

  it("hands out copies", () => {
    const a = acpCommandPreset("claude");
    a?.args?.push("--extra");
    expect(acpCommandPreset("claude")?.args).not.toContain("--extra");
    expect(acpCommandPreset("nope")).toBeUndefined();
  });
});

describe("checkAcpCommand: what the first message will do", () => {
  const NO_KEYS = { OPENAI_API_KEY: "", CODEX_API_KEY: "", ANTHROPIC_API_KEY: "" };

  it("runs session/new and a tiny prompt in the read-only mode, and reports the answer", async () => {
    const result = await checkAcpCommand(fakeAgentCommand({ startMode: "auto" }), { workspacesDir: dir });
    expect(result).toMatchObject({ ok: true, mode: "plan" });
    expect(result.reply).toContain("unknown: This is a connection check");
  });

  it("an unauthenticated Codex-like adapter: needs login, with `codex login` and the key variables", async () => {
    const cmd = {
      ...fakeAgentCommand({ auth: "codex", modes: "codex", agentName: "codex-acp" }),
      env: NO_KEYS,
    };
    const result = await checkAcpCommand(cmd, { workspacesDir: dir });
    expect(result).toMatchObject({ ok: false, needsLogin: true, problem: "needs login" });
    expect(result.fix).toContain("run `codex login` on this machine");
    expect(result.fix).toContain("OPENAI_API_KEY or CODEX_API_KEY");
  });

  it("an unauthenticated Claude-like adapter, failing only on session/prompt, is reported the same way", async () => {
    const cmd = {
      ...fakeAgentCommand({
        auth: "claude",
        authOnPrompt: true,
        agentName: "@agentclientprotocol/claude-agent-acp",
      }),
      env: NO_KEYS,
    };
    const result = await checkAcpCommand(cmd, { workspacesDir: dir });
    expect(result).toMatchObject({ ok: false, needsLogin: true });
    expect(result.fix).toContain("log in with /login");
    expect(result.fix).toContain("--cli auth login --claudeai` in a terminal (Claude Subscription");
  });

  it("warns when the adapter that answered is older than the pinned one", async () => {
    const cmd = fakeAgentCommand({ agentName: "claude-agent-acp", agentVersion: "0.49.0" });
    cmd.args?.push("@agentclientprotocol/claude-agent-acp@0.101.0");
    const result = await checkAcpCommand(cmd, { workspacesDir: dir });
    expect(result.ok).toBe(true);
    expect(result.warnings?.[0]).toMatch(/answered as 0\.49\.0, older than the 0\.101\.0 expected/);
  });
});

describe("checkAcpCommand: the modes, as the gateway sets them", () => {
  it("sets each preset's mode (the configured one included), then prompts in read-only's", async () => {
    const logFile = join(dir, "modes.log");
    const result = await checkAcpCommand(fakeAgentCommand({ startMode: "auto", logFile }), {
      workspacesDir: dir,
      modes: { full: "bypassPermissions" },
    });
    expect(result).toMatchObject({
      ok: true,
      mode: "plan",
      modes: { full: "bypassPermissions", "workspace-write": "default", "read-only": "plan" },
    });
    const sent = readLog(logFile).filter((l) => /^(set_mode|prompt)/.test(l));
    expect(sent).toEqual([
      "set_mode bypassPermissions",
      "set_mode default",
      "set_mode plan",
      expect.stringMatching(/^prompt This is a connection check .* mode=plan$/),
    ]);
  });

  it("a mode the agent will not take becomes a warning naming the preset; the prompt runs in the strictest that worked", async () => {
    const logFile = join(dir, "refuse.log");
    const result = await checkAcpCommand(fakeAgentCommand({ refuseSetMode: true, logFile }), {
      workspacesDir: dir,
    });
    expect(result.ok).toBe(true);
    expect(result.modes).toEqual({ full: "default", "workspace-write": "default" });
    expect(result.mode).toBeUndefined();
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^contacts with the read-only preset will be refused: the agent refused to switch to its `plan` mode/,
      ),
    ]);
    expect(readLog(logFile).filter((l) => l.startsWith("prompt"))).toEqual([
      expect.stringMatching(/mode=default$/),
    ]);
  });

  it("an agent with no modes: every preset but full is refused, and said so", async () => {
    const result = await checkAcpCommand(fakeAgentCommand({ modes: "none" }), { workspacesDir: dir });
    expect(result).toMatchObject({ ok: true, modes: { full: "" } });
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings?.[0]).toContain(
      "workspace-write preset will be refused: this agent offers no permission modes",
    );
  });

  it("a prompt that never ends is reported with what the agent said meanwhile, and how to check the network", async () => {
    const result = await checkAcpCommand(fakeAgentCommand({ hang: true }), {
      workspacesDir: dir,
      promptTimeoutMs: 1_500,
      preset: "codex",
    });
    expect(result.fix).not.toContain("preset needs");
    expect(result.ok).toBe(false);
    expect(result.problem).toContain("the agent did not answer a tiny prompt within 1500 ms; it reported:");
    expect(result.problem).toContain("Name does not resolve");
    expect(result.problem).toContain("retrying");
    expect(result.fix).toContain("reaches the model's API");
  });
});

describe("an agent that dies before answering", () => {
  // What npx printed here after an earlier doctor killed it mid-download (exit code 254).
  const NPM_STDERR = [
    "npm error code ENOENT",
    "npm error syscall open",
    "npm error path /home/u/.npm/_npx/a6643b475f1f9b68/package.json",
    "npm error errno -2",
    "npm error enoent Could not read package.json: Error: ENOENT: no such file or directory, open '/home/u/.npm/_npx/a6643b475f1f9b68/package.json'",
    "npm error enoent This is related to npm not being able to find a file.",
    "npm error A complete log of this run can be found in: /home/u/.npm/_logs/x-debug-0.log",
  ];

  it("an interrupted npx download: the fix names the folder to remove", () => {
    expect(whyItDied(NPM_STDERR, "npx -y pkg")).toBe(
      "npx's copy of the package is incomplete (an earlier download was interrupted): remove /home/u/.npm/_npx/a6643b475f1f9b68 and try again; npx downloads it afresh",
    );
  });

  it("otherwise its last words are in the problem, not only in the log", async () => {
    const script = `console.error("Error: Cannot find module 'x'"); console.error("Node.js v20"); process.exit(1)`;
    const result = await checkAcpCommand(
      { command: process.execPath, args: ["-e", script] },
      { workspacesDir: dir, timeoutMs: 20_000 },
    );
    expect(result.problem).toContain(
      "exited (code 1) before answering initialize; it said: Error: Cannot find module 'x' | Node.js v20",
    );
  });

  it("npx gets five minutes to start (its download must not be cut short); other commands the configured time", async () => {
    const { startTimeoutFor } = await import("./doctor.js");
    expect(startTimeoutFor("npx")).toBe(300_000);
    expect(startTimeoutFor("/usr/bin/npx", 600_000)).toBe(600_000);
    expect(startTimeoutFor("gemini")).toBe(60_000);
  });
});

describe("version pins", () => {
  it("claude-agent-acp is pinned to the version that fits the Node in use", () => {
    expect(claudeAcpVersionFor("20.19.0")).toBe("0.49.0");
    expect(claudeAcpVersionFor("22.1.0")).toBe("0.101.0");
    expect(ACP_COMMAND_PRESETS.claude.args?.[1]).toBe(
      `@agentclientprotocol/claude-agent-acp@${claudeAcpVersionFor(process.versions.node)}`,
    );
    expect(
      expectedAdapter({ command: "npx", args: ["-y", "@agentclientprotocol/claude-agent-acp"] }, "20.0.0"),
    ).toEqual({
      package: "@agentclientprotocol/claude-agent-acp",
      version: "0.49.0",
    });
    expect(compareVersions("0.101.0", "0.49.0")).toBeGreaterThan(0);
    expect(
      adapterVersionWarning(ACP_COMMAND_PRESETS.codex, { name: "codex-acp", version: "2.6.0" }),
    ).toBeUndefined();
  });
});
