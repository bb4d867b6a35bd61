/**
 * Workspace confinement: every path a tool touches is resolved inside the contact's workspace.
 * `..` segments are refused outright, absolute paths only when they already point inside, and
 * symlinks are followed with realpath (the target, or its deepest existing parent) and refused
 * when they lead outside. A hard link passes every path check (it is an ordinary name inside), so
 * what is opened is checked again by files.ts. Used by the built-in agent, the ACP agent and the
 * gateway's media paths.
 */
import { lstat, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { isInside } from "../sandbox/paths.js";
import { WxError } from "../wx-error.js";

export { isInside };

export type WorkspaceErrorCode =
  | "WORKSPACE_ESCAPE"
  | "WORKSPACE_BAD_PATH"
  /** A regular file with more than one name: its other name may be outside the workspace. */
  | "WORKSPACE_HARD_LINK"
  /** Nothing by that name in the workspace. */
  | "WORKSPACE_NOT_FOUND"
  /** A directory, FIFO, socket or device where a regular file was wanted (or the reverse). */
  | "WORKSPACE_NOT_A_FILE";

export class WorkspaceError extends WxError<WorkspaceErrorCode> {
  override readonly name = "WorkspaceError";
}

/**
 * Resolve `requested` (relative to the workspace, or absolute inside it) to an absolute path
 * that is inside the workspace after following symlinks. The returned path is the
 * symlink-resolved one, so later file operations act on what was checked.
 */
/**
 * The longest path a tool may name (Linux's PATH_MAX). The path comes from the model: without a
 * bound, 4 MB of "x/x/x/…" costs two million realpath and lstat calls on 4 MB strings below
 * (minutes of CPU and of the file-system thread pool every other contact needs).
 */
export const MAX_PATH_CHARS = 4096;

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

export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
