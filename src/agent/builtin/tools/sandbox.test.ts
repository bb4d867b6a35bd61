/**
 * run_command in the real sandbox of this machine (bubblewrap here): what a contact's command
 * tries, and that it gets nothing. Without a sandbox (and WXAGENT_REQUIRE_SANDBOX unset) the
 * same commands are refused for a non-owner; that path is also tested on every machine by
 * injecting "no sandbox".
 */
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolExecutionOptions } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noSandbox, type SandboxStatus } from "../../../shared/sandbox/index.js";
import { sandboxForTests } from "../../../shared/sandbox/testing.js";
import { DEFAULT_SANDBOX_CONFIG, PRESETS, type PresetName, type SandboxConfig } from "../../presets.js";
import type { Contact } from "../../types.js";
import { recordingIO } from "../testing/harness.js";
import { runCommandTool, safeEnv } from "./command.js";
import type { ToolContext, ToolLimits } from "./context.js";
import { commandSandboxFor } from "./sandbox.js";

const SANDBOX = await sandboxForTests();
const TOKEN = "admin-token-7f3a9c1e5b";
const PAT = "ghp_personal_access_token_0000";
const DBPASS = "db-password-hunter2";

const OWNER: Contact = { accountId: "acc", userId: "owner@im.wechat", isOwner: true };
const ALICE: Contact = { accountId: "acc", userId: "alice@im.wechat", isOwner: false };

let home: string;
let alice: string;
let bob: string;
let owner: string;
const hostEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  LANG: "C",
  WXAGENT_HOME: "",
  GITHUB_PAT: PAT,
  DB_PASS: DBPASS,
  OPENAI_API_KEY: "sk-provider-key-000000",
};

beforeAll(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), "wxagent-sbx-home-")));
  hostEnv.WXAGENT_HOME = home;
  await writeFile(join(home, "admin-token"), TOKEN);
  await writeFile(join(home, "config.json"), JSON.stringify({ token: TOKEN }));
  await writeFile(join(home, "wxagent.db"), `SQLite format 3\u0000bot_token=${TOKEN}`);
  alice = join(home, "workspaces", "acc", "alice");
  bob = join(home, "workspaces", "acc", "bob");
  owner = join(home, "workspaces", "acc", "owner");
  for (const d of [alice, bob, owner]) await mkdir(d, { recursive: true });
  await writeFile(join(bob, "diary.txt"), "bob's secret diary");
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const limits: ToolLimits = {
  readMaxBytes: 200_000,
  writeMaxBytes: 2_000_000,
  searchMaxResults: 100,
  commandTimeoutMs: 20_000,
  commandOutputChars: 20_000,
  fetchTimeoutMs: 5_000,
  fetchMaxBytes: 1_000_000,
  fetchAllowAddresses: [],
};

async function run(
  command: string,
  o: {
    contact?: Contact;
    preset?: PresetName;
    root?: string;
    status?: SandboxStatus;
    config?: Partial<SandboxConfig>;
    timeoutMs?: number;
    home?: string;
  } = {},
): Promise<string> {
  const contact = o.contact ?? ALICE;
  const preset = o.preset ?? "workspace-write";
  const ctx: ToolContext = {
    root: o.root ?? (contact.isOwner ? owner : alice),
    limits: { ...limits, ...(o.timeoutMs ? { commandTimeoutMs: o.timeoutMs } : {}) },
    io: recordingIO(),
    commandEnv: safeEnv(hostEnv),
    sandbox: commandSandboxFor({
      contact,
      preset: { name: preset, preset: PRESETS[preset], reason: "test" },
      config: { ...DEFAULT_SANDBOX_CONFIG, ...o.config },
      home: o.home ?? home,
      hostEnv,
      status: async () => o.status ?? (SANDBOX ? { available: true, sandbox: SANDBOX } : noSandbox()),
    }),
  };
  const execute = runCommandTool(ctx).execute;
  if (!execute) throw new Error("no execute");
  return (await execute({ command }, { toolCallId: "t", messages: [] } as ToolExecutionOptions)) as string;
}

describe("without a sandbox on the machine", () => {
  const none = noSandbox("bubblewrap (bwrap) is not installed");

  it("a non-owner's command is refused, saying how to install one, and nothing runs", async () => {
    const out = await run("echo ran > ran.txt; cat ../../../admin-token", { status: none });
    expect(out).toMatch(/^REFUSED: run_command needs an OS sandbox/);
    expect(out).toContain("apt-get install bubblewrap");
    expect(out).not.toContain(TOKEN);
    await expect(readFile(join(alice, "ran.txt"))).rejects.toThrow();
  });

  it("the owner's command still runs (unsandboxed, env filtered by name)", async () => {
    const out = await run("echo ran", { contact: OWNER, preset: "full", status: none });
    expect(out).toBe("exit code 0\nran");
  });
});

describe.runIf(SANDBOX)("in the sandbox", () => {
  it("runs in the workspace, HOME is the workspace, files it makes are private (umask 077)", async () => {
    const out = await run('pwd; echo "$HOME"; echo x > mine.txt; stat -c %a mine.txt');
    expect(out.split("\n")).toEqual(["exit code 0", alice, alice, "600"]);
  });

  it("cannot read $WXAGENT_HOME: admin-token, config.json, wxagent.db", async () => {
    const out = await run(
      `cat ${home}/admin-token; cat ../../../admin-token; cat ${home}/config.json; cat ${home}/wxagent.db; ls -a ${home}`,
    );
    expect(out).not.toContain(TOKEN);
    expect(out).toMatch(/No such file or directory/);
    // The workspace's parents exist only as empty mount points.
    expect(out).not.toContain("wxagent.db\n");
  });

  it("cannot list or read another contact's workspace", async () => {
    const out = await run(`ls -a ${bob}; cat ${bob}/diary.txt; cat ../bob/diary.txt`);
    expect(out).not.toContain("bob's secret diary");
    expect(out).toMatch(/No such file or directory/);
    // Its parent holds only its own workspace (an empty mount point chain).
    expect(await run("ls -a ..")).toBe("exit code 0\n.\n..\nalice");
  });

  it("cannot write outside the workspace; its /tmp is private", async () => {
    const marker = `wxagent-escape-${process.pid}`;
    const out = await run(
      `echo x > ${home}/planted; echo x > /usr/${marker}; echo x > /etc/${marker}; echo x > /tmp/${marker}; ls /tmp`,
    );
    expect(out).toMatch(/Read-only file system|Permission denied|No such file/);
    await expect(readFile(join(home, "planted"))).rejects.toThrow();
    await expect(readFile(join("/usr", marker))).rejects.toThrow();
    await expect(readFile(join("/tmp", marker))).rejects.toThrow();
  });

  it("the environment is an allowlist: no key, token, PAT or password under any name", async () => {
    const out = await run("env");
    for (const leaked of [
      PAT,
      DBPASS,
      "sk-provider-key",
      "GITHUB_PAT",
      "DB_PASS",
      "OPENAI_API_KEY",
      "WXAGENT_HOME",
    ])
      expect(out).not.toContain(leaked);
    expect(out).toContain("LANG=C");
    expect(out).toContain(`HOME=${alice}`);
  });

  describe("network", () => {
    let server: Server;
    let port = 0;
    let connections = 0;
    beforeAll(async () => {
      server = createServer((s) => {
        connections++;
        s.end("hello from the host\n");
      });
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      const a = server.address();
      port = typeof a === "object" && a ? a.port : 0;
    });
    afterAll(() => server.close());
    const connect = () =>
      `perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new("127.0.0.1:${port}") or die "connect failed: $!\\n"; print <$s>'`;

    it("workspace-write: no connection reaches a loopback listener on the host", async () => {
      const out = await run(connect());
      expect(out).toMatch(/connect failed/);
      expect(out).not.toContain("hello from the host");
      expect(connections).toBe(0);
    });

    it("full: the network is there (the rule: network only where fetch_url is allow)", async () => {
      const out = await run(connect(), { contact: OWNER, preset: "full" });
      expect(out).toContain("hello from the host");
      expect(connections).toBe(1);
    });
  });

  it("a read-only workspace cannot be written", async () => {
    const out = await run("echo x > nope.txt", { preset: "read-only" });
    expect(out).toMatch(/Read-only file system|Permission denied/);
    await expect(readFile(join(alice, "nope.txt"))).rejects.toThrow();
  });

  it.runIf(SANDBOX?.enforced.memory)("allocating past the memory limit fails", async () => {
    const out = await run(`perl -e '$x = "x" x (400 * 1024 * 1024); print "allocated\\n"'`, {
      config: { memoryMb: 128 },
    });
    expect(out).not.toContain("allocated");
    expect(out).toMatch(/Out of memory|exit code|killed/);
  });

  it.runIf(SANDBOX?.enforced.memory && process.execPath.startsWith("/usr/"))(
    "the default memory limit leaves room for JITs and WebAssembly (address space is not limited)",
    async () => {
      const out = await run(`node -e 'new WebAssembly.Memory({ initial: 1 }); console.log("wasm ok")'`);
      expect(out).toBe("exit code 0\nwasm ok");
    },
  );

  it.runIf(SANDBOX?.enforced.processes)(
    "forking past the process limit fails, and a fork bomb ends",
    async () => {
      const many = await run("for i in $(seq 1 60); do sleep 3 & done; wait; echo done", {
        config: { maxProcesses: 16 },
      });
      expect(many).toMatch(/Cannot fork|Resource temporarily unavailable|can't fork/i);
      const bomb = await run("b() { b | b & }; b; sleep 2; echo survived", {
        config: { maxProcesses: 32 },
        timeoutMs: 3_000,
      });
      expect(bomb).toMatch(/Cannot fork|killed after|exit code/);
    },
  );

  it('"sandbox": "off" is honoured for a full contact only', async () => {
    const off = await run(`cat ${home}/admin-token`, {
      contact: OWNER,
      preset: "full",
      config: { off: ["owner"] },
    });
    expect(off).toContain(TOKEN);
    const ignored = await run(`cat ${home}/admin-token`, { config: { off: ["*", ALICE.userId] } });
    expect(ignored).not.toContain(TOKEN);
  });

  it("the owner's configured workspace (a checkout holding $WXAGENT_HOME) still hides the home", async () => {
    const checkout = await realpath(await mkdtemp(join(tmpdir(), "wxagent-sbx-checkout-")));
    const inner = join(checkout, ".wxagent");
    await mkdir(inner);
    await writeFile(join(inner, "admin-token"), TOKEN);
    await writeFile(join(checkout, "README"), "project");
    try {
      const out = await run("ls -a; cat README; cat .wxagent/admin-token; ls -a .wxagent", {
        contact: OWNER,
        preset: "full",
        root: checkout,
        home: inner,
      });
      expect(out).toContain("project");
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain("admin-token\n");
    } finally {
      await rm(checkout, { recursive: true, force: true });
    }
  });
});
