/**
 * File tools: list, read, search, write, edit, send_file. Every path is confined to the workspace
 * and every file is opened through src/shared/workspace (no final symlink, no FIFO, no hard link:
 * a hard link's other name may be outside). New files are 0600, new folders 0700.
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { tool } from "ai";
import { z } from "zod";
import {
  openInWorkspace,
  readInWorkspace,
  resolveInWorkspace,
  writeInWorkspace,
} from "../../../shared/workspace/index.js";
import { messageOf } from "../../../shared/wx-error.js";
import type { ToolContext } from "./context.js";

const SKIP_DIRS = new Set([".git", "node_modules", ".venv", "__pycache__"]);
const MAX_LIST_ENTRIES = 500;

function looksBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8192).includes(0);
}

type EntryKind = "dir" | "file" | "link";

/** Walk a tree; symlinks are reported as "link" and never followed (they could lead outside). */
async function walk(
  dir: string,
  depth: number,
  visit: (abs: string, kind: EntryKind) => boolean,
): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const abs = join(dir, e.name);
    const kind: EntryKind = e.isSymbolicLink() ? "link" : e.isDirectory() ? "dir" : "file";
    if (!visit(abs, kind)) return;
    if (e.isDirectory() && depth > 1 && !SKIP_DIRS.has(e.name)) await walk(abs, depth - 1, visit);
  }
}

export function listTool(ctx: ToolContext) {
  return tool({
    description: "List files and directories in the workspace (directories end with /, symlinks with @).",
    inputSchema: z.object({
      path: z.string().default(".").describe("Directory relative to the workspace"),
      depth: z.number().int().min(1).max(5).default(1).describe("1 = this directory only"),
    }),
    execute: async ({ path, depth }) => {
      const dir = await resolveInWorkspace(ctx.root, path);
      const lines: string[] = [];
      let truncated = false;
      const pending: Promise<void>[] = [];
      await walk(dir, depth, (abs, kind) => {
        if (lines.length >= MAX_LIST_ENTRIES) {
          truncated = true;
          return false;
        }
        const name = relative(dir, abs);
        if (kind === "dir") lines.push(`${name}/`);
        else if (kind === "link") lines.push(`${name}@ (symlink)`);
        else {
          const i = lines.push(name) - 1;
          pending.push(
            stat(abs).then(
              (s) => {
                lines[i] = `${name} (${s.size} B)`;
              },
              () => undefined,
            ),
          );
        }
        return true;
      });
      await Promise.all(pending);
      if (lines.length === 0) return `${relative(await realpath(ctx.root), dir) || "."} is empty`;
      return (
        lines.join("\n") + (truncated ? `\n… more than ${MAX_LIST_ENTRIES} entries; list a subdirectory` : "")
      );
    },
  });
}

export function readTool(ctx: ToolContext) {
  return tool({
    description: "Read a text file from the workspace, optionally a range of lines.",
    inputSchema: z.object({
      path: z.string(),
      offset: z.number().int().min(1).optional().describe("First line (1-based)"),
      limit: z.number().int().min(1).optional().describe("Number of lines"),
    }),
    execute: async ({ path, offset, limit }) => {
      const max = ctx.limits.readMaxBytes;
      const {
        bytes: buf,
        size,
        shown,
      } = await readInWorkspace(ctx.root, path, max).catch((err: unknown) => {
        throw (err as { code?: string }).code === "WORKSPACE_NOT_A_FILE"
          ? new Error(`${messageOf(err)}; use list for a directory`)
          : err;
      });
      if (looksBinary(buf)) return `${shown} is a binary file (${size} bytes); it cannot be shown as text`;
      let text = buf.toString("utf8");
      if (offset !== undefined || limit !== undefined) {
        const lines = text.split("\n");
        const start = (offset ?? 1) - 1;
        text = lines.slice(start, limit === undefined ? undefined : start + limit).join("\n");
      }
      const note =
        size > max ? `\n… [file is ${size} bytes; only the first ${max} were read; use offset/limit]` : "";
      return text + note;
    },
  });
}

// `search` lives in search.ts (linear-time regex, bounded, yields to the event loop).
export { searchTool } from "./search.js";

export function writeTool(ctx: ToolContext) {
  return tool({
    description: "Create or overwrite a file in the workspace with the given content.",
    inputSchema: z.object({ path: z.string().min(1), content: z.string() }),
    execute: async ({ path, content }) => {
      const bytes = Buffer.byteLength(content);
      if (bytes > ctx.limits.writeMaxBytes) {
        throw new Error(`content is ${bytes} bytes; the limit is ${ctx.limits.writeMaxBytes}`);
      }
      const { shown } = await writeInWorkspace(ctx.root, path, content);
      return `wrote ${shown} (${bytes} bytes)`;
    },
  });
}

export function editTool(ctx: ToolContext) {
  return tool({
    description:
      "Replace one exact occurrence of oldText with newText in a workspace file. oldText must appear exactly once; include surrounding lines to make it unique.",
    inputSchema: z.object({ path: z.string().min(1), oldText: z.string().min(1), newText: z.string() }),
    execute: async ({ path, oldText, newText }) => {
      const { bytes, shown } = await readInWorkspace(ctx.root, path);
      const content = bytes.toString("utf8");
      const count = content.split(oldText).length - 1;
      if (count === 0) {
        throw new Error(
          `oldText was not found in ${shown}; read the file and copy the exact text, whitespace included`,
        );
      }
      if (count > 1) {
        throw new Error(
          `oldText occurs ${count} times in ${shown}; include more surrounding text so it is unique`,
        );
      }
      const i = content.indexOf(oldText);
      const next = content.slice(0, i) + newText + content.slice(i + oldText.length);
      await writeInWorkspace(ctx.root, path, next);
      return `edited ${shown}`;
    },
  });
}

export function sendFileTool(ctx: ToolContext) {
  return tool({
    description: "Send a file from the workspace to the user in the chat.",
    inputSchema: z.object({ path: z.string().min(1), caption: z.string().optional() }),
    execute: async ({ path, caption }) => {
      const f = await openInWorkspace(ctx.root, path);
      await f.handle.close();
      // The gateway checks the file again (workspace, hard link, size) before it uploads it.
      await ctx.io.sendFile(f.path, caption);
      return `sent ${basename(f.path)} (${f.stat.size} bytes)`;
    },
  });
}
