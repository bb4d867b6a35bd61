/**
 * The service managers behind `wxagent service`: systemd's user instance on Linux, launchd's
 * per-user domain on macOS. Each writes its file, asks the manager to (re)load it, and reads back
 * what the manager says, as plain facts for the command to print.
 */
import { spawnSync } from "node:child_process";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import {
  LAUNCHD_LABEL,
  renderLaunchdPlist,
  renderSystemdUnit,
  type ServiceSpec,
  SYSTEMD_UNIT,
} from "./units.js";

/** What a manager command answered: ok, or the first line of why not. */
export interface Ran {
  ok: boolean;
  out: string;
  error?: string;
}

export function runTool(cmd: string, args: string[]): Ran {
  const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    return { ok: false, out: "", error: missing ? `${cmd} is not installed here` : r.error.message };
  }
  const err = (r.stderr ?? "").trim().split("\n")[0] ?? "";
  return r.status === 0
    ? { ok: true, out: r.stdout ?? "" }
    : { ok: false, out: r.stdout ?? "", error: err || `${cmd} ${args.join(" ")} exited with ${r.status}` };
}

export interface ServiceState {
  /** The manager's word for it: active, activating, failed, inactive, running, … */
  state: string;
  pid?: number;
  restarts?: number;
  /** The last exit code, when the manager reports one. */
  lastExit?: number;
}

export interface Manager {
  /** "systemd user unit" or "launchd agent". */
  kind: string;
  name: string;
  file: string;
  render(spec: ServiceSpec): string;
  /** Where the service's output goes, as a command or a path to show the user. */
  logs: string;
  /** Load (or reload) and start the service from `file`. */
  start(): Ran;
  /** Stop it and unload it; not an error when it was not loaded. */
  stop(): Ran;
  status(): { ok: true; value: ServiceState } | { ok: false; error: string };
  /** What to do when the manager cannot be reached (no user session, a container, …). */
  unreachableFix: string;
}

export function systemdManager(env: NodeJS.ProcessEnv = process.env): Manager {
  const configHome = env.XDG_CONFIG_HOME?.trim() || join(homedir(), ".config");
  const ctl = (...args: string[]) => runTool("systemctl", ["--user", ...args]);
  return {
    kind: "systemd user unit",
    name: SYSTEMD_UNIT,
    file: join(configHome, "systemd", "user", SYSTEMD_UNIT),
    render: renderSystemdUnit,
    logs: "journalctl --user -u wxagent -f",
    start() {
      const reload = ctl("daemon-reload");
      if (!reload.ok) return reload;
      const enable = ctl("enable", SYSTEMD_UNIT);
      // restart, not start: a service already running picks up the new unit.
      return enable.ok ? ctl("restart", SYSTEMD_UNIT) : enable;
    },
    stop() {
      const r = ctl("disable", "--now", SYSTEMD_UNIT);
      if (!r.ok && /not loaded|does not exist|No such file/i.test(r.error ?? ""))
        return { ok: true, out: "" };
      return r;
    },
    status() {
      const r = ctl("show", SYSTEMD_UNIT, "-p", "ActiveState,SubState,MainPID,NRestarts,ExecMainStatus");
      if (!r.ok) return { ok: false, error: r.error ?? "systemctl failed" };
      const p = Object.fromEntries(
        r.out
          .split("\n")
          .filter((l) => l.includes("="))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      const pid = Number(p.MainPID);
      return {
        ok: true,
        value: {
          state: [p.ActiveState, p.SubState].filter(Boolean).join(" / ") || "unknown",
          ...(pid > 0 ? { pid } : {}),
          ...(p.NRestarts !== undefined && p.NRestarts !== "" ? { restarts: Number(p.NRestarts) } : {}),
          ...(p.ExecMainStatus ? { lastExit: Number(p.ExecMainStatus) } : {}),
        },
      };
    },
    unreachableFix:
      "systemd's user manager is not running for this user (a container, or a login without a session): " +
      "log in normally and run it again, or use the Dockerfile; the unit file is written and " +
      "`systemctl --user enable --now wxagent` starts it once a user manager runs",
  };
}

export function launchdManager(home: string): Manager {
  const uid = userInfo().uid;
  const domain = `gui/${uid}`;
  const file = join(homedir(), "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
  const logFile = join(home, "logs", "service.log");
  return {
    kind: "launchd agent",
    name: LAUNCHD_LABEL,
    file,
    render: (spec) => renderLaunchdPlist(spec, logFile),
    logs: `tail -f ${logFile}`,
    start() {
      runTool("launchctl", ["bootout", `${domain}/${LAUNCHD_LABEL}`]); // an older copy, if loaded
      return runTool("launchctl", ["bootstrap", domain, file]);
    },
    stop() {
      const r = runTool("launchctl", ["bootout", `${domain}/${LAUNCHD_LABEL}`]);
      return r.ok || /No such process|Could not find/i.test(r.error ?? "") ? { ok: true, out: "" } : r;
    },
    status() {
      const r = runTool("launchctl", ["print", `${domain}/${LAUNCHD_LABEL}`]);
      if (!r.ok) return { ok: false, error: r.error ?? "launchctl failed" };
      const field = (name: string) => new RegExp(`^\\s*${name} = (.+)$`, "m").exec(r.out)?.[1]?.trim();
      const pid = Number(field("pid"));
      const runs = Number(field("runs"));
      const lastExit = Number(field("last exit code"));
      return {
        ok: true,
        value: {
          state: field("state") ?? "unknown",
          ...(pid > 0 ? { pid } : {}),
          ...(runs > 0 ? { restarts: runs - 1 } : {}),
          ...(Number.isFinite(lastExit) ? { lastExit } : {}),
        },
      };
    },
    unreachableFix: "launchctl could not load the agent: run this from a logged-in macOS session",
  };
}
