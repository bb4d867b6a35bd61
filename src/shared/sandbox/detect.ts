/**
 * Finding the sandbox of this machine and proving it works: bubblewrap on Linux, sandbox-exec
 * on macOS. `systemSandbox()` probes once per process by running a trivial command inside the
 * real thing (namespaces, limits and all), so "available" means "a command ran sandboxed here".
 */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { messageOf } from "../wx-error.js";
import { bwrapArgs } from "./bwrap.js";
import { cgroupJoinArgv, createPidsCgroup, PRLIMIT_PATHS, pidsCgroupParent, prlimitArgv } from "./limits.js";
import { type Sandbox, type SandboxPolicy, type SandboxStatus, sandboxEnv } from "./policy.js";
import { darwinPrelude, seatbeltProfile } from "./seatbelt.js";

export const INSTALL_FIX_LINUX =
  "install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`; Arch: `sudo pacman -S bubblewrap`), then run `wxagent doctor`";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH or in the usual places. */
export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin", "/usr/local/bin", "/bin"];
  for (const d of dirs) {
    const p = join(d, name);
    if (executable(p)) return p;
  }
  return undefined;
}

function run(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 10_000, encoding: "utf8" }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: `${stdout}${stderr}`.trim() });
    });
  });
}

export interface BwrapSandboxOptions {
  bwrapPath: string;
  version: string;
  /** Running as root: the process limit needs a pids cgroup (see limits.ts). */
  root?: boolean;
}

export function bwrapSandbox(o: BwrapSandboxOptions): Sandbox {
  const prlimit = PRLIMIT_PATHS.find(executable);
  const root = o.root ?? process.getuid?.() === 0;
  const cgroupParent = root ? pidsCgroupParent() : undefined;
  const [major = 0, minor = 0] = o.version.split(".").map(Number);
  const tmpSize = major > 0 || minor >= 5;
  return {
    kind: "bwrap",
    description: `bubblewrap ${o.version} (${o.bwrapPath})`,
    enforced: {
      memory: prlimit !== undefined,
      processes: prlimit !== undefined && (!root || !!cgroupParent),
    },
    async wrap(policy, argv) {
      const limitArgv = prlimit ? prlimitArgv(prlimit, policy.limits, !root) : [];
      const args = bwrapArgs(policy, argv, { tmpSize, limitArgv });
      const max = policy.limits.maxProcesses;
      if (root && cgroupParent && max) {
        const cg = createPidsCgroup(cgroupParent, max);
        const [sh = "/bin/sh", ...rest] = cgroupJoinArgv(cg.procsFile);
        return { file: sh, args: [...rest, o.bwrapPath, ...args], env: policy.env, dispose: cg.dispose };
      }
      return { file: o.bwrapPath, args, env: policy.env, dispose: async () => {} };
    },
  };
}

export function seatbeltSandbox(path = "/usr/bin/sandbox-exec"): Sandbox {
  return {
    kind: "sandbox-exec",
    description: `sandbox-exec (${path})`,
    enforced: { memory: false, processes: false },
    async wrap(policy, argv) {
      const tmp = await realpath(await mkdtemp(join(tmpdir(), "wxagent-sbx-")));
      return {
        file: path,
        args: [
          "-p",
          seatbeltProfile(policy, tmp),
          "/bin/sh",
          "-c",
          darwinPrelude(policy),
          "wxagent-sandbox",
          ...argv,
        ],
        env: { ...policy.env, TMPDIR: tmp },
        dispose: () => rm(tmp, { recursive: true, force: true }),
      };
    },
  };
}

export interface DetectOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
}

/** Find and probe the sandbox (no caching; see `systemSandbox`). */
export async function detectSandbox(o: DetectOptions = {}): Promise<SandboxStatus> {
  const platform = o.platform ?? process.platform;
  const env = o.env ?? process.env;
  let sandbox: Sandbox;
  let fix: string;
  if (platform === "linux") {
    // WXAGENT_BWRAP names the binary (a build of its own, or a path that does not exist to test
    // a machine without one).
    const bwrapPath = env.WXAGENT_BWRAP
      ? executable(env.WXAGENT_BWRAP)
        ? env.WXAGENT_BWRAP
        : undefined
      : findProgram("bwrap", env);
    if (!bwrapPath) {
      const where = env.WXAGENT_BWRAP ? ` at WXAGENT_BWRAP=${env.WXAGENT_BWRAP}` : "";
      return {
        available: false,
        reason: `bubblewrap (bwrap) is not installed${where}`,
        fix: INSTALL_FIX_LINUX,
      };
    }
    const v = await run(bwrapPath, ["--version"], { PATH: env.PATH ?? "/usr/bin:/bin" });
    sandbox = bwrapSandbox({ bwrapPath, version: v.out.replace(/^bubblewrap\s*/, "") || "unknown" });
    fix =
      "bubblewrap needs unprivileged user namespaces: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (Debian), or on Ubuntu 24.04+ an AppArmor profile for bwrap (`kernel.apparmor_restrict_unprivileged_userns=0`); in a container, run it with user namespaces allowed";
  } else if (platform === "darwin") {
    if (!executable("/usr/bin/sandbox-exec"))
      return { available: false, reason: "/usr/bin/sandbox-exec is missing", fix: "use macOS 10.7 or newer" };
    sandbox = seatbeltSandbox();
    fix = "check that sandbox-exec runs (`sandbox-exec -p '(version 1)(allow default)' /usr/bin/true`)";
  } else {
    return {
      available: false,
      reason: `no sandbox for ${platform}`,
      fix: "run the gateway on Linux (bubblewrap) or macOS (sandbox-exec)",
    };
  }
  const dir = await realpath(await mkdtemp(join(tmpdir(), "wxagent-probe-")));
  try {
    const policy: SandboxPolicy = {
      workspace: dir,
      writable: true,
      network: false,
      hide: [],
      limits: { memoryBytes: 512 * 1024 * 1024, maxProcesses: 32, fileSizeBytes: 1024 * 1024 },
      env: sandboxEnv(env, { home: dir }),
    };
    const w = await sandbox.wrap(policy, ["/bin/sh", "-c", "echo wxagent-sandbox-ok"]);
    try {
      const r = await run(w.file, w.args, w.env);
      if (r.ok && r.out.includes("wxagent-sandbox-ok")) return { available: true, sandbox };
      return { available: false, reason: `${sandbox.description} fails: ${r.out.slice(0, 300)}`, fix };
    } finally {
      await w.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let cached: Promise<SandboxStatus> | undefined;

/** The sandbox of this machine, probed once per process. */
export function systemSandbox(): Promise<SandboxStatus> {
  cached ??= detectSandbox().catch(
    (err: unknown): SandboxStatus => ({
      available: false,
      reason: `the sandbox probe failed: ${messageOf(err)}`,
      fix: INSTALL_FIX_LINUX,
    }),
  );
  return cached;
}

/** A status saying there is no sandbox (tests of the refusal path; `"sandbox": "off"` callers). */
export function noSandbox(reason = "no sandbox on this machine"): SandboxStatus {
  return { available: false, reason, fix: INSTALL_FIX_LINUX };
}
