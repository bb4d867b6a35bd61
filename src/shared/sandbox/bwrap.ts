/**
 * Linux: the bubblewrap command line for a policy. The root is an empty tmpfs; onto it go the
 * system directories read-only, a chosen part of /etc, a fresh /proc, a minimal /dev, a private
 * /tmp, the extra paths, and the workspace. Every namespace is unshared (network too, unless the
 * policy allows it), capabilities are dropped, and the sandbox dies with its parent.
 */
import { lstatSync, readlinkSync } from "node:fs";
import { isInside } from "./paths.js";
import { type SandboxPolicy, UMASK_PRELUDE } from "./policy.js";

/** How a path looks on the host: a directory or file, a symlink (to `target`), or missing. */
export type PathKind = { type: "dir" | "file" } | { type: "symlink"; target: string } | undefined;
export type PathProbe = (path: string) => PathKind;

export const hostPathProbe: PathProbe = (path) => {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return { type: "symlink", target: readlinkSync(path) };
    return { type: st.isDirectory() ? "dir" : "file" };
  } catch {
    return undefined;
  }
};

/** System directories, read-only (on merged-/usr systems /bin, /lib… are symlinks, kept as such). */
export const SYSTEM_PATHS = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/nix/store",
] as const;

/**
 * What of /etc a command needs (users and groups without passwords, the dynamic linker, locale
 * and time zone, TLS roots, name resolution, Debian's alternatives), never all of it: /etc holds
 * shadow, ssh host keys and service credentials.
 */
export const ETC_PATHS = [
  "/etc/alternatives",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/localtime",
  "/etc/timezone",
  "/etc/locale.alias",
  "/etc/nsswitch.conf",
  "/etc/passwd",
  "/etc/group",
  "/etc/hosts",
  "/etc/host.conf",
  "/etc/resolv.conf",
  "/etc/gai.conf",
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/pki",
  "/etc/crypto-policies",
  "/etc/os-release",
  "/etc/debian_version",
  "/etc/mime.types",
  "/etc/magic",
  "/etc/profile",
  "/etc/bash.bashrc",
  "/etc/inputrc",
  "/etc/terminfo",
  "/etc/gitconfig",
  "/etc/npmrc",
  "/etc/python3",
] as const;

/** Where systemd-resolved keeps the resolv.conf that /etc/resolv.conf points to (network only). */
const RESOLVER_PATHS = ["/run/systemd/resolve"] as const;

export interface BwrapOptions {
  /** Pass `--size` for /tmp (bubblewrap >= 0.5). */
  tmpSize?: boolean;
  probe?: PathProbe;
}

/** Bind a host path read-only or read-write at the same place; symlinks are recreated as symlinks. */
function mount(out: string[], path: string, kind: PathKind, writable: boolean): void {
  if (!kind) return;
  if (kind.type === "symlink") out.push("--symlink", kind.target, path);
  else out.push(writable ? "--bind" : "--ro-bind", path, path);
}

/**
 * The bwrap arguments (without the program name) that run `argv` under `policy`. The program
 * is run through `/bin/sh -c 'umask 077 && exec "$@"'` so files it creates are private; limits
 * are applied inside (see limits.ts) because RLIMIT_NPROC then counts only the sandbox's own
 * processes (its user namespace), not every process of the gateway's user.
 */
export function bwrapArgs(
  policy: SandboxPolicy,
  argv: readonly string[],
  options: BwrapOptions & { limitArgv?: readonly string[] } = {},
): string[] {
  const probe = options.probe ?? hostPathProbe;
  const out: string[] = [
    "--unshare-all",
    "--unshare-user",
    ...(policy.network ? ["--share-net"] : []),
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--disable-userns",
  ];
  for (const p of SYSTEM_PATHS) mount(out, p, probe(p), false);
  for (const p of ETC_PATHS) mount(out, p, probe(p), false);
  if (policy.network) for (const p of RESOLVER_PATHS) mount(out, p, probe(p), false);
  out.push("--proc", "/proc", "--dev", "/dev");
  if (options.tmpSize && policy.limits.tmpBytes) out.push("--size", String(policy.limits.tmpBytes));
  out.push("--tmpfs", "/tmp");
  const visible: string[] = [...SYSTEM_PATHS];
  // An extra path inside a hidden one (a "login dir" under $WXAGENT_HOME) is never mounted.
  const extras = (paths: readonly string[] | undefined) =>
    (paths ?? []).filter((p) => !policy.hide.some((h) => isInside(h, p)));
  for (const [paths, writable] of [
    [extras(policy.readPaths), false],
    [extras(policy.writePaths), true],
  ] as const) {
    for (const p of paths) {
      const kind = probe(p);
      if (kind) visible.push(p);
      mount(out, p, kind, writable);
    }
  }
  // A hidden path that holds the workspace is covered before the workspace goes on top; one
  // inside the workspace (an owner's workspace that contains $WXAGENT_HOME) after it.
  const before = policy.hide.filter((h) => isInside(h, policy.workspace));
  const after = policy.hide.filter((h) => !before.includes(h));
  for (const h of before) if (visible.some((v) => isInside(v, h))) out.push("--tmpfs", h);
  out.push(policy.writable ? "--bind" : "--ro-bind", policy.workspace, policy.workspace);
  visible.push(policy.workspace);
  for (const h of after) if (visible.some((v) => isInside(v, h))) out.push("--tmpfs", h);
  out.push("--chdir", policy.workspace, "--");
  out.push(...(options.limitArgv ?? []), "/bin/sh", "-c", UMASK_PRELUDE, "wxagent-sandbox", ...argv);
  return out;
}
