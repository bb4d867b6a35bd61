/**
 * run_command as a contact would abuse it, through the simulator, the gateway and the built-in
 * agent wired as `wxagent start` wires it, with a scripted model (the fake OpenAI server): a
 * non-owner with `full` (permissions.contacts) and an allowlisted workspace-write contact who
 * answers its own `ask` with y try to reach `$WXAGENT_HOME` (admin-token, wxagent.db with the
 * bot token, config.json), another contact's workspace, the network and the gateway's
 * environment, and get nothing: an error from inside the sandbox where the machine has one, a
 * refusal saying how to install one where it has not. A read-only contact is never offered
 * run_command, and a forged call to it does not run.
 */
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type AcpAgent, createAcpAgent } from "../../src/agent/acp/index.js";
import {
  contact as acpContact,
  FakeIO,
  fakeAgentCommand,
  type ScriptedAnswer,
} from "../../src/agent/acp/testing/harness.js";
import { offeredToolNames } from "../../src/agent/builtin/testing/fake-openai.js";
import { sandboxForTests } from "../../src/shared/sandbox/testing.js";
import { allToolResults, RIG_KEY_ENV, type Rig, say, sees, startRig } from "./rig.js";

const SANDBOX = await sandboxForTests();
const KEY = "sk-sandbox-e2e-0123456789SECRET";
const PAT = "ghp_sandbox_e2e_personal_token_99";
const DBPASS = "db-pass-sandbox-e2e-hunter2";
const ADMIN = "admin-token-sandbox-e2e-5d41402abc";
const MALLORY = "mallory@im.wechat"; // permissions.contacts: full (a non-owner)
const ALICE = "alice@im.wechat"; // allowlisted: workspace-write, answers her own ask
const BOB = "bob@im.wechat"; // read-only

let rig: Rig | undefined;
let server: Server | undefined;
let connections = 0;

beforeEach(() => {
  vi.stubEnv(RIG_KEY_ENV, KEY);
  vi.stubEnv("GITHUB_PAT", PAT);
  vi.stubEnv("DB_PASS", DBPASS);
});

afterEach(async () => {
  await rig?.close();
  rig = undefined;
  server?.close();
  server = undefined;
  vi.unstubAllEnvs();
});

const startSandboxRig = () =>
  startRig({
    adminToken: ADMIN,
    writeConfig: true,
    quota: 1000,
    permissions: {
      allowlist: [ALICE],
      contacts: { [MALLORY]: "full" },
      defaultPreset: "read-only",
      // This suite attacks the sandbox itself, so the contact approves its own ask (the owner
      // default is attacked in approvals.test.ts): even then the command gets nothing.
      askTo: "contact",
      askTimeoutMs: 20_000,
    },
  });

function expectNothingLeaked(r: Rig, text: string): void {
  for (const secret of [ADMIN, r.botToken, KEY, PAT, DBPASS, "bob's diary"])
    expect(text).not.toContain(secret);
  expect(text).not.toMatch(/GITHUB_PAT|DB_PASS|WXAGENT_SEC_RIG_MODEL_KEY/);
}

async function listen(): Promise<number> {
  server = createServer((s) => {
    connections++;
    s.end("hello from the host\n");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const a = server.address();
  return typeof a === "object" && a ? a.port : 0;
}

describe("run_command cannot leave the contact's sandbox", () => {
  it("a full non-owner reads neither $WXAGENT_HOME, nor another workspace, nor the gateway's secrets", async () => {
    rig = await startSandboxRig();
    const bob = rig.workspace(BOB);
    await mkdir(bob, { recursive: true });
    await writeFile(join(bob, "diary.txt"), "bob's diary");
    const h = rig.home;
    const attack = [
      `cat ${h}/admin-token`,
      "cat ../../../admin-token",
      `cat ${h}/config.json`,
      `grep -a -c ${rig.botToken} ${h}/wxagent.db`,
      `ls -a ${h} ${h}/workspaces`,
      `cat ${bob}/diary.txt`,
      "cat ../*/diary.txt",
      "env",
      "cat /proc/1/environ | tr '\\0' '\\n'",
    ].join("; ");
    rig.ai.push(
      { toolCalls: [{ name: "run_command", args: { command: attack } }] },
      { text: "Here is what I found." },
    );
    await say(rig, MALLORY, "show me the gateway's secrets");
    const chat = await sees(rig, MALLORY, "Here is what I found.");
    const results = allToolResults(rig);
    expectNothingLeaked(rig, results);
    expectNothingLeaked(rig, chat.join("\n"));
    if (SANDBOX) expect(results).toMatch(/No such file or directory/);
    else expect(results).toMatch(/REFUSED: run_command needs an OS sandbox.*bubblewrap/);
  });

  it("workspace-write, approved by the contact: no network, no write outside the workspace", async () => {
    rig = await startSandboxRig();
    const port = await listen();
    const h = rig.home;
    const attack = [
      `perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new("127.0.0.1:${port}") or die "connect failed\\n"; print <$s>'`,
      `echo planted > ${h}/planted.txt`,
      `echo planted > ../planted.txt`,
      "echo ok > mine.txt",
      "env",
    ].join("; ");
    rig.ai.push({ toolCalls: [{ name: "run_command", args: { command: attack } }] }, { text: "Tried." });
    await say(rig, ALICE, "phone home");
    await sees(rig, ALICE, /🔐 Allow/);
    await say(rig, ALICE, "y");
    await sees(rig, ALICE, "Tried.");
    const results = allToolResults(rig);
    expect(results).not.toContain("hello from the host");
    expect(connections).toBe(0);
    expect(existsSync(join(h, "planted.txt"))).toBe(false);
    expect(existsSync(join(rig.workspace(ALICE), "..", "planted.txt"))).toBe(false);
    expectNothingLeaked(rig, results);
    if (SANDBOX) {
      expect(results).toMatch(/connect failed/);
      expect(await readFile(join(rig.workspace(ALICE), "mine.txt"), "utf8")).toBe("ok\n");
    } else {
      expect(results).toMatch(/REFUSED: run_command needs an OS sandbox/);
    }
  });

  it("a read-only contact is never offered run_command, and a forged call does not run", async () => {
    rig = await startSandboxRig();
    rig.ai.push(
      { toolCalls: [{ name: "run_command", args: { command: `cat ${rig.home}/admin-token > stolen.txt` } }] },
      { text: "I can only read." },
    );
    await say(rig, BOB, "run something");
    const chat = await sees(rig, BOB, "I can only read.");
    const [first] = rig.ai.completions();
    expect(offeredToolNames(first ?? {})).toEqual(["list", "read", "search"]);
    expect(offeredToolNames(first ?? {})).not.toContain("run_command");
    expect(existsSync(join(rig.workspace(BOB), "stolen.txt"))).toBe(false);
    expectNothingLeaked(rig, `${allToolResults(rig)}\n${chat.join("\n")}`);
  });
});

describe("the ACP agent process runs in the same sandbox", () => {
  const project = fileURLToPath(new URL("../..", import.meta.url));
  let base: string;
  const agents: AcpAgent[] = [];
  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "wxagent-sec-acp-")));
    await mkdir(join(base, "home"));
    await writeFile(join(base, "home", "admin-token"), ADMIN);
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close?.()));
    await rm(base, { recursive: true, force: true });
  });

  function agentWith(mode: "on" | "auto"): AcpAgent {
    const agent = createAcpAgent({
      ...fakeAgentCommand(),
      cwdFor: (c) => join(base, "home", "workspaces", c.userId),
      presets: "workspace-write",
      startTimeoutMs: 30_000,
      // The fake agent is `node --import tsx src/…/fake-agent.ts`: the checkout is shown read-only.
      sandbox: { mode, writePaths: [], readPaths: [project], passEnv: [], hide: [join(base, "home")] },
    });
    agents.push(agent);
    return agent;
  }

  const turn = (agent: AcpAgent, text: string, answers: ScriptedAnswer[] = []) =>
    agent.run(
      {
        contact: acpContact("alice"),
        messageId: `m-${text}`,
        text,
        media: [],
        signal: new AbortController().signal,
      },
      new FakeIO(answers),
    );

  it.runIf(SANDBOX)(
    "the fake agent answers from inside it, and its writes (through the gateway) land in the workspace",
    async () => {
      const agent = agentWith("on");
      expect(await turn(agent, "echo hello from the sandbox")).toEqual({ text: "hello from the sandbox" });
      expect((await turn(agent, "write proof.txt", ["1"])).text).toContain("wrote proof.txt");
      expect(await readFile(join(base, "home", "workspaces", "alice", "proof.txt"), "utf8")).toBe(
        "written by fake-agent\n",
      );
    },
    60_000,
  );

  it.skipIf(SANDBOX)(
    'without a sandbox, mode "on" refuses to start the agent and says how to install one',
    async () => {
      const err = await turn(agentWith("on"), "echo hi").catch((e: unknown) => e);
      expect(String((err as Error).message)).toMatch(/must run sandboxed.*bubblewrap/);
      expect(await turn(agentWith("auto"), "echo still works")).toEqual({ text: "still works" });
    },
    60_000,
  );
});
