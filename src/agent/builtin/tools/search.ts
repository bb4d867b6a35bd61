/**
 * The `search` tool (grep -rn over the workspace), safe against a hostile pattern and a hostile
 * tree: the pattern comes from the model, which reads whatever a contact uploads, so it is input.
 *
 * - Regular expressions run in re2js, a pure-JS port of RE2: automata, no backtracking, so the time
 *   is linear in the text (`^(a+)+$` over `aaaa…!` costs what `a` does). Why re2js and not the `re2`
 *   npm package: that one is a native addon that needs a prebuilt binary or a C++ toolchain per Node
 *   ABI, which an install from the npm registry alone cannot promise. Why not `RegExp` in a worker
 *   with a deadline: a catastrophic pattern would still burn a core until the deadline, every call,
 *   and the model would learn only "timed out"; RE2 answers instead, and refuses up front what it
 *   cannot express (backreferences, lookaround) with a message the model can act on.
 * - Linear is not free: the pattern's compiled size is capped (a 6000-instruction program costs
 *   ~0.4 s per 2000-character line), and so are the files, the bytes and the results of one search.
 * - The search yields to the event loop every few milliseconds and between files, and stops when
 *   the turn is aborted (`/stop`, the turn timeout), so other contacts are answered meanwhile.
 */
import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { tool } from "ai";
import { RE2JS } from "re2js";
import { z } from "zod";
import { fsRefusal, openChecked, resolveInWorkspace } from "../../../shared/workspace/index.js";
import { messageOf } from "../../../shared/wx-error.js";
import type { ToolContext } from "./context.js";

const SKIP_DIRS = new Set([".git", "node_modules", ".venv", "__pycache__"]);

/** Bounds of one search; exported for tests and the benchmark. */
export const SEARCH_BOUNDS = {
  /** Files looked at. */
  maxFiles: 5000,
  /** A bigger file is skipped (named in the answer). */
  maxFileBytes: 1_000_000,
  /** Bytes read over the whole search. */
  maxTotalBytes: 32_000_000,
  /** Wall time of one search; it answers with what it found so far. */
  maxMs: 20_000,
  /** Characters of a line that are matched (as before: the rest of a very long line is ignored). */
  maxLineChars: 2000,
  /** Pattern length and the size of its compiled program (RE2 instructions). */
  maxPatternChars: 1000,
  maxProgramSize: 1000,
  /**
   * Longest stretch of work between two yields to the event loop. Another contact's answer
   * waits for up to one slice at each of its steps (poll, store, model, send): 8 ms made a
   * running search raise it from 15 to 30 ms (bench/stall.ts).
   */
  sliceMs: 3,
} as const;

/** A pattern compiled for line tests, or a refusal the model can act on. */
export type CompiledPattern = { test(line: string): boolean } | { refused: string };

/** The JS-only features RE2 cannot express, found by a scan that respects escapes and classes. */
export function unsupportedFeature(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (!inClass && /[1-9]/.test(next)) return `a backreference (\\${next})`;
      if (!inClass && next === "k" && pattern[i + 2] === "<") return "a named backreference (\\k<…>)";
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(" && pattern[i + 1] === "?") {
      const a = pattern[i + 2];
      const b = pattern[i + 3];
      if (a === "=") return "a lookahead (?=…)";
      if (a === "!") return "a negative lookahead (?!…)";
      if (a === "<" && b === "=") return "a lookbehind (?<=…)";
      if (a === "<" && b === "!") return "a negative lookbehind (?<!…)";
    }
  }
  return undefined;
}

/** Compile the model's regular expression (JavaScript syntax) for RE2, or say why not. */
export function compilePattern(pattern: string, ignoreCase: boolean): CompiledPattern {
  const b = SEARCH_BOUNDS;
  if (pattern.length > b.maxPatternChars) {
    return {
      refused: `the pattern is ${pattern.length} characters; the limit is ${b.maxPatternChars}. Search for a shorter, more specific pattern.`,
    };
  }
  const feature = unsupportedFeature(pattern);
  if (feature) {
    return {
      refused: `the pattern uses ${feature}, which this search does not support (it runs on RE2, which guarantees linear time). Search without it, e.g. for a plain substring or a simpler regex, then read the matching files to check.`,
    };
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(pattern), ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    throw new Error(`invalid regular expression: ${messageOf(err)}`);
  }
  if (re.programSize() > b.maxProgramSize) {
    return {
      refused: `the pattern is too complex to search with (${re.programSize()} RE2 instructions; the limit is ${b.maxProgramSize}). Large counted repeats such as {500} cost the most: use fewer or smaller ones.`,
    };
  }
  return { test: (line) => re.test(line) };
}

/** Let timers and I/O run (other contacts' turns, /stop, the poller). */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

type Collected = { files: string[]; capped: boolean };

/** Regular files under `dir`, sorted, symlinks never followed, yielding between directories. */
async function collectFiles(dir: string, depth: number, out: Collected, signal?: AbortSignal) {
  if (out.capped || depth === 0) return;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    signal?.throwIfAborted();
    if (e.isSymbolicLink()) continue;
    const abs = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) await collectFiles(abs, depth - 1, out, signal);
    } else if (e.isFile()) {
      if (out.files.length >= SEARCH_BOUNDS.maxFiles) {
        out.capped = true;
        return;
      }
      out.files.push(abs);
    }
    if (out.capped) return;
  }
}

type CappedRead = { buf: Buffer; size: number } | "hard link" | undefined;

/**
 * Read at most `max` bytes of a regular file, never through a symlink planted after the walk, a
 * FIFO, or a hard link (its other name may be outside the workspace).
 */
async function readCapped(file: string, max: number): Promise<CappedRead> {
  let opened: Awaited<ReturnType<typeof openChecked>>;
  try {
    opened = await openChecked(file, file);
  } catch (err) {
    return (err as { code?: string }).code === "WORKSPACE_HARD_LINK" ? "hard link" : undefined;
  }
  const { handle, stat: s } = opened;
  try {
    if (s.size > max) return { buf: Buffer.alloc(0), size: s.size };
    const buf = Buffer.alloc(s.size);
    const { bytesRead } = await handle.read(buf, 0, s.size, 0);
    return { buf: buf.subarray(0, bytesRead), size: s.size };
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

export interface SearchRequest {
  root: string;
  start: string;
  test: (line: string) => boolean;
  maxResults: number;
  signal?: AbortSignal;
}

/** The search loop itself: bounded, sliced, abortable. Returns the tool's answer text. */
export async function runSearch(req: SearchRequest): Promise<string> {
  const b = SEARCH_BOUNDS;
  const { signal } = req;
  const began = Date.now();
  let slice = performance.now();
  const pause = async () => {
    if (performance.now() - slice < b.sliceMs) return;
    await yieldToLoop();
    signal?.throwIfAborted();
    slice = performance.now();
  };

  const rootReal = await realpath(req.root);
  const rel = (abs: string) => relative(rootReal, abs) || ".";
  const collected: Collected = { files: [], capped: false };
  const startStat = await stat(req.start).catch((err: unknown) => {
    throw fsRefusal(err, rel(req.start));
  });
  if (startStat.isFile()) collected.files.push(req.start);
  else await collectFiles(req.start, 64, collected, signal);

  const hits: string[] = [];
  const skippedBig: string[] = [];
  const hardLinks: string[] = [];
  const notes: string[] = [];
  let bytes = 0;

  outer: for (const f of collected.files) {
    await yieldToLoop();
    signal?.throwIfAborted();
    slice = performance.now();
    if (Date.now() - began > b.maxMs) {
      notes.push(
        `… stopped after ${b.maxMs / 1000} s; narrow the search (a path or a more specific pattern)`,
      );
      break;
    }
    const got = await readCapped(f, b.maxFileBytes);
    if (!got) continue;
    if (got === "hard link") {
      hardLinks.push(rel(f));
      continue;
    }
    if (got.size > b.maxFileBytes) {
      skippedBig.push(rel(f));
      continue;
    }
    if (bytes + got.buf.length > b.maxTotalBytes) {
      notes.push(`… stopped after reading ${b.maxTotalBytes / 1_000_000} MB; narrow the search with a path`);
      break;
    }
    bytes += got.buf.length;
    if (got.buf.subarray(0, 8192).includes(0)) continue; // binary
    const text = got.buf.toString("utf8");
    let lineNo = 0;
    for (let from = 0; from <= text.length; ) {
      let nl = text.indexOf("\n", from);
      if (nl === -1) nl = text.length;
      lineNo++;
      const line = text.slice(from, Math.min(nl, from + b.maxLineChars));
      from = nl + 1;
      if (nl === text.length && line === "" && lineNo > 1) break;
      if (req.test(line)) {
        hits.push(`${rel(f)}:${lineNo}: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
        if (hits.length >= req.maxResults) {
          notes.push(`… stopped at ${req.maxResults} results; narrow the search`);
          break outer;
        }
      }
      await pause();
    }
  }
  if (collected.capped) notes.push(`… only the first ${b.maxFiles} files were searched; pass a path`);
  if (skippedBig.length > 0) {
    const shown = skippedBig.slice(0, 5).join(", ");
    notes.push(
      `… skipped ${skippedBig.length} file(s) over ${b.maxFileBytes / 1_000_000} MB (${shown}${skippedBig.length > 5 ? ", …" : ""}); read them in parts with read offset/limit`,
    );
  }
  if (hardLinks.length > 0) {
    const shown = hardLinks.slice(0, 5).join(", ");
    notes.push(
      `… skipped ${hardLinks.length} hard-linked file(s) (${shown}${hardLinks.length > 5 ? ", …" : ""}): a hard-linked file cannot be read through the workspace`,
    );
  }
  const body = hits.length ? hits.join("\n") : "no matches";
  return notes.length ? `${body}\n${notes.join("\n")}` : body;
}

export function searchTool(ctx: ToolContext) {
  return tool({
    description:
      "Search file contents in the workspace (like grep -rn). Returns file:line: text. With regex, the pattern is RE2 syntax (JavaScript-like; no backreferences or lookaround).",
    inputSchema: z.object({
      pattern: z.string().min(1),
      path: z.string().default("."),
      regex: z.boolean().default(false).describe("Treat pattern as a regular expression"),
      ignoreCase: z.boolean().default(false),
    }),
    execute: async ({ pattern, path, regex, ignoreCase }, options) => {
      const start = await resolveInWorkspace(ctx.root, path);
      let test: (line: string) => boolean;
      if (regex) {
        const compiled = compilePattern(pattern, ignoreCase);
        if ("refused" in compiled) return `REFUSED: ${compiled.refused}`;
        test = compiled.test;
      } else {
        const needle = ignoreCase ? pattern.toLowerCase() : pattern;
        test = (line) => (ignoreCase ? line.toLowerCase() : line).includes(needle);
      }
      return runSearch({
        root: ctx.root,
        start,
        test,
        maxResults: ctx.limits.searchMaxResults,
        ...(options?.abortSignal ? { signal: options.abortSignal } : {}),
      });
    },
  });
}
