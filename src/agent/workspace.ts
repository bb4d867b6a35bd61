/**
 * Where each contact's workspace lives, and the confinement rules every tool obeys (those live in
 * src/shared/workspace, shared with the gateway's media paths, and are re-exported here).
 *
 * Folder names: `<workspaces>/<account>/<user>`, each segment `idFolderName(id)`: the id's
 * readable part and a hash of the exact id, so two ids never share a folder (see README,
 * "Workspaces"). Folders named by the rule before it (an id with nothing to replace was used as
 * it stood) are renamed at start by `migrateWorkspaceFolders`.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PRIVATE_DIR_MODE } from "../shared/workspace/index.js";
import type { Contact } from "./types.js";

export {
  isInside,
  MAX_PATH_CHARS,
  resolveInWorkspace,
  WorkspaceError,
  type WorkspaceErrorCode,
} from "../shared/workspace/index.js";

const UNSAFE = /[^\p{L}\p{N}._-]/gu;
const HASH_HEX = 8;
const MAX_READABLE = 80;

function shortHash(id: string): string {
  return createHash("sha256").update(id).digest("hex").slice(0, HASH_HEX);
}

/** The id with what a file name cannot hold replaced, at most 80 code points. */
function readablePart(id: string): string {
  return id.replace(UNSAFE, "_").replace(/^\.+/, "_").slice(0, MAX_READABLE);
}

/** A file-system-safe name for a file name (`a b.txt` → `a_b.txt-1a2b3c4d`); unchanged when already safe. */
export function safeSegment(id: string): string {
  // Letters and digits of any script stay (WeChat file names are often Chinese).
  const safe = readablePart(id);
  if (safe === id && safe !== "") return safe;
  return `${safe || "_"}-${shortHash(id)}`;
}

/**
 * The folder name of an account or user id: `abc@im.wechat` → `abc_im.wechat-1a2b3c4d`. Always
 * the readable part, `-`, and 8 hex digits of the SHA-256 of the exact id. Two names agree only
 * when the readable parts agree (the hash has a fixed length) and so do the hashes: distinct ids
 * that read alike (`a@b`, `a#b`, `A@b` on a case-blind disk) differ in the hash, and no id can
 * take another's name by being spelled like it (`abc_im.wechat-1a2b3c4d` as an id gets a hash of
 * its own). Ids with `@` (every WeChat id) keep the names the rule before this one gave them.
 */
export function idFolderName(id: string): string {
  return `${readablePart(id) || "_"}-${shortHash(id)}`;
}

export interface WorkspaceLocation {
  /** `$WXAGENT_HOME`. Workspaces live in `<home>/workspaces/<account>/<user>` by default. */
  home: string;
  /** Overrides `<home>/workspaces` as the parent of per-contact workspaces. */
  root?: string;
  /** The owner's workspace (e.g. a project checkout); default: the per-contact directory. */
  ownerDir?: string;
}

/** The parent of per-contact workspaces. */
export function workspacesRootOf(where: WorkspaceLocation): string {
  return resolve(where.root ?? join(where.home, "workspaces"));
}

/** The directory of one contact's workspace (not created). */
export function workspaceDirFor(contact: Contact, where: WorkspaceLocation): string {
  if (contact.isOwner && where.ownerDir) return resolve(where.ownerDir);
  return join(workspacesRootOf(where), idFolderName(contact.accountId), idFolderName(contact.userId));
}

/** Create (if needed) and return a contact's workspace directory, mode 0700. */
export async function ensureWorkspace(contact: Contact, where: WorkspaceLocation): Promise<string> {
  const dir = workspaceDirFor(contact, where);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  return dir;
}

export interface FolderMigration {
  renamed: { from: string; to: string }[];
  /** Old folders left where they are, and why. */
  kept: { path: string; why: string }[];
}

/** The folder name the rule before `idFolderName` gave an id (the id itself when nothing was replaced). */
export function legacyFolderName(id: string): string {
  return safeSegment(id);
}

/**
 * Rename the folders the old rule named (an id with nothing to replace was its own folder name) to
 * `idFolderName`, for the ids given (accounts and their contacts, from the store), accounts first.
 * Only an exact name is moved (a case-blind disk's `Alice` is not `alice`'s folder); an old name
 * that is also another known id's new name was shared by the two (the collision this rule
 * removes): it stays with that id, and the other starts afresh. Nothing else is touched.
 */
export async function migrateWorkspaceFolders(
  root: string,
  ids: readonly { accountId: string; userIds: readonly string[] }[],
): Promise<FolderMigration> {
  const out: FolderMigration = { renamed: [], kept: [] };
  const move = async (dir: string, ids: readonly string[]) => {
    const present = new Set(await readdir(dir).catch(() => [] as string[]));
    const newNames = new Set(ids.map(idFolderName));
    for (const id of ids) {
      const from = legacyFolderName(id);
      const to = idFolderName(id);
      if (from === to || !present.has(from)) continue;
      if (newNames.has(from)) {
        out.kept.push({
          path: join(dir, from),
          why: `it is another id's folder; ${id} starts with an empty one`,
        });
      } else if (present.has(to)) {
        out.kept.push({ path: join(dir, from), why: `${to} exists already` });
      } else {
        await rename(join(dir, from), join(dir, to));
        present.add(to);
        out.renamed.push({ from: join(dir, from), to: join(dir, to) });
      }
    }
  };
  await move(
    root,
    ids.map((a) => a.accountId),
  );
  for (const a of ids) await move(join(root, idFolderName(a.accountId)), a.userIds);
  return out;
}

/** A fresh temporary workspace; call `dispose()` in a `finally`. */
export async function createTempWorkspace(
  prefix = "wxagent-turn-",
): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
