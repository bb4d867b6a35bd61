/**
 * `wxagent doctor` runs the ACP agent exactly as the first message would (issue 15 items 1–2):
 * in the same OS sandbox, with the same environment allowlist, in a workspace where contacts'
 * workspaces are, and through the same modes. The agent is the fake one behaving like codex-acp
 * 2.6.0 (not logged in; its `api-key` login reads CODEX_API_KEY / OPENAI_API_KEY from its own
 * environment) that also tries, at start, what an agent ignoring its mode would: read
 * `$WXAGENT_HOME/config.json`, write in its cwd, look for secrets in its environment.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeAgentCommand, readLog } from "../../src/agent/acp/testing/harness.js";
import { sandboxForTests } from "../../src/shared/sandbox/testing.js";
import { runCli } from "./run-cli.js";

const SANDBOX = await sandboxForTests();
const REPO = resolve(import.meta.dirname, "../..");
const SECRET = "sk-wxagent-config-secret";

let base: string;
let home: string;
let logDir: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "wxagent-doctor-acp-"));
  home = join(base, "home");
  logDir = join(base, "log");
  mkdirSync(home);
  mkdirSync(logDir);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function configure(sandbox: Record<string, unknown>): void {
  const fake = fakeAgentCommand({
    auth: "codex",
    modes: "codex",
    agentName: "@agentclientprotocol/codex-acp",
    logFile: join(logDir, "fake.log"),
    probe: join(home, "config.json"),
  });
  const config = {
    agent: "acp",
    builtin: { provider: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", model: "m", apiKey: SECRET },
    acp: {
      command: fake.command,
      args: fake.args,
      // The fake needs the checkout (tsx, its source) and somewhere to write its log.
      sandbox: { mode: "on", readPaths: [REPO], allowPaths: [logDir], ...sandbox },
    },
  };
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
}

const doctor = () =>
  runCli(
    ["doctor"],
    { WXAGENT_HOME: home, OPENAI_API_KEY: "sk-gateway-env", DB_PASSWORD: "hunter2", CODEX_API_KEY: "" },
    120_000,
  );

describe.runIf(SANDBOX)("wxagent doctor: the ACP agent as the first message runs it", () => {
  it("sandboxed like a contact's agent: the key in the gateway's environment does not reach it unless passed, and the fix says how", async () => {
    configure({});
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("needs login (@agentclientprotocol/codex-acp 0.0.1)");
    expect(r.stdout).toContain("run `codex login` on this machine");
    expect(r.stdout).toContain(
      'the sandbox passes a variable from the environment only when it is named in "acp": {"sandbox": {"passEnv": ["OPENAI_API_KEY","CODEX_API_KEY"]}}',
    );
    const log = readLog(join(logDir, "fake.log"));
    expect(log).toContain(`probe read ${join(home, "config.json")}: ENOENT`);
    // The test prompt is a read-only contact's first message: its workspace is read-only too.
    expect(log).toContain("probe write cwd: EROFS");
    expect(log).toContain("probe env: (none)");
    expect(log.some((l) => l.startsWith("authenticate"))).toBe(false);
  });

  it("with the key passed: authenticate, the modes each preset gets, a test prompt; exit 0", async () => {
    configure({ passEnv: ["OPENAI_API_KEY"] });
    const r = await doctor();
    expect(r.stdout).toMatch(
      /✓ agent: acp: .* answers \(@agentclientprotocol\/codex-acp 0\.0\.1\); test prompt answered "unknown: This is a connection check/,
    );
    expect(r.stdout).toMatch(
      /✓ agent sandbox: the agent ran as contacts' agents run: in (bubblewrap|sandbox-exec)/,
    );
    expect(r.stdout).toContain(
      "✓ agent modes: full → `workspace-write`, workspace-write → `read-only`, read-only → `read-only`",
    );
    expect(r.code).toBe(0);
    const log = readLog(join(logDir, "fake.log"));
    expect(log).toContain("authenticate api-key");
    expect(log).toContain("probe env: OPENAI_API_KEY");
    expect(log).toContain(`probe read ${join(home, "config.json")}: ENOENT`);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});
