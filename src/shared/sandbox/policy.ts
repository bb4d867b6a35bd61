/**
 * What a sandboxed process may reach, as data: one workspace (read-write or read-only), the
 * system read-only, optional extra paths, network on or off, limits, and an environment built
 * from an allowlist. The Linux (bubblewrap) and macOS (sandbox-exec) backends both read this.
 *
 * Why our own wrapper and not `@anthropic-ai/sandbox-runtime`: that package needs Node >= 22.12
 * and this project runs on Node 20 with engine-strict, so a small wrapper lives here instead.
 */

export interface SandboxLimits {
  /**
   * Memory of each process: RLIMIT_DATA on Linux (heap and private mappings, not address-space
   * reservations, so WebAssembly and JITs still start, which RLIMIT_AS at 2 GiB breaks).
   */
  memoryBytes?: number;
  /** Processes the sandbox may have at once (RLIMIT_NPROC in its user namespace, or a pids cgroup for root). */
  maxProcesses?: number;
  /** Largest file it may write (RLIMIT_FSIZE). */
  fileSizeBytes?: number;
  /** Size of its private /tmp (bubblewrap >= 0.5). */
  tmpBytes?: number;
}

export interface SandboxPolicy {
  /** The directory the process runs in, visible at the same path (absolute). */
  workspace: string;
  /** Whether the workspace is writable (false: read-only). */
  writable: boolean;
  /** Whether the process may open network connections (loopback included). */
  network: boolean;
  /** Extra paths visible read-only (a tool's installation, say). Missing ones are skipped. */
  readPaths?: readonly string[];
  /** Extra paths visible read-write (an ACP agent's login dir, say). Missing ones are skipped. */
  writePaths?: readonly string[];
  /**
   * Paths that stay invisible even when a visible path contains them: `$WXAGENT_HOME` and the
   * workspaces root (the workspace itself is mounted back on top when it lies inside).
   */
  hide: readonly string[];
  limits: SandboxLimits;
  /** The complete environment of the process (see `sandboxEnv`). */
  env: Record<string, string>;
}

/** Variables copied from the gateway's environment into a sandbox; everything else is dropped. */
export const ENV_ALLOWLIST = ["PATH", "LANG", "LANGUAGE", "TERM", "TZ"] as const;
const LOCALE = /^LC_[A-Z]+$/;
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface SandboxEnvOptions {
  /** `HOME` inside (run_command: the workspace). */
  home: string;
  /** `TMPDIR` inside (default `/tmp`, private to the sandbox on Linux). */
  tmp?: string;
  /** Variables given explicitly (e.g. the ACP config's `env`); they win over the allowlist. */
  extra?: Readonly<Record<string, string>>;
}

/**
 * The environment of a sandboxed process: PATH, LANG, LANGUAGE, LC_*, TERM, TZ from `env`, then
 * HOME and TMPDIR, then `extra`. An allowlist, unlike the old name filter: a secret under any
 * name (`GITHUB_PAT`, `DB_PASS`, …) is simply not copied.
 */
export function sandboxEnv(env: NodeJS.ProcessEnv, options: SandboxEnvOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if ((ENV_ALLOWLIST as readonly string[]).includes(k) || LOCALE.test(k)) out[k] = v;
  }
  if (!out.PATH) out.PATH = DEFAULT_PATH;
  out.HOME = options.home;
  out.TMPDIR = options.tmp ?? "/tmp";
  Object.assign(out, options.extra ?? {});
  return out;
}

/** The process to start in place of the original command line. */
export interface WrappedCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Frees what the wrap set up (a pids cgroup, a temp dir); call after the process has exited. */
  dispose(): Promise<void>;
}

/** The sandbox found on this machine. */
export interface Sandbox {
  readonly kind: "bwrap" | "sandbox-exec";
  /** e.g. "bubblewrap 0.8.0 (/usr/bin/bwrap)". */
  readonly description: string;
  /** Which limits hold here (the process limit does not for root without a pids cgroup). */
  readonly enforced: { memory: boolean; processes: boolean };
  /** The command line that runs `argv` (absolute program first) under `policy`. */
  wrap(policy: SandboxPolicy, argv: readonly string[]): Promise<WrappedCommand>;
}

export type SandboxStatus =
  | { available: true; sandbox: Sandbox }
  | { available: false; reason: string; fix: string };

/** The shell prelude inside: private files (umask 077), then the command itself. */
export const UMASK_PRELUDE = 'umask 077 && exec "$@"';
