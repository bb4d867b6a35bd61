/**
 * Issue 16 item 6: `status` and `doctor` say what the poller achieves (recorded in the store by
 * the process that polls), with the fix, whichever process asks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeCheck } from "../../src/cli/commands/doctor.js";
import type { AccountJson } from "../../src/ops/json.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { acquireTokenLock } from "../../src/store/index.js";
import { type CliDaemon, closedPort, eventually, runCli, spawnCli } from "./run-cli.js";

let home: string;
const env = () => ({ WXAGENT_HOME: home });
let daemons: CliDaemon[] = [];

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "wxagent-health-"));
});
afterEach(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  daemons = [];
  rmSync(home, { recursive: true, force: true });
});

async function statusJson(): Promise<AccountJson[]> {
  const r = await runCli(["status", "--json"], env());
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { accounts: AccountJson[] }).accounts;
}

function startGateway(): CliDaemon {
  const d = spawnCli(["start", "--no-sim", "--agent", "echo", "--admin-port", "0"], env());
  daemons.push(d);
  return d;
}

async function addAccount(args: string[]): Promise<void> {
  const r = await runCli(["accounts", "add", ...args], env());
  expect(r.code, r.stderr).toBe(0);
}

describe("doctor's node check", () => {
  it("passes a new enough Node without a 'next: install' line, and fails an old one with the fix", async () => {
    expect(nodeCheck("20.20.2")).toEqual({ name: "node", ok: true, detail: "Node 20.20.2" });
    expect(nodeCheck("22.1.0").ok).toBe(true);
    expect(nodeCheck("20.18.3")).toMatchObject({ ok: false, fix: "install Node 20.19 or newer" });
    const r = await runCli(["doctor"], env());
    expect(r.stdout).toContain(`✓ node: Node ${process.versions.node}`);
    expect(r.stdout).not.toContain("install Node");
  });
});

describe("what polling achieves", () => {
  it("an account whose polls are refused is FAILING with the error and the fix, in status and doctor", async () => {
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    await addAccount([
      "--base-url",
      base,
      "--token",
      "tok-refused-1",
      "--account-id",
      "dead@im.bot",
      "--owner",
      "u@im.wechat",
    ]);
    const gw = startGateway();
    await gw.waitForOutput("wxagent is running");
    const [a] = await eventually(statusJson, (list) => (list[0]?.poll_failures ?? 0) >= 1);
    expect(a).toMatchObject({
      account: "dead@im.bot",
      owner: "u@im.wechat",
      state: "active",
      polling: "failing",
      poller: { pid: gw.pid, command: "wxagent start", this_process: false },
      last_poll_at: null,
      last_error: expect.stringMatching(/ECONNREFUSED/),
      last_error_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(a?.fix).toBe(
      `nothing answers at ${base}, a local address (a simulator that is not running?): start it there again, or remove the account with \`wxagent accounts remove dead@im.bot\``,
    );

    const text = await runCli(["status"], env());
    expect(text.stdout).toMatch(
      new RegExp(`dead@im\\.bot  active  polling: FAILING \\(pid ${gw.pid}\\): \\d+ failed in a row`),
    );
    expect(text.stdout).toMatch(/last error \(.+\): .*ECONNREFUSED/);
    expect(text.stdout).toContain("fix: nothing answers at");

    const doctor = await runCli(["doctor"], env());
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/✗ account dead@im\.bot: active, polling FAILING .*ECONNREFUSED/);
    expect(doctor.stdout).toContain("fix: nothing answers at");
  }, 90_000);

  describe("with a simulator", () => {
    let sim: RunningSimulator;
    beforeEach(async () => {
      sim = await startSimulator({ port: 0, realism: false });
    });
    afterEach(async () => {
      await sim.close();
    });
    const control = async <T>(path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${sim.url}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as T;
    };

    it("an expired account is paused, and a new login of its owner says to remove the old one", async () => {
      const bot = await control<{ account_id: string; token: string; owner_user_id: string }>(
        "/sim/accounts",
        { name: "first" },
      );
      await addAccount([
        "--base-url",
        sim.url,
        "--cdn-base-url",
        `${sim.url}/c2c`,
        "--token",
        bot.token,
        "--account-id",
        bot.account_id,
        "--owner",
        bot.owner_user_id,
      ]);
      const gw = startGateway();
      await gw.waitForOutput("wxagent is running");
      const [polled] = await eventually(statusJson, (l) => l[0]?.poller?.pid === gw.pid);
      expect(polled).toMatchObject({ polling: "ok", poll_failures: 0, fix: null });

      await control("/sim/faults", { expire_token: bot.account_id });
      const [expired] = await eventually(statusJson, (l) => l[0]?.state === "expired");
      // The gateway keeps the lock for the re-login, but nothing is fetched.
      expect(expired).toMatchObject({ polling: "paused", poller: { pid: gw.pid } });
      const text = await runCli(["status"], env());
      expect(text.stdout).toContain(`${bot.account_id}  EXPIRED  polling: paused (expired`);
      expect(text.stdout).not.toMatch(/polling: (yes|ok)/);

      // The same WeChat user logs in again: a new bot account.
      const login = spawnCli(["login", "--base-url", sim.url, "--timeout-ms", "60000"], env());
      daemons.push(login);
      await login.waitForOutput("waiting for a scan");
      const { qrcodes } = await control<{ qrcodes: { qrcode: string; status: string }[] }>("/sim/qr");
      const qr = qrcodes.find((q) => q.status === "wait")?.qrcode;
      await control(`/sim/qr/${qr}/scan`, { user_id: bot.owner_user_id });
      await control(`/sim/qr/${qr}/confirm`, {});
      expect(await login.exited()).toBe(0);
      expect(login.stdout()).toContain(
        `account ${bot.account_id} was an older login of the same WeChat user: remove it with \`wxagent accounts remove ${bot.account_id}\``,
      );
      const after = await statusJson();
      expect(after.find((x) => x.account === bot.account_id)?.fix).toBe(
        `replaced by ${after.find((x) => x.account !== bot.account_id)?.account}, a newer login of the same WeChat user: remove this one with \`wxagent accounts remove ${bot.account_id}\``,
      );
      const doctor = await runCli(["doctor"], env());
      expect(doctor.stdout).toContain(`wxagent accounts remove ${bot.account_id}`);
    }, 120_000);
  });
});

describe("an account added without --owner", () => {
  it("says at once that its owner counts as a stranger, and status keeps saying so", async () => {
    const args = ["--base-url", "http://127.0.0.1:9", "--token", "tok-noowner", "--account-id", "n@im.bot"];
    const add = await runCli(["accounts", "add", ...args], env());
    expect(add.code).toBe(0);
    expect(add.stderr).toMatch(/no --owner, so nobody is this bot's owner: .*stranger/);
    const [a] = await statusJson();
    expect(a).toMatchObject({ owner: null, polling: "none" });
    // Not polled is the more pressing fix; the owner note follows once a process polls it.
    expect(a?.fix).toContain("nobody polls this account");
    const lock = acquireTokenLock(home, "n@im.bot", { token: "tok-noowner", command: "test poller" });
    try {
      const [polled] = await statusJson();
      expect(polled).toMatchObject({ polling: "ok", poller: { pid: process.pid } });
      expect(polled?.fix).toMatch(/^no owner recorded, so the owner is treated as any other contact/);
    } finally {
      lock.release();
    }
    const list = await runCli(["accounts"], env());
    expect(list.stdout).toMatch(/n@im\.bot\s+active\s+none\s+none/);
    // Adding it again with the owner records it, and the note goes.
    const again = await runCli(["accounts", "add", ...args, "--owner", "o@im.wechat"], env());
    expect(again.stdout).toContain("account n@im.bot updated (owner o@im.wechat)");
    expect(again.stderr).toBe("");
    expect((await statusJson())[0]?.owner).toBe("o@im.wechat");
  });
});
