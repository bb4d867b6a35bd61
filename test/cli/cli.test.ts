import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxForTests } from "../../src/shared/sandbox/testing.js";
import { openStore } from "../../src/store/index.js";
import { runCli } from "./run-cli.js";

let home: string;
const env = () => ({ WXAGENT_HOME: home });

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "wxagent-cli-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("wxagent CLI", () => {
  it("prints help and exits 0; an unknown command exits 2", async () => {
    const help = await runCli(["--help"], env());
    expect(help.code).toBe(0);
    for (const cmd of ["start", "sim", "login", "accounts", "history", "status", "doctor", "pairing"]) {
      expect(help.stdout).toContain(cmd);
    }
    const bad = await runCli(["frobnicate"], env());
    expect(bad.code).toBe(2);
  });

  it("adds, lists and removes an account from known credentials, never printing the token", async () => {
    const token = "secret-token-abcdef";
    const add = await runCli(
      [
        "accounts",
        "add",
        "--base-url",
        "http://127.0.0.1:9",
        "--token",
        token,
        "--account-id",
        "bot1@im.bot",
      ],
      env(),
    );
    expect(add.code).toBe(0);
    expect(add.stdout).toContain("bot1@im.bot added");
    const list = await runCli(["accounts", "--json"], env());
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(token);
    const rows = JSON.parse(list.stdout) as { accounts: { account: string; state: string }[] };
    expect(rows.accounts).toEqual([expect.objectContaining({ account: "bot1@im.bot", state: "active" })]);
    // The database holding the token is readable by its owner only.
    expect(statSync(join(home, "wxagent.db")).mode & 0o777).toBe(0o600);
    const rm = await runCli(["accounts", "remove", "bot1@im.bot"], env());
    expect(rm.code).toBe(0);
    const again = await runCli(["accounts", "remove", "bot1@im.bot"], env());
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no account "bot1@im.bot"');
  });

  it("rejects a bad option value with exit code 2", async () => {
    const r = await runCli(
      ["accounts", "add", "--base-url", "ftp://x", "--token", "t", "--account-id", "a"],
      env(),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--base-url must be an http(s) URL");
  });

  it("status shows an expired account with the fix", async () => {
    const store = openStore(join(home, "wxagent.db"));
    store.accounts.upsert({
      id: "bot2@im.bot",
      baseUrl: "http://127.0.0.1:9",
      cdnBaseUrl: "http://127.0.0.1:9/c2c",
      token: "t2-abcdefgh",
      state: "active",
    });
    store.accounts.setState(
      "bot2@im.bot",
      "expired",
      "session expired (-14): run `wxagent login` to scan a new QR code",
    );
    store.close();
    const r = await runCli(["status"], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("bot2@im.bot  EXPIRED");
    expect(r.stdout).toContain("fix: session expired (-14): run `wxagent login`");
    const json = JSON.parse((await runCli(["status", "--json"], env())).stdout) as {
      accounts: { state: string; polling: string; fix: string | null }[];
    };
    expect(json.accounts[0]).toMatchObject({
      state: "expired",
      polling: "paused",
      fix: expect.stringContaining("wxagent login"),
    });
  });

  it("an invalid config.json is named with the bad key", async () => {
    writeFileSync(join(home, "config.json"), JSON.stringify({ gateway: { maxTurns: 0 } }));
    try {
      const r = await runCli(["status"], env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("gateway.maxTurns");
    } finally {
      rmSync(join(home, "config.json"));
    }
  });

  it("pairing approve with an unknown code fails with a clear message", async () => {
    const r = await runCli(["pairing", "approve", "ZZZZZZ"], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ZZZZZZ/);
  });

  it("doctor lists its checks and says what to do next", async () => {
    const r = await runCli(["doctor"], env());
    expect(r.stdout).toContain("✓ node");
    expect(r.stdout).toContain("✓ database");
    expect(r.stdout).toContain("agent: echo");
  });

  it("doctor runs a command in the sandbox and reports it, or says how to install one", async () => {
    const r = await runCli(["doctor"], env());
    const sandboxed = (await sandboxForTests()) !== undefined;
    if (sandboxed)
      expect(r.stdout).toMatch(/✓ sandbox: (bubblewrap|sandbox-exec).*a test command ran sandboxed/);
    else expect(r.stdout).toMatch(/sandbox: .*run_command is refused/);
    if (process.platform === "linux") {
      const none = await runCli(["doctor"], { ...env(), WXAGENT_BWRAP: "/nonexistent/bwrap" });
      expect(none.stdout).toMatch(/sandbox: bubblewrap \(bwrap\) is not installed/);
      expect(none.stdout).toContain("apt-get install bubblewrap");
    }
  });
});
