/**
 * Opening files inside a workspace, one mechanism for every layer (built-in tools, ACP file
 * requests, the gateway's media). The path is confined first (confine.ts); then the file is opened
 * without following a final symlink planted since (O_NOFOLLOW) and without blocking on a FIFO
 * (O_NONBLOCK), and the opened file itself is checked (fstat): a regular file with more than one
 * name (nlink > 1) is refused, because a hard link passes every path check while its other name
 * may be outside the workspace (`ln ~/.wxagent/admin-token notes.txt`). A write never truncates
 * before that check. What is created is private: files 0600, folders 0700. Refusals name the
 * path relative to the workspace, never where the workspace lives on the host.
 */
import { constants, type Stats } from "node:fs";
import { copyFile, type FileHandle, mkdir, open, realpath, unlink } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { isNotFound, resolveInWorkspace, WorkspaceError } from "./confine.js";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;
const READ_FLAGS = constants.O_RDONLY | NOFOLLOW | NONBLOCK;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | NOFOLLOW | NONBLOCK;

export const HARD_LINK_REFUSAL =
  "is a hard link (the same file under another name, which may be outside the workspace); a hard-linked file cannot be read or written through the workspace";

/** The name of a resolved path as the workspace sees it (`notes/a.txt`, `.`). */
async function shownName(root: string, path: string): Promise<string> {
  const rootReal = await realpath(root).catch(() => root);
  return relative(rootReal, path) || ".";
}

/** Refuse what was opened unless it is a regular file with one name. */
export function checkOpenedFile(st: Stats, shown: string): void {
  if (st.isDirectory()) throw new WorkspaceError("WORKSPACE_NOT_A_FILE", `${shown} is a directory`);
  if (!st.isFile()) throw new WorkspaceError("WORKSPACE_NOT_A_FILE", `${shown} is not a regular file`);
  if (st.nlink > 1) throw new WorkspaceError("WORKSPACE_HARD_LINK", `${shown} ${HARD_LINK_REFUSAL}`);
}

/** A file-system error as a refusal that names `shown` (Node's own messages carry the host path). */
export function fsRefusal(err: unknown, shown: string): Error {
  if (err instanceof WorkspaceError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string") return err instanceof Error ? err : new Error(String(err));
  if (isNotFound(err))
    return new WorkspaceError("WORKSPACE_NOT_FOUND", `${shown} does not exist in the workspace`);
  switch (code) {
    case "ELOOP":
      return new WorkspaceError("WORKSPACE_ESCAPE", `${shown} is a symlink now; it was not followed`);
    case "EISDIR":
      return new WorkspaceError("WORKSPACE_NOT_A_FILE", `${shown} is a directory`);
    case "ENXIO":
    case "EEXIST":
      return new WorkspaceError("WORKSPACE_NOT_A_FILE", `${shown} is not a regular file`);
    case "EACCES":
    case "EPERM":
      return new WorkspaceError("WORKSPACE_BAD_PATH", `${shown} cannot be opened: permission denied`);
    default:
      return new WorkspaceError("WORKSPACE_BAD_PATH", `${shown} could not be used (${code})`);
  }
}

export interface OpenedWorkspaceFile {
  handle: FileHandle;
  /** The real path (inside the workspace). */
  path: string;
  /** How the workspace names it, for messages. */
  shown: string;
  stat: Stats;
}

/**
 * Open a path already resolved inside the workspace (a walk's entry, say) for reading and check
 * what was opened; `shown` names it in refusals. Close `handle` when done.
 */
export async function openChecked(path: string, shown: string): Promise<{ handle: FileHandle; stat: Stats }> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (err) {
    throw fsRefusal(err, shown);
  }
  try {
    const stat = await handle.stat();
    checkOpenedFile(stat, shown);
    return { handle, stat };
  } catch (err) {
    await handle.close();
    throw fsRefusal(err, shown);
  }
}

/** Open an existing regular file of the workspace for reading; close `handle` when done. */
export async function openInWorkspace(root: string, requested: string): Promise<OpenedWorkspaceFile> {
  const path = await resolveInWorkspace(root, requested);
  const shown = await shownName(root, path);
  return { ...(await openChecked(path, shown)), path, shown };
}

/** The first `maxBytes` of a workspace file (all of it when it fits), with its full size. */
export async function readInWorkspace(
  root: string,
  requested: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<{ bytes: Buffer; size: number; path: string; shown: string }> {
  const f = await openInWorkspace(root, requested);
  try {
    const want = Math.min(f.stat.size, maxBytes);
    const bytes = Buffer.alloc(want);
    const { bytesRead } = await f.handle.read(bytes, 0, want, 0);
    return { bytes: bytes.subarray(0, bytesRead), size: f.stat.size, path: f.path, shown: f.shown };
  } finally {
    await f.handle.close();
  }
}

/**
 * Create the folder (and its parents) inside the workspace, 0700, and return its real path. It is
 * resolved again afterwards: a parent swapped for a symlink meanwhile is refused.
 */
export async function mkdirInWorkspace(root: string, requested: string): Promise<string> {
  const path = await resolveInWorkspace(root, requested);
  const shown = await shownName(root, path);
  try {
    await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new WorkspaceError("WORKSPACE_NOT_A_FILE", `${shown} is a file, not a folder`);
    }
    throw fsRefusal(err, shown);
  }
  if ((await resolveInWorkspace(root, path)) !== path) {
    throw new WorkspaceError("WORKSPACE_ESCAPE", `${shown} changed into a symlink while it was made`);
  }
  return path;
}

/**
 * Create or overwrite a workspace file with `data`; a new file is 0600 (an existing one keeps its
 * mode). Nothing is truncated before the opened file has passed `checkOpenedFile`.
 */
export async function writeInWorkspace(
  root: string,
  requested: string,
  data: string | Uint8Array,
): Promise<{ path: string; shown: string }> {
  const path = await resolveInWorkspace(root, requested);
  const shown = await shownName(root, path);
  await mkdirInWorkspace(root, dirname(path));
  let handle: FileHandle;
  try {
    handle = await open(path, WRITE_FLAGS, PRIVATE_FILE_MODE);
  } catch (err) {
    throw fsRefusal(err, shown);
  }
  try {
    checkOpenedFile(await handle.stat(), shown);
    await handle.truncate(0);
    await handle.writeFile(data);
  } catch (err) {
    throw fsRefusal(err, shown);
  } finally {
    await handle.close();
  }
  return { path, shown };
}

/**
 * Copy `source` (a file of wxagent's own, e.g. in the media directory) to `requested` in the
 * workspace, copy-on-write where the file system can. `exclusive`: an existing name fails with
 * EEXIST (the caller picks another). `replace`: an existing file's name is removed first, so a
 * hard link there loses its name and its other name is left untouched. The copy ends up 0600.
 */
export async function copyIntoWorkspace(
  root: string,
  source: string,
  requested: string,
  mode: "exclusive" | "replace",
): Promise<string> {
  const path = await resolveInWorkspace(root, requested);
  const shown = await shownName(root, path);
  await mkdirInWorkspace(root, dirname(path));
  if (mode === "replace") {
    await unlink(path).catch((err: unknown) => {
      if (!isNotFound(err)) throw fsRefusal(err, shown);
    });
  }
  // EXCL: the new name is created here, never opened through a link planted since. EEXIST is
  // passed on as it is (callers that number names look for it).
  await copyFile(source, path, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE).catch((err: unknown) => {
    throw (err as NodeJS.ErrnoException).code === "EEXIST" ? err : fsRefusal(err, shown);
  });
  // copyFile gives the copy the source's mode; make it private through the file just made.
  const handle = await open(path, READ_FLAGS).catch(() => undefined);
  if (handle) {
    try {
      const st = await handle.stat();
      if (st.isFile() && st.nlink === 1) await handle.chmod(PRIVATE_FILE_MODE);
    } finally {
      await handle.close();
    }
  }
  return path;
}
