import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentSandboxFor,
  agentSandboxSettingsSchema,
  agentSpawnSpec,
  expandHome,
  installDir,
  type ProcessSandbox,
  SandboxError,
} from "./agent-process.js";
import { noSandbox } from "./detect.js";
import { sandboxForTests } from "./testing.js";

const SANDBOX = await sandboxForTests();
const TOKEN = "admin-token-agent-proc-42";

let home: string;
let ws: string;
let other: string;

beforeAll(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), "wxagent-agentproc-")));
  ws = join(home, "workspaces", "acc", "alice");
  other = join(home, "workspaces", "acc", "bob");
  await mkdir(ws, { recursive: true });
  await mkdir(other, { recursive: true });
  await writeFile(join(home, "admin-token"), TOKEN);
  await writeFile(join(other, "notes.txt"), "bob's notes");
});
afterAll(() => rm(home, { recursive: true, force: true }));

const base = (over: Partial<ProcessSandbox> = {}): ProcessSandbox => ({
  mode: "auto",
  writePaths: [],
  readPaths: [],
  passEnv: ["AGENT_KEY"],
  hide: [home],
  hostEnv: { PATH: process.env.PATH, HOME: "/home/u", AGENT_KEY: "k-1", GITHUB_PAT: "ghp_x", DB_PASS: "pw" },
  ...over,
});

describe("agentSpawnSpec without a sandbox", () => {
  it("off (or no sandbox given): the command itself, the gateway's environment plus the ACP env", async () => {
    const spec = await agentSpawnSpec(base({ mode: "off" }), {
      command: "agent",
      args: ["--acp"],
      cwd: ws,
      env: { X: "1" },
    });
    expect(spec).toMatchObject({ file: "agent", args: ["--acp"] });
    expect(spec.env).toMatchObject({ X: "1", GITHUB_PAT: "ghp_x" });
    expect((await agentSpawnSpec(undefined, { command: "agent", cwd: ws })).file).toBe("agent");
  });

  it("auto: starts unsandboxed and says why; on: refuses, saying how to install one", async () => {
    const status = async () => noSandbox("bubblewrap (bwrap) is not installed");
    const auto = await agentSpawnSpec(base({ status }), { command: "agent", cwd: ws });
    expect(auto.unsandboxed).toMatch(/not installed/);
    const on = agentSpawnSpec(base({ mode: "on", status }), { command: "agent", cwd: ws });
    await expect(on).rejects.toBeInstanceOf(SandboxError);
    await expect(on).rejects.toThrow(/apt-get install bubblewrap/);
  });
});

describe("settings", () => {
  it("defaults to auto; a known agent adds its login dirs and key variables", () => {
    const s = agentSandboxSettingsSchema.parse({});
    expect(s).toEqual({ mode: "auto", allowPaths: [], readPaths: [], passEnv: [] });
    const claude = agentSandboxFor({ ...s, allowPaths: ["~/extra"] }, { agent: "claude", hide: [home] });
    expect(claude.writePaths).toEqual(expect.arrayContaining(["~/.claude", "~/.claude.json", "~/extra"]));
    expect(claude.passEnv).toContain("ANTHROPIC_API_KEY");
    expect(claude.passEnv).toContain("HTTPS_PROXY");
    expect(agentSandboxFor(s, { hide: [] }).writePaths).toEqual([]);
    expect(agentSandboxFor(s, { hide: [] }).passEnv).not.toContain("ANTHROPIC_API_KEY");
    expect(expandHome("~/.codex", "/home/u")).toBe("/home/u/.codex");
    expect(expandHome("/abs", "/home/u")).toBe("/abs");
  });

  it("an installation is shown by its prefix, never `/` or the whole home", () => {
    expect(installDir("/usr/bin/true")).toBe("/usr");
    expect(installDir("/home/u/bin/agent", "/home/u")).toBe("/home/u/bin");
    expect(installDir("/home/u/.nvm/versions/node/v20/bin/node", "/home/u")).toBe(
      "/home/u/.nvm/versions/node/v20",
    );
  });
});

describe.runIf(SANDBOX)("an agent process in the sandbox", () => {
  it("sees its cwd and the network, not $WXAGENT_HOME or another workspace; env is the allowlist plus what is passed", async () => {
    const script = `
      const fs = require("fs");
      const out = { env: process.env, cwd: process.cwd() };
      for (const [k, p] of [["token", ${JSON.stringify(join(home, "admin-token"))}], ["bob", ${JSON.stringify(join(other, "notes.txt"))}]]) {
        try { out[k] = fs.readFileSync(p, "utf8"); } catch (e) { out[k] = e.code; }
      }
      fs.writeFileSync("made-by-agent.txt", "x");
      console.log(JSON.stringify(out));`;
    const spec = await agentSpawnSpec(
      base({ status: async () => ({ available: true, sandbox: SANDBOX as never }) }),
      {
        command: process.execPath,
        args: ["-e", script],
        cwd: ws,
        env: { EXPLICIT: "yes" },
      },
    );
    expect(spec.sandboxed).toMatch(/bubblewrap|sandbox-exec/);
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(spec.file, spec.args, { env: spec.env, cwd: ws }, (err, so, se) =>
        err ? reject(new Error(`${err.message}\n${se}`)) : resolve(so),
      ),
    );
    await spec.dispose();
    const out = JSON.parse(stdout) as {
      env: Record<string, string>;
      cwd: string;
      token: string;
      bob: string;
    };
    expect(out.cwd).toBe(ws);
    expect(out.token).toBe("ENOENT");
    expect(out.bob).toBe("ENOENT");
    expect(out.env.AGENT_KEY).toBe("k-1");
    expect(out.env.EXPLICIT).toBe("yes");
    expect(out.env.HOME).toBe("/home/u");
    expect(out.env.GITHUB_PAT).toBeUndefined();
    expect(out.env.DB_PASS).toBeUndefined();
  });

  it("a login or cache dir a new user does not have yet is created first, so what the agent keeps there outlives it", async () => {
    // Outside the hidden $WXAGENT_HOME (a login dir inside a hidden path is never mounted).
    const userHome = await realpath(await mkdtemp(join(tmpdir(), "wxagent-new-user-")));
    const script = `
      const fs = require("fs");
      fs.writeFileSync(process.env.HOME + "/.npm/cached.txt", "kept");
      try { fs.writeFileSync(process.env.HOME + "/.agent.json", "{}"); } catch (e) {}`;
    const spec = await agentSpawnSpec(
      base({
        status: async () => ({ available: true, sandbox: SANDBOX as never }),
        writePaths: ["~/.npm", "~/.agent.json"],
        hostEnv: { PATH: process.env.PATH, HOME: userHome },
      }),
      { command: process.execPath, args: ["-e", script], cwd: ws },
    );
    await new Promise<void>((resolve, reject) =>
      execFile(spec.file, spec.args, { env: spec.env, cwd: ws }, (err, _so, se) =>
        err ? reject(new Error(`${err.message}\n${se}`)) : resolve(),
      ),
    );
    await spec.dispose();
    expect(await readFile(join(userHome, ".npm", "cached.txt"), "utf8")).toBe("kept");
    // A file is left for its program to create (an empty one could be taken as corrupt).
    expect(existsSync(join(userHome, ".agent.json"))).toBe(false);
    await rm(userHome, { recursive: true, force: true });
  });
});
