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
import { fakeAgentCommand } from "./testing/harness.js";

// Spawning agents is slow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "acp-doctor-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("checkAcpCommand", () => {
  it("passes for an agent that answers initialize, and reports what it can do", async () => {
    const result = await checkAcpCommand(fakeAgentCommand({ loadSession: true }), { cwd: dir });
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
      { cwd: dir, timeoutMs: 20_000 },
    );
    expect(result.ok).toBe(false);
    expect(result.problem).toContain("exited (code 3) before answering initialize");
  });

  it("reports a command that does not speak ACP within the timeout", async () => {
    const result = await checkAcpCommand(
      { command: process.execPath, args: ["-e", "setTimeout(() => {}, 60000)"] },
      { cwd: dir, timeoutMs: 500 },
    );
    expect(result.ok).toBe(false);
    expect(result.problem).toContain("did not answer initialize within 500 ms");
    expect(result.fix).toContain("ACP flag");
  });

  it("stops when its signal is aborted", async () => {
    const stop = new AbortController();
    const pending = checkAcpCommand(
      { command: process.execPath, args: ["-e", "setTimeout(() => {}, 60000)"] },
      { cwd: dir, timeoutMs: 30_000, signal: stop.signal },
    );
    stop.abort();
    expect(await pending).toMatchObject({ ok: false, problem: "the check was cancelled" });
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
    const result = await checkAcpCommand(fakeAgentCommand({ startMode: "auto" }), { cwd: dir });
    expect(result).toMatchObject({ ok: true, mode: "plan" });
    expect(result.reply).toContain("unknown: This is a connection check");
  });

  it("an unauthenticated Codex-like adapter: needs login, with `codex login` and the key variables", async () => {
    const cmd = {
      ...fakeAgentCommand({ auth: "codex", modes: "codex", agentName: "codex-acp" }),
      env: NO_KEYS,
    };
    const result = await checkAcpCommand(cmd, { cwd: dir });
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
    const result = await checkAcpCommand(cmd, { cwd: dir });
    expect(result).toMatchObject({ ok: false, needsLogin: true });
    expect(result.fix).toContain("run `claude` once on this machine and log in with /login");
  });

  it("warns when the adapter that answered is older than the pinned one", async () => {
    const cmd = fakeAgentCommand({ agentName: "claude-agent-acp", agentVersion: "0.49.0" });
    cmd.args?.push("@agentclientprotocol/claude-agent-acp@0.101.0");
    const result = await checkAcpCommand(cmd, { cwd: dir });
    expect(result.ok).toBe(true);
    expect(result.warnings?.[0]).toMatch(/answered as 0\.49\.0, older than the 0\.101\.0 expected/);
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
