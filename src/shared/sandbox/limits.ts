/**
 * Resource limits of a sandboxed process tree. Memory (RLIMIT_DATA) and file size are rlimits set inside the
 * sandbox with util-linux `prlimit`. The process limit is RLIMIT_NPROC, set inside the sandbox's
 * user namespace so it counts only the sandbox's processes; the kernel does not apply it to root,
 * so a gateway running as root gets a pids cgroup instead when one is writable (cgroup v1
 * `pids` hierarchy, or a cgroup v2 directory that delegates `pids`).
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SandboxLimits } from "./policy.js";

export const PRLIMIT_PATHS = ["/usr/bin/prlimit", "/bin/prlimit"] as const;

/** `prlimit --data=… --fsize=… [--nproc=…] --` (prepended to the command inside the sandbox). */
export function prlimitArgv(prlimit: string, limits: SandboxLimits, nproc: boolean): string[] {
  const out = [prlimit];
  if (limits.memoryBytes) out.push(`--data=${limits.memoryBytes}`);
  if (limits.fileSizeBytes) out.push(`--fsize=${limits.fileSizeBytes}`);
  if (nproc && limits.maxProcesses) out.push(`--nproc=${limits.maxProcesses}`);
  if (out.length === 1) return [];
  out.push("--");
  return out;
}

export interface PidsCgroup {
  /** Write a pid here to move it (and what it forks later) into the cgroup. */
  procsFile: string;
  dispose(): Promise<void>;
}

let counter = 0;

/** Where this process's pids cgroup can be made, if anywhere (root only; probed once). */
export function pidsCgroupParent(
  cgroupRoot = "/sys/fs/cgroup",
  self = "/proc/self/cgroup",
): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync(self, "utf8").split("\n");
  } catch {
    return undefined;
  }
  const candidates: string[] = [];
  for (const line of lines) {
    const [, controllers, path] = line.split(":");
    if (controllers === undefined || path === undefined) continue;
    if (controllers.split(",").includes("pids")) candidates.push(join(cgroupRoot, "pids", path));
    if (controllers === "") {
      // cgroup v2: usable when this cgroup hands the pids controller to its children.
      const dir = join(cgroupRoot, path);
      try {
        if (readFileSync(join(dir, "cgroup.subtree_control"), "utf8").split(/\s+/).includes("pids"))
          candidates.push(dir);
      } catch {
        // not a v2 mount here
      }
    }
  }
  for (const dir of candidates) {
    const probe = join(dir, `wxagent-probe-${process.pid}`);
    try {
      mkdirSync(probe);
      rmdirSync(probe);
      return dir;
    } catch {
      // not writable
    }
  }
  return undefined;
}

/** A fresh pids cgroup under `parent` holding at most `max` processes. */
export function createPidsCgroup(parent: string, max: number): PidsCgroup {
  const dir = join(parent, `wxagent-${process.pid}-${++counter}`);
  mkdirSync(dir);
  try {
    writeFileSync(join(dir, "pids.max"), String(max));
  } catch (err) {
    rmdirSync(dir);
    throw err;
  }
  return {
    procsFile: join(dir, "cgroup.procs"),
    async dispose() {
      // The cgroup empties a moment after the tree's last process is reaped.
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(dir);
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
  };
}

/** `sh -c 'echo $$ > procs && exec "$@"'`: joins the cgroup before bwrap forks anything. */
export function cgroupJoinArgv(procsFile: string): string[] {
  return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', procsFile];
}
