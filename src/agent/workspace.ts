/**
 * Workspace confinement: every path a tool touches is resolved inside the contact's workspace.
 * `..` segments are refused outright, absolute paths only when they already point inside, and
 * symlinks are followed with realpath (the target, or its deepest existing parent) and refused
 * when they lead outside. Shared by the built-in agent and the ACP agent.
 */
import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Contact } from "./types.js";

export type WorkspaceErrorCode = "WORKSPACE_ESCAPE" | "WORKSPACE_BAD_PATH";

export class WorkspaceError extends Error {
  override readonly name = "WorkspaceError";
  readonly isRetryable = false;
  constructor(
    readonly code: WorkspaceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** True when `child` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * The longest path a tool may name (Linux's PATH_MAX). The path comes from the model: without a
 * bound, 4 MB of "x/x/x/…" costs two million realpath and lstat calls on 4 MB strings below
 * (minutes of CPU and of the file-system thread pool every other contact needs).
 */
export const MAX_PATH_CHARS = 4096;

/**
 * Resolve `requested` (relative to the workspace, or absolute inside it) to an absolute path
 * that is inside the workspace after following symlinks. The returned path is the
 * symlink-resolved one, so later file operations act on what was checked.
 */
export async function resolveInWorkspace(root: string, requested: string): Promise<string> {
  if (typeof requested !== "string" || requested.includes("\0")) {
    throw new WorkspaceError("WORKSPACE_BAD_PATH", "invalid path");
  }
  if (requested.length > MAX_PATH_CHARS) {
    throw new WorkspaceError(
      "WORKSPACE_BAD_PATH",
      `the path is ${requested.length} characters long; at most ${MAX_PATH_CHARS} are allowed`,
    );
  }
  const rootReal = await realpath(root);
  const trimmed = requested.trim() === "" ? "." : requested.trim();
  if (trimmed.split(/[\\/]+/).includes("..")) {
    throw new WorkspaceError(
      "WORKSPACE_ESCAPE",
      `path "${requested}" uses "..": paths must stay inside the workspace`,
    );
  }
  let candidate: string;
  if (isAbsolute(trimmed)) {
    candidate = resolve(trimmed);
    // An absolute path is allowed only when it names something inside the workspace (either
    // spelling of the root: as configured, or after realpath).
    const base = isInside(rootReal, candidate)
      ? rootReal
      : isInside(resolve(root), candidate)
        ? resolve(root)
        : undefined;
    if (!base) {
      throw new WorkspaceError("WORKSPACE_ESCAPE", `path "${requested}" is outside the workspace`);
    }
    candidate = join(rootReal, relative(base, candidate));
  } else {
    candidate = resolve(rootReal, trimmed);
  }
  const real = await realpathOfExistingPart(candidate);
  if (!isInside(rootReal, real)) {
    throw new WorkspaceError("WORKSPACE_ESCAPE", `path "${requested}" leads outside the workspace (symlink)`);
  }
  return real;
}

/**
 * realpath of the path if it exists; otherwise realpath of its deepest existing parent joined
 * with the missing rest. A dangling symlink is refused: writing through it would follow it.
 */
async function realpathOfExistingPart(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length ? join(real, ...missing.reverse()) : real;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const link = await lstat(current).catch(() => undefined);
      if (link?.isSymbolicLink()) {
        throw new WorkspaceError("WORKSPACE_ESCAPE", "path is a symlink to a missing target");
      }
      const parent = dirname(current);
      if (parent === current) throw err;
      missing.push(current.slice(parent.length).replace(/^[\\/]+/, ""));
      current = parent;
    }
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** A file-system-safe, collision-free directory name for an id (`abc@im.wechat` → `abc_im.wechat-1a2b3c4d`). */
export function safeSegment(id: string): string {
  // Letters and digits of any script stay (WeChat file names are often Chinese).
  let safe = id.replace(/[^\p{L}\p{N}._-]/gu, "_").replace(/^\.+/, "_");
  if (safe.length > 80) safe = safe.slice(0, 80);
  if (safe === id && safe !== "") return safe;
  const hash = createHash("sha256").update(id).digest("hex").slice(0, 8);
  return `${safe || "_"}-${hash}`;
}

export interface WorkspaceLocation {
  /** `$WXAGENT_HOME`. Workspaces live in `<home>/workspaces/<account>/<user>` by default. */
  home: string;
  /** Overrides `<home>/workspaces` as the parent of per-contact workspaces. */
  root?: string;
  /** The owner's workspace (e.g. a project checkout); default: the per-contact directory. */
  ownerDir?: string;
}

/** The directory of one contact's workspace (not created). */
export function workspaceDirFor(contact: Contact, where: WorkspaceLocation): string {
  if (contact.isOwner && where.ownerDir) return resolve(where.ownerDir);
  const root = where.root ?? join(where.home, "workspaces");
  return resolve(root, safeSegment(contact.accountId), safeSegment(contact.userId));
}

/** Create (if needed) and return a contact's workspace directory, mode 0700. */
export async function ensureWorkspace(contact: Contact, where: WorkspaceLocation): Promise<string> {
  const dir = workspaceDirFor(contact, where);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** A fresh temporary workspace; call `dispose()` in a `finally`. */
export async function createTempWorkspace(
  prefix = "wxagent-turn-",
): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
