/**
 * `wxagent service` on Linux, from the command line, against a stand-in `systemctl` first on PATH
 * (so a test never touches the real user manager): which calls install, status and uninstall make,
 * what they print, and the clear failure when no user manager answers.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const root = mkdtempSync(join(tmpdir(), "wx-service-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bin = join(root, "bin");
const calls = join(root, "calls.log");
const unitFile = join(root, "config", "systemd", "user", "wxagent.service");
mkdirSync(bin, { recursive: true });
// Records its arguments; `show` answers like a running unit; SYSTEMCTL_FAIL makes every call fail
// the way systemctl does without a user manager.
writeFileSync(
  join(bin, "systemctl"),
  `#!/bin/sh
echo "$*" >> "${calls}"
if [ -n "$SYSTEMCTL_FAIL" ]; then echo "Failed to connect to bus: No medium found" >&2; exit 1; fi
case "$2" in show) printf 'ActiveState=active\\nSubState=running\\nMainPID=4242\\nNRestarts=3\\nExecMainStatus=0\\n';; esac
`,
);
chmodSync(join(bin, "systemctl"), 0o755);

const home = join(root, "home dir");
const env = {
  PATH: `${bin}:${process.env.PATH}`,
  XDG_CONFIG_HOME: join(root, "config"),
  WXAGENT_HOME: home,
  OPENAI_API_KEY: "sk-service-test",
};
const called = () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []);

describe.skipIf(process.platform !== "linux")("wxagent service (systemd)", () => {
  beforeEach(() => rmSync(calls, { force: true }));

  it("install writes the unit (0600), reloads, enables and restarts it", async () => {
    const r = await runCli(["service", "install", "--env", "OPENAI_API_KEY", "--", "--agent", "echo"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote systemd user unit ${unitFile}`);
    expect(r.stdout).toContain("journalctl --user -u wxagent -f");
    expect(r.stdout).toContain("loginctl enable-linger");
    const unit = readFileSync(unitFile, "utf8");
    expect(unit).toMatch(/^ExecStart=".+" ".+[/\\]bin[/\\]wxagent\.js" "start" "--agent" "echo"$/m);
    expect(unit).toContain(`Environment="WXAGENT_HOME=${home}"`);
    expect(unit).toContain('Environment="OPENAI_API_KEY=sk-service-test"');
    expect(statSync(unitFile).mode & 0o777).toBe(0o600);
    expect(called()).toEqual([
      "--user daemon-reload",
      "--user enable wxagent.service",
      "--user restart wxagent.service",
    ]);
  }, 60_000);

  it("status reads the home from the unit and the state from systemctl", async () => {
    const r = await runCli(["service", "status", "--json"], { ...env, WXAGENT_HOME: "/elsewhere" });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      installed: true,
      file: unitFile,
      home,
      running: true,
      state: "active / running",
      pid: 4242,
      restarts: 3,
      error: null,
    });
    const text = await runCli(["service", "status"], env);
    expect(text.stdout).toContain("state     active / running (pid 4242, 3 restarts)");
  }, 60_000);

  it("without a user manager: install keeps the file and says what to do; status exits 1", async () => {
    const failing = { ...env, SYSTEMCTL_FAIL: "1" };
    const r = await runCli(["service", "install"], failing);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("starting it failed: Failed to connect to bus: No medium found");
    expect(r.stderr).toContain("systemctl --user enable --now wxagent");
    expect(existsSync(unitFile)).toBe(true);
    const s = await runCli(["service", "status"], failing);
    expect(s.code).toBe(1);
    expect(s.stdout).toContain("state     unknown: Failed to connect to bus");
  }, 60_000);

  it("refuses --sim and an unset --env variable as usage errors, writing nothing", async () => {
    rmSync(unitFile, { force: true });
    const sim = await runCli(["service", "install", "--", "--sim"], env);
    expect(sim.code).toBe(2);
    expect(sim.stderr).toContain("drop --sim");
    const unset = await runCli(["service", "install", "--env", "WX_NOT_SET_ANYWHERE"], env);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("--env WX_NOT_SET_ANYWHERE: the variable is not set");
    expect(existsSync(unitFile)).toBe(false);
    expect(called()).toEqual([]);
  }, 60_000);

  it("--print writes nothing; uninstall disables and removes the unit", async () => {
    const printed = await runCli(["service", "install", "--print"], env);
    expect(printed.stdout).toContain("[Service]");
    expect(existsSync(unitFile)).toBe(false);

    await runCli(["service", "install", "--no-start"], env);
    expect(existsSync(unitFile)).toBe(true);
    expect(called()).toEqual([]);
    const r = await runCli(["service", "uninstall"], env);
    expect(r.code).toBe(0);
    expect(existsSync(unitFile)).toBe(false);
    expect(called()).toEqual(["--user disable --now wxagent.service"]);
    const s = await runCli(["service", "status"], env);
    expect(s.code).toBe(1);
    expect(s.stdout).toContain("not installed");
  }, 60_000);
});
