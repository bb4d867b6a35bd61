/**
 * File access the agent asks of us (fs/read_text_file, fs/write_text_file), confined to the
 * contact's workspace by the shared rules of ../workspace.ts: paths are resolved through
 * symlinks before the check, so a link that points outside is refused like `../../etc/passwd`.
 */
import { mkdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { resolveInWorkspace, WorkspaceError } from "../workspace.js";
import { AcpError } from "./errors.js";

/** Files larger than this are not read into the conversation. */
export const MAX_READ_BYTES = 5 * 1024 * 1024;

export class Workspace {
  private constructor(
    /** The workspace root with symlinks resolved. */
    readonly root: string,
  ) {}

  /** Create the directory if needed and pin its real path. */
  static async open(dir: string): Promise<Workspace> {
    const abs = resolve(dir);
    await mkdir(abs, { recursive: true });
    return new Workspace(await realpath(abs));
  }

  /** The real location `path` refers to (shared confinement rules), refusing anything outside. */
  async resolve(path: string): Promise<string> {
    try {
      return await resolveInWorkspace(this.root, path);
    } catch (err) {
      if (err instanceof WorkspaceError) {
        throw new AcpError(
          "acp_path_outside_workspace",
          `refused: ${err.message}; only files under this contact's workspace can be read or written`,
        );
      }
      throw err;
    }
  }

  /** fs/read_text_file: `line` is 1-based; `limit` counts lines. */
  async readText(path: string, line?: number | null, limit?: number | null): Promise<string> {
    const real = await this.resolve(path);
    const info = await stat(real);
    if (info.size > MAX_READ_BYTES) {
      throw new Error(`${path} is ${info.size} bytes; files above ${MAX_READ_BYTES} bytes are not read`);
    }
    const content = await readFile(real, "utf8");
    if (!line && !limit) return content;
    const lines = content.split("\n");
    const start = Math.max(0, (line ?? 1) - 1);
    const end = limit ? start + limit : undefined;
    return lines.slice(start, end).join("\n");
  }

  /** fs/write_text_file: creates missing directories inside the workspace. */
  async writeText(path: string, content: string): Promise<void> {
    const real = await this.resolve(path);
    await mkdir(dirname(real), { recursive: true });
    // The parent may have been swapped for a link since resolve(); check once more.
    await this.resolve(dirname(real));
    await writeFile(real, content, "utf8");
  }
}
