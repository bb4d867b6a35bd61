/**
 * The service files as the service managers read them: the systemd unit through
 * `systemd-analyze --user verify` (Debian's systemd; required when WXAGENT_REQUIRE_SYSTEMD=1, as in
 * CI), the launchd plist through Python's plistlib, which reads Apple's XML format.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderLaunchdPlist, renderSystemdUnit, type ServiceSpec } from "./units.js";

const dir = mkdtempSync(join(tmpdir(), "wx-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A home with everything a unit must quote or escape: a space, a specifier, a quote, a dollar.
const spec: ServiceSpec = {
  node: process.execPath,
  script: "/opt/wxagent/bin/wxagent.js",
  home: join(dir, `my "wx" home %h $USER`),
  startArgs: ["--agent", "builtin"],
  env: { PATH: "/usr/local/bin:/usr/bin:/bin", OPENAI_API_KEY: "sk-test\\x" },
};

const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
const haveSystemd = !analyze.error && analyze.status === 0;
const requireSystemd = process.env.WXAGENT_REQUIRE_SYSTEMD === "1";

/** `systemd-analyze --user verify` on `text` saved as `name`: exit code and what it printed. */
function verify(text: string, name = "wxagent.service") {
  const unitDir = mkdtempSync(join(dir, "unit-"));
  const runtime = mkdtempSync(join(dir, "run-")); // the user manager needs a runtime dir, even offline
  writeFileSync(join(unitDir, name), text);
  const r = spawnSync("systemd-analyze", ["--user", "verify", join(unitDir, name)], {
    encoding: "utf8",
    env: { ...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_COLOR: "0" },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describe("the systemd user unit", () => {
  const unit = renderSystemdUnit(spec);

  it("runs `wxagent start` with the home, restarts on failure, logs to the journal", () => {
    expect(unit).toContain(
      `ExecStart="${process.execPath}" "/opt/wxagent/bin/wxagent.js" "start" "--agent" "builtin"`,
    );
    expect(unit).toContain(`Environment="WXAGENT_HOME=${join(dir, 'my \\"wx\\" home %%h $USER')}"`);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/^StandardOutput=journal$/m);
    expect(unit).toMatch(/^StandardError=journal$/m);
    expect(unit).toMatch(/^WantedBy=default\.target$/m);
  });

  it("refuses a newline that would start a directive of its own", () => {
    expect(() => renderSystemdUnit({ ...spec, home: "/tmp/x\nExecStartPre=/bin/evil" })).toThrow(
      /control character/,
    );
    expect(() => renderSystemdUnit({ ...spec, env: { "A B": "1" } })).toThrow(/not a variable name/);
  });

  it.skipIf(!haveSystemd && !requireSystemd)("passes systemd-analyze verify with no warning", () => {
    expect(haveSystemd, "systemd-analyze is missing: apt-get install systemd").toBe(true);
    expect(verify(unit)).toEqual({ status: 0, output: "" });
  });

  it.skipIf(!haveSystemd && !requireSystemd)("(the check itself reports a bad unit)", () => {
    const bad = verify(
      unit.replace("Restart=on-failure", "Restart=sometimes").replace(process.execPath, "/no/node"),
    );
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/restart specifier/);
    expect(bad.output).toMatch(/\/no\/node is not executable/);
  });
});

const python = spawnSync("python3", ["--version"]);

describe.skipIf(python.error !== undefined || python.status !== 0)("the launchd agent", () => {
  it("is a plist launchd reads: the same program, environment, restart on failure and log file", () => {
    const file = join(dir, "wxagent.gateway.plist");
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, renderLaunchdPlist(spec, "/tmp/wx & <logs>/service.log"));
    const read = spawnSync(
      "python3",
      ["-c", "import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))", file],
      { encoding: "utf8" },
    );
    expect(read.stderr).toBe("");
    expect(JSON.parse(read.stdout)).toEqual({
      Label: "wxagent.gateway",
      ProgramArguments: [process.execPath, "/opt/wxagent/bin/wxagent.js", "start", "--agent", "builtin"],
      EnvironmentVariables: { WXAGENT_HOME: spec.home, ...spec.env },
      WorkingDirectory: spec.home,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 5,
      ExitTimeOut: 30,
      ProcessType: "Background",
      StandardOutPath: "/tmp/wx & <logs>/service.log",
      StandardErrorPath: "/tmp/wx & <logs>/service.log",
    });
  });
});
