import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolExecutionOptions } from "ai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtinAgentConfigSchema } from "../config.js";
import { recordingIO } from "../testing/harness.js";
import type { ToolContext } from "./context.js";
import { searchTool } from "./files.js";
import { compilePattern, SEARCH_BOUNDS, unsupportedFeature } from "./search.js";

let root: string;
let ctx: ToolContext;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), "wxagent-search-test-")));
  const limits = builtinAgentConfigSchema.parse({ model: "m" }).tools;
  ctx = { root, limits, io: recordingIO(), commandEnv: {} };
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const search = (input: Record<string, unknown>, signal?: AbortSignal) => {
  const opts: ToolExecutionOptions = {
    toolCallId: "t1",
    messages: [],
    ...(signal ? { abortSignal: signal } : {}),
  };
  const t = searchTool(ctx) as unknown as {
    execute: (i: unknown, o: ToolExecutionOptions) => Promise<string>;
  };
  return t.execute({ path: ".", regex: true, ignoreCase: false, ...input }, opts);
};

describe("search: a hostile pattern cannot stall the process", () => {
  it("^(a+)+$ over lines of aaaa…! answers (no backtracking), and still finds real matches", async () => {
    // With a backtracking engine this costs 2^2000 steps per line: the process never comes back.
    const evil = `${"a".repeat(1990)}!\n`.repeat(400);
    await writeFile(join(root, "upload.txt"), evil);
    expect(await search({ pattern: "^(a+)+$" })).toBe("no matches");
    await writeFile(join(root, "ok.txt"), "aaaa\nbbbb\n");
    expect(await search({ pattern: "^(a+)+$" })).toBe("ok.txt:1: aaaa");
    expect(await search({ pattern: "(x+x+)+y", path: "upload.txt" })).toBe("no matches");
  });

  it("refuses backreferences and lookaround with a message the model can act on", async () => {
    await writeFile(join(root, "a.txt"), "abab\nfoobar\n");
    for (const pattern of [
      "(ab)\\1",
      "(?<x>ab)\\k<x>",
      "foo(?=bar)",
      "foo(?!baz)",
      "(?<=foo)bar",
      "(?<!x)bar",
    ]) {
      const out = await search({ pattern });
      expect(out, pattern).toMatch(/^REFUSED: the pattern uses a .*(backreference|lookahead|lookbehind)/);
      expect(out).toMatch(/linear time/);
    }
    // Escaped and in-class look-alikes are plain syntax.
    expect(unsupportedFeature("\\(?=x")).toBeUndefined();
    expect(unsupportedFeature("[(?=]")).toBeUndefined();
    expect(unsupportedFeature("\\\\1")).toBeUndefined();
    // JavaScript syntax the model is used to still works.
    expect(await search({ pattern: "(?<w>fo+)bar" })).toBe("a.txt:2: foobar");
    expect(await search({ pattern: "\\u0066oo" })).toBe("a.txt:2: foobar");
    expect(await search({ pattern: "ABAB", ignoreCase: true })).toBe("a.txt:1: abab");
  });

  it("refuses a pattern too long or whose program is too large, and reports invalid syntax", async () => {
    expect(compilePattern("a".repeat(SEARCH_BOUNDS.maxPatternChars + 1), false)).toMatchObject({
      refused: expect.stringMatching(/characters; the limit is/),
    });
    expect(compilePattern("a{0,999}a{0,999}a{0,999}[^a]", false)).toMatchObject({
      refused: expect.stringMatching(/too complex .* RE2 instructions/),
    });
    await expect(search({ pattern: "(" })).rejects.toThrow(/invalid regular expression/);
  });

  it("stops when the turn is aborted (/stop) instead of finishing the walk", async () => {
    for (let i = 0; i < 50; i++)
      await writeFile(join(root, `f${String(i).padStart(2, "0")}.txt`), "needle\n");
    const ac = new AbortController();
    const running = search({ pattern: "needle", regex: false }, ac.signal);
    ac.abort(new Error("stopped by the user"));
    await expect(running).rejects.toThrow(/stopped by the user/);
  });

  it("lets other work run between files while it searches", async () => {
    for (let i = 0; i < 20; i++) await writeFile(join(root, `f${String(i).padStart(2, "0")}.txt`), "x\n");
    const order: string[] = [];
    const running = search({ pattern: "nothing", regex: false }).then(() => order.push("search done"));
    setImmediate(() => order.push("other contact"));
    await running;
    expect(order).toEqual(["other contact", "search done"]);
  });

  it("skips files over the per-file limit and says so", async () => {
    await mkdir(join(root, "big"));
    await writeFile(join(root, "big", "huge.log"), Buffer.alloc(SEARCH_BOUNDS.maxFileBytes + 1, "a"));
    await writeFile(join(root, "big", "small.log"), "a\n");
    const out = await search({ pattern: "a", regex: false, path: "big" });
    expect(out).toMatch(/^big\/small\.log:1: a\n… skipped 1 file\(s\) over 1 MB \(big\/huge\.log\)/);
  });
});
