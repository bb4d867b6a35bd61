import { describe, expect, it } from "vitest";
import { bwrapArgs, ETC_PATHS, type PathKind, type PathProbe } from "./bwrap.js";
import { prlimitArgv } from "./limits.js";
import { DEFAULT_PATH, type SandboxPolicy, sandboxEnv, UMASK_PRELUDE } from "./policy.js";
import { darwinPrelude, sbplString, seatbeltProfile } from "./seatbelt.js";

const HOME = "/srv/wx";
const WS = "/srv/wx/workspaces/acc/alice";

function policy(over: Partial<SandboxPolicy> = {}): SandboxPolicy {
  return {
    workspace: WS,
    writable: true,
    network: false,
    hide: [HOME, `${HOME}/workspaces`],
    limits: { memoryBytes: 1 << 30, maxProcesses: 64, fileSizeBytes: 1 << 20, tmpBytes: 1 << 24 },
    env: { PATH: "/usr/bin", HOME: WS },
    ...over,
  };
}

/** A merged-/usr Debian: /bin, /lib… are symlinks into /usr; a few /etc entries exist. */
const debian: PathProbe = (p): PathKind => {
  const links: Record<string, string> = {
    "/bin": "usr/bin",
    "/sbin": "usr/sbin",
    "/lib": "usr/lib",
    "/lib64": "usr/lib64",
  };
  if (links[p]) return { type: "symlink", target: links[p] };
  if (["/usr", "/etc/ssl", "/etc/alternatives", "/opt/tool", "/home/u/.claude"].includes(p))
    return { type: "dir" };
  if (["/etc/passwd", "/etc/resolv.conf", "/etc/ld.so.cache"].includes(p)) return { type: "file" };
  return undefined;
};

/** The `flag a b` triples of an argument list, as "flag a b" strings, in order. */
function pairs(args: string[], flag: string): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(`${args[i + 1]} ${args[i + 2]}`);
  });
  return out;
}

describe("sandboxEnv (an allowlist, not a name filter)", () => {
  it("keeps PATH, LANG, LC_*, TERM, TZ; sets HOME to the workspace and TMPDIR; drops everything else", () => {
    const env = sandboxEnv(
      {
        PATH: "/usr/bin:/bin",
        LANG: "C.UTF-8",
        LC_ALL: "C",
        TERM: "xterm",
        TZ: "Asia/Shanghai",
        HOME: "/root",
        GITHUB_PAT: "ghp_pat",
        DB_PASS: "hunter2",
        OPENAI_API_KEY: "sk-1",
        WXAGENT_HOME: "/srv/wx",
        SSH_AUTH_SOCK: "/run/ssh",
        AWS_SESSION: "x",
        MY_HARMLESS_NAME: "sk-secret-under-a-harmless-name",
      },
      { home: WS },
    );
    expect(env).toEqual({
      PATH: "/usr/bin:/bin",
      LANG: "C.UTF-8",
      LC_ALL: "C",
      TERM: "xterm",
      TZ: "Asia/Shanghai",
      HOME: WS,
      TMPDIR: "/tmp",
    });
  });

  it("gives a default PATH, and explicit extra variables win", () => {
    expect(sandboxEnv({}, { home: WS }).PATH).toBe(DEFAULT_PATH);
    expect(
      sandboxEnv({ PATH: "/x" }, { home: WS, extra: { PATH: "/y", ANTHROPIC_API_KEY: "k" } }),
    ).toMatchObject({
      PATH: "/y",
      ANTHROPIC_API_KEY: "k",
    });
  });
});

describe("bwrapArgs", () => {
  it("unshares every namespace (network too), drops capabilities and dies with its parent", () => {
    const args = bwrapArgs(policy(), ["/bin/sh", "-c", "ls"], { probe: debian });
    for (const f of [
      "--unshare-all",
      "--unshare-user",
      "--die-with-parent",
      "--new-session",
      "--disable-userns",
    ])
      expect(args).toContain(f);
    expect(args.join(" ")).toContain("--cap-drop ALL");
    expect(args).not.toContain("--share-net");
    expect(bwrapArgs(policy({ network: true }), ["/bin/true"], { probe: debian })).toContain("--share-net");
  });

  it("mounts the system read-only (symlinks as symlinks), only chosen /etc entries, /proc, /dev and a private /tmp", () => {
    const args = bwrapArgs(policy(), ["/bin/true"], { probe: debian, tmpSize: true });
    const ro = pairs(args, "--ro-bind");
    expect(ro).toContain("/usr /usr");
    expect(ro).toContain("/etc/passwd /etc/passwd");
    expect(ro).toContain("/etc/ssl /etc/ssl");
    expect(ro.some((r) => r.startsWith("/etc "))).toBe(false);
    expect(ro.some((r) => r.includes("shadow"))).toBe(false);
    expect(ETC_PATHS).not.toContain("/etc/shadow");
    expect(pairs(args, "--symlink")).toContain("usr/bin /bin");
    expect(args.join(" ")).toContain("--proc /proc --dev /dev --size 16777216 --tmpfs /tmp");
    // Missing paths are skipped, not passed (bwrap would fail on them).
    expect(args.join(" ")).not.toContain("/lib32");
    // The resolver's run dir only with network.
    expect(args.join(" ")).not.toContain("/run/systemd/resolve");
  });

  it("binds only the workspace, read-write or read-only, and runs there through the umask prelude", () => {
    const rw = bwrapArgs(policy(), ["/bin/sh", "-c", "echo hi"], { probe: debian });
    expect(pairs(rw, "--bind")).toEqual([`${WS} ${WS}`]);
    const end = rw.slice(rw.indexOf("--"));
    expect(end).toEqual([
      "--",
      "/bin/sh",
      "-c",
      UMASK_PRELUDE,
      "wxagent-sandbox",
      "/bin/sh",
      "-c",
      "echo hi",
    ]);
    expect(rw.join(" ")).toContain(`--chdir ${WS} --`);
    const ro = bwrapArgs(policy({ writable: false }), ["/bin/true"], { probe: debian });
    expect(pairs(ro, "--bind")).toEqual([]);
    expect(pairs(ro, "--ro-bind")).toContain(`${WS} ${WS}`);
    expect(UMASK_PRELUDE).toBe('umask 077 && exec "$@"');
  });

  it("never mounts $WXAGENT_HOME: not bound at all, and covered when an extra path would show it", () => {
    const plain = bwrapArgs(policy(), ["/bin/true"], { probe: debian });
    expect(plain.filter((a) => a === HOME)).toEqual([]);
    // An extra read path that contains the home (say the user's whole home dir) shows it: covered
    // with an empty tmpfs before the workspace goes back on top.
    const wide: PathProbe = (p) => (p === "/srv" ? { type: "dir" } : debian(p));
    const args = bwrapArgs(policy({ readPaths: ["/srv"] }), ["/bin/true"], { probe: wide });
    const at = (x: string) => args.join("\u0000").split("\u0000").indexOf(x);
    expect(args.join(" ")).toContain(`--tmpfs ${HOME}`);
    expect(args.join(" ")).toContain(`--tmpfs ${HOME}/workspaces`);
    expect(at(`${HOME}/workspaces`)).toBeLessThan(args.lastIndexOf(WS));
    expect(args.indexOf("/srv")).toBeLessThan(at(HOME));
  });

  it("covers a hidden path inside the workspace after binding it (an owner's workspace holding the home)", () => {
    const owner = "/srv";
    const args = bwrapArgs(policy({ workspace: owner }), ["/bin/true"], { probe: debian });
    const bind = args.indexOf("--bind");
    expect(args[bind + 1]).toBe(owner);
    const tmpfsHome = args.findIndex((a, i) => a === "--tmpfs" && args[i + 1] === HOME);
    expect(tmpfsHome).toBeGreaterThan(bind);
  });

  it("extra paths: read-only and read-write as asked; never one inside a hidden path", () => {
    const args = bwrapArgs(
      policy({ readPaths: ["/opt/tool", `${HOME}/config.json`], writePaths: ["/home/u/.claude", `${HOME}`] }),
      ["/bin/true"],
      { probe: (p) => (p.startsWith(HOME) ? { type: "file" } : debian(p)) },
    );
    expect(pairs(args, "--ro-bind")).toContain("/opt/tool /opt/tool");
    expect(pairs(args, "--bind")).toContain("/home/u/.claude /home/u/.claude");
    expect(args).not.toContain(`${HOME}/config.json`);
    expect(pairs(args, "--bind").filter((b) => b.startsWith(`${HOME} `))).toEqual([]);
  });

  it("puts the limits inside the sandbox, before the prelude", () => {
    const lim = prlimitArgv("/usr/bin/prlimit", policy().limits, true);
    expect(lim).toEqual(["/usr/bin/prlimit", `--data=${1 << 30}`, `--fsize=${1 << 20}`, "--nproc=64", "--"]);
    expect(prlimitArgv("/usr/bin/prlimit", policy().limits, false)).not.toContain("--nproc=64");
    expect(prlimitArgv("/usr/bin/prlimit", {}, true)).toEqual([]);
    const args = bwrapArgs(policy(), ["/bin/true"], { probe: debian, limitArgv: lim });
    expect(args.slice(args.indexOf("--") + 1, args.indexOf("--") + 3)).toEqual([
      "/usr/bin/prlimit",
      `--data=${1 << 30}`,
    ]);
  });
});

describe("seatbeltProfile (macOS)", () => {
  const tmp = "/private/var/folders/xy/T/wxagent-sbx-1";

  it("denies by default, reads the system, writes only the workspace and its temp dir, no network", () => {
    const text = seatbeltProfile(policy(), tmp);
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("(version 1)");
    expect(lines[1]).toBe("(deny default)");
    expect(text).toContain(
      '(allow file-read* (subpath "/usr") (subpath "/bin") (subpath "/sbin") (subpath "/System")',
    );
    expect(text).toContain(`(allow file-read* file-write* (subpath "${tmp}"))`);
    expect(lines.at(-1)).toBe(`(allow file-read* file-write* (subpath "${WS}"))`);
    expect(text).not.toContain("network");
    expect(text).not.toMatch(/\(allow file-read\*[^\n]*"\/Users"/);
  });

  it("denies $WXAGENT_HOME and the workspaces root after the allows, then allows the workspace on top", () => {
    const lines = seatbeltProfile(policy({ readPaths: ["/Users/u"] }), tmp)
      .trim()
      .split("\n");
    const deny = lines.findIndex((l) => l.startsWith("(deny file-read* file-write*"));
    const allowHome = lines.findIndex((l) => l.includes('"/Users/u"'));
    const ws = lines.findIndex((l) => l.includes(`"${WS}"`));
    expect(lines[deny]).toBe(
      `(deny file-read* file-write* (subpath "${HOME}") (subpath "${HOME}/workspaces"))`,
    );
    expect(allowHome).toBeLessThan(deny);
    expect(deny).toBeLessThan(ws);
  });

  it("a read-only workspace is read-only; network only when allowed; quotes are escaped", () => {
    const ro = seatbeltProfile(policy({ writable: false, network: true }), tmp);
    expect(ro).toContain(`(allow file-read* (subpath "${WS}"))`);
    expect(ro).not.toContain(`file-write* (subpath "${WS}")`);
    expect(ro).toContain("(allow network*)");
    expect(sbplString('/a "b"\\c')).toBe('"/a \\"b\\"\\\\c"');
    const evil = seatbeltProfile(policy({ workspace: '/w") (allow default) ("' }), tmp);
    expect(evil).not.toContain("(allow default)\n");
    expect(evil).toContain('(subpath "/w\\") (allow default) (\\"")');
  });

  it("the prelude sets umask 077 and the limits macOS takes, then execs the command", () => {
    const p = darwinPrelude(policy());
    expect(p.startsWith("umask 077; ")).toBe(true);
    expect(p).toContain(`ulimit -v ${(1 << 30) / 1024}`);
    expect(p).toContain(`ulimit -f ${(1 << 20) / 512}`);
    expect(p.endsWith('exec "$@"')).toBe(true);
  });
});
