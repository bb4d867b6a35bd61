/**
 * macOS: a `sandbox-exec` (Seatbelt) profile for a policy. Everything is denied by default;
 * reading is allowed for the system (/usr, /bin, /sbin, /System, /Library, /private/etc,
 * /opt/homebrew, /usr/local), the workspace and the extra paths; writing only for a writable
 * workspace, the private temp directory and the extra write paths; network only when the policy
 * allows it. `$WXAGENT_HOME` and the workspaces root are denied after the allows (in SBPL the
 * last matching rule wins), then the workspace is allowed again on top.
 *
 * Limits: `ulimit -v` (where the kernel accepts it) and `-f`, set by the shell prelude. macOS
 * has no private process namespace: `ulimit -u` would count every process of the user, so the
 * process limit is not enforced there (`enforced.processes` is false; the time limit still
 * kills the whole tree). File metadata (stat) stays readable everywhere, which lookups need;
 * contents and directory listings do not.
 */
import type { SandboxPolicy } from "./policy.js";

const SYSTEM_READ = [
  "/usr",
  "/bin",
  "/sbin",
  "/System",
  "/Library",
  "/private/etc",
  "/private/var/db/timezone",
  "/private/var/db/dyld",
  "/opt/homebrew",
  "/dev",
] as const;

/** A string literal in SBPL (backslash and double quote escaped). */
export function sbplString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const subpath = (p: string) => `(subpath ${sbplString(p)})`;

/** The profile text for `sandbox-exec -p`. `tmp` is the private temp directory of this run. */
export function seatbeltProfile(policy: SandboxPolicy, tmp: string): string {
  const read = [...SYSTEM_READ, ...(policy.readPaths ?? [])];
  const write = [tmp, ...(policy.writePaths ?? [])];
  const lines = [
    "(version 1)",
    "(deny default)",
    "(allow process-exec)",
    "(allow process-fork)",
    "(allow signal (target same-sandbox))",
    "(allow process-info* (target same-sandbox))",
    "(allow sysctl-read)",
    "(allow mach-lookup)",
    "(allow ipc-posix-shm)",
    "(allow ipc-posix-sem)",
    "(allow pseudo-tty)",
    "(allow file-ioctl)",
    // Path lookups stat every component above an allowed path.
    "(allow file-read-metadata)",
    `(allow file-read* ${read.map(subpath).join(" ")})`,
    `(allow file-read* file-write* ${write.map(subpath).join(" ")})`,
    '(allow file-write* (literal "/dev/null") (literal "/dev/tty") (literal "/dev/dtracehelper"))',
  ];
  if (policy.hide.length > 0) {
    lines.push(`(deny file-read* file-write* ${policy.hide.map(subpath).join(" ")})`);
  }
  lines.push(
    policy.writable
      ? `(allow file-read* file-write* ${subpath(policy.workspace)})`
      : `(allow file-read* ${subpath(policy.workspace)})`,
  );
  if (policy.network) lines.push("(allow network*)");
  return `${lines.join("\n")}\n`;
}

/**
 * The shell prelude on macOS: private files, the limits the kernel takes (errors ignored for
 * `-v`, which macOS often refuses), then the command.
 */
export function darwinPrelude(policy: SandboxPolicy): string {
  const parts = ["umask 077"];
  const l = policy.limits;
  if (l.memoryBytes) parts.push(`ulimit -v ${Math.floor(l.memoryBytes / 1024)} 2>/dev/null`);
  if (l.fileSizeBytes) parts.push(`ulimit -f ${Math.floor(l.fileSizeBytes / 512)}`);
  parts.push('exec "$@"');
  return parts.join("; ");
}
