/**
 * Where wxagent keeps its data: `$WXAGENT_HOME`, default `~/.wxagent`. The home holds the
 * database (with bot tokens) and the admin token, so it is mode 0700, whatever the umask.
 */
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { messageOf } from "../shared/wx-error.js";
import { StoreError } from "./errors.js";

export interface HomePaths {
  home: string;
  dbPath: string;
  configPath: string;
  mediaDir: string;
  workspacesDir: string;
  logsDir: string;
  locksDir: string;
  adminTokenPath: string;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.WXAGENT_HOME?.trim();
  return resolve(fromEnv ? fromEnv : join(homedir(), ".wxagent"));
}

export function homePaths(home: string): HomePaths {
  const h = resolve(home);
  return {
    home: h,
    dbPath: join(h, "wxagent.db"),
    configPath: join(h, "config.json"),
    mediaDir: join(h, "media"),
    workspacesDir: join(h, "workspaces"),
    logsDir: join(h, "logs"),
    locksDir: join(h, "locks"),
    adminTokenPath: join(h, "admin-token"),
  };
}

/**
 * Create the home and its subdirectories (all 0700) and return their paths. Idempotent. Throws
 * `HOME_UNUSABLE`, naming the path in the way, when it cannot be a directory we write to.
 */
export function ensureHome(dir: string): HomePaths {
  const p = homePaths(dir);
  for (const d of [p.home, p.mediaDir, p.workspacesDir, p.logsDir, p.locksDir]) {
    try {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      // mkdir's mode is filtered by the umask and ignored for existing dirs: set it explicitly.
      chmodSync(d, 0o700);
    } catch (err) {
      throw unusableHome(p.home, whyNot(d, err), err);
    }
  }
  return p;
}

/**
 * The home as it is, creating nothing (for commands that only read): undefined when it does not
 * exist; `HOME_UNUSABLE` when something that is not a directory stands there.
 */
export function existingHome(dir: string): HomePaths | undefined {
  const p = homePaths(dir);
  const file = fileInTheWay(p.home);
  if (file !== undefined) throw unusableHome(p.home, `${file} is a file, not a directory`);
  return statOf(p.home) ? p : undefined;
}

function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The nearest existing path at or above `path` when it is not a directory. */
function fileInTheWay(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    const st = statOf(p);
    if (st) return st.isDirectory() ? undefined : p;
    if (dirname(p) === p) return undefined;
  }
}

/** Why `dir` could not be made, in words (not Node's `EEXIST: file already exists, mkdir …`). */
function whyNot(dir: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const file = code === "EEXIST" || code === "ENOTDIR" ? fileInTheWay(dir) : undefined;
  if (file) return `${file} is a file, not a directory`;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS")
    return `${dir} cannot be created or changed (${code})`;
  return `${dir} cannot be created (${messageOf(err)})`;
}

function unusableHome(home: string, why: string, cause?: unknown): StoreError {
  return new StoreError(
    "HOME_UNUSABLE",
    `${home} cannot hold wxagent's data: ${why}; set WXAGENT_HOME to a directory you can write (it is created if missing)`,
    cause === undefined ? undefined : { cause },
  );
}
