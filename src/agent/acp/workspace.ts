/**
 * File access the agent asks of us (fs/read_text_file, fs/write_text_file), confined to the
 * contact's workspace by the shared rules of src/shared/workspace: paths are resolved through
 * symlinks before the check, so a link that points outside is refused like `../../etc/passwd`,
 * and a hard-linked file (whose other name may be outside) is neither read nor written. New files
 * are 0600, new folders 0700; refusals name paths relative to the workspace.
 */
import { mkdir, realpath } from "node:fs/promises";
import { resolve } from "node:path";
import {
  PRIVATE_DIR_MODE,
  readInWorkspace,
  relativeToWorkspace,
  resolveInWorkspace,
  WorkspaceError,
  writeInWorkspace,
} from "../../shared/workspace/index.js";
import { messageOf } from "../../shared/wx-error.js";
import { AcpError } from "./errors.js";

/** Files larger than this are not read into the conversation. */
export const MAX_READ_BYTES = 5 * 1024 * 1024;

export class Workspace {
  private constructor(
    /** The workspace root with symlinks resolved. */
    readonly root: string,
    /** How the root was given (before realpath), for scrubbing it from messages. */
    private readonly given: string,
  ) {}

  /** Create the directory if needed (0700) and pin its real path. */
  static async open(dir: string): Promise<Workspace> {
    const abs = resolve(dir);
    await mkdir(abs, { recursive: true, mode: PRIVATE_DIR_MODE });
    return new Workspace(await realpath(abs), abs);
  }

  /** `text` with this workspace's host location removed (paths relative to it). */
  relative(text: string): string {
    return relativeToWorkspace(text, [this.root, this.given]);
  }

  /** Run a file operation; a refusal becomes the agent's AcpError, any other error loses the host path. */
  private async confined<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof WorkspaceError) {
        const outside = err.code === "WORKSPACE_ESCAPE" || err.code === "WORKSPACE_BAD_PATH";
        throw new AcpError(
          "ACP_PATH_OUTSIDE_WORKSPACE",
          outside
            ? `refused: ${err.message}; only files under this contact's workspace can be read or written`
            : `refused: ${err.message}`,
        );
      }
      throw new Error(this.relative(messageOf(err)), { cause: err });
    }
  }

  /** The real location `path` refers to (shared confinement rules), refusing anything outside. */
  resolve(path: string): Promise<string> {
    return this.confined(() => resolveInWorkspace(this.root, path));
  }

  /** fs/read_text_file: `line` is 1-based; `limit` counts lines. */
  readText(path: string, line?: number | null, limit?: number | null): Promise<string> {
    return this.confined(async () => {
      const { bytes, size, shown } = await readInWorkspace(this.root, path, MAX_READ_BYTES + 1);
      if (size > MAX_READ_BYTES) {
        throw new Error(`${shown} is ${size} bytes; files above ${MAX_READ_BYTES} bytes are not read`);
      }
      const content = bytes.toString("utf8");
      if (!line && !limit) return content;
      const lines = content.split("\n");
      const start = Math.max(0, (line ?? 1) - 1);
      const end = limit ? start + limit : undefined;
      return lines.slice(start, end).join("\n");
    });
  }

  /** fs/write_text_file: creates missing directories inside the workspace. */
  async writeText(path: string, content: string): Promise<void> {
    await this.confined(() => writeInWorkspace(this.root, path, content));
  }
}
