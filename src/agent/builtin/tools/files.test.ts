import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolExecutionOptions } from "ai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtinAgentConfigSchema } from "../config.js";
import { recordingIO } from "../testing/harness.js";
import type { ToolContext } from "./context.js";
import { editTool, listTool, readTool, searchTool, sendFileTool, writeTool } from "./files.js";

let base: string;
let ctx: ToolContext;
const opts: ToolExecutionOptions = { toolCallId: "t1", messages: [] };

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "wxagent-files-test-")));
  const root = join(base, "ws");
  await mkdir(join(root, "src/deep"), { recursive: true });
  await mkdir(join(base, "outside"));
  await writeFile(join(base, "outside", "secret.txt"), "needle outside");
  await writeFile(join(root, "src/a.ts"), "const needle = 1;\nconst other = 2;\n");
  await writeFile(join(root, "src/deep/b.ts"), "// needle here\n");
  await writeFile(join(root, "bin.dat"), Buffer.from([1, 0, 2, 0, 3]));
  await symlink(join(base, "outside"), join(root, "escape"));
  const limits = builtinAgentConfigSchema.parse({
    model: "m",
    tools: { readMaxBytes: 20, searchMaxResults: 2 },
  }).tools;
  ctx = { root, limits, io: recordingIO(), commandEnv: {} };
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

// The tools' execute functions, called as the AI SDK would.
const run = async (t: { execute?: unknown }, input: unknown) =>
  (t.execute as (i: unknown, o: ToolExecutionOptions) => Promise<string>)(input, opts);

describe("file tools", () => {
  it("list shows files with sizes, directories and symlinks (not followed)", async () => {
    const top = await run(listTool(ctx), { path: ".", depth: 1 });
    expect(top.split("\n")).toEqual(["bin.dat (5 B)", "escape@ (symlink)", "src/"]);
    const deep = await run(listTool(ctx), { path: ".", depth: 3 });
    expect(deep).toContain("src/deep/b.ts (15 B)");
    expect(deep).not.toContain("secret.txt");
  });

  it("read is size-limited, supports line ranges and refuses binary", async () => {
    expect(await run(readTool(ctx), { path: "src/a.ts" })).toMatch(
      /^const needle = 1;\nco[\s\S]*only the first 20 were read/,
    );
    await writeFile(join(ctx.root, "lines.txt"), "1\n2\n3\n4\n");
    expect(await run(readTool(ctx), { path: "lines.txt", offset: 2, limit: 2 })).toBe("2\n3");
    expect(await run(readTool(ctx), { path: "bin.dat" })).toMatch(/binary file \(5 bytes\)/);
    await expect(run(readTool(ctx), { path: "escape/secret.txt" })).rejects.toThrow(/outside the workspace/);
  });

  it("search finds lines, bounds the results and never follows symlinks out", async () => {
    const hits = await run(searchTool(ctx), {
      pattern: "needle",
      path: ".",
      regex: false,
      ignoreCase: false,
    });
    expect(hits.split("\n").slice(0, 2)).toEqual([
      "src/a.ts:1: const needle = 1;",
      "src/deep/b.ts:1: // needle here",
    ]);
    expect(hits).not.toContain("outside");
    await writeFile(join(ctx.root, "src/c.ts"), "needle\n");
    expect(
      await run(searchTool(ctx), { pattern: "needle", path: ".", regex: false, ignoreCase: false }),
    ).toMatch(/stopped at 2 results/);
    expect(
      await run(searchTool(ctx), { pattern: "^const o", path: "src", regex: true, ignoreCase: false }),
    ).toBe("src/a.ts:2: const other = 2;");
    await expect(
      run(searchTool(ctx), { pattern: "(", path: ".", regex: true, ignoreCase: false }),
    ).rejects.toThrow(/invalid regular expression/);
  });

  it("write creates parents, enforces the size limit, and never writes through a symlink", async () => {
    expect(await run(writeTool(ctx), { path: "new/dir/f.txt", content: "hi" })).toBe(
      "wrote new/dir/f.txt (2 bytes)",
    );
    expect(await readFile(join(ctx.root, "new/dir/f.txt"), "utf8")).toBe("hi");
    const small = { ...ctx, limits: { ...ctx.limits, writeMaxBytes: 3 } };
    await expect(run(writeTool(small), { path: "big.txt", content: "four" })).rejects.toThrow(/limit is 3/);
    await expect(run(writeTool(ctx), { path: "escape/secret.txt", content: "x" })).rejects.toThrow(/outside/);
    expect(await readFile(join(base, "outside", "secret.txt"), "utf8")).toBe("needle outside");
  });

  it("edit replaces exactly one occurrence", async () => {
    expect(await run(editTool(ctx), { path: "src/a.ts", oldText: "other = 2", newText: "other = 3" })).toBe(
      "edited src/a.ts",
    );
    expect(await readFile(join(ctx.root, "src/a.ts"), "utf8")).toContain("other = 3");
    await expect(run(editTool(ctx), { path: "src/a.ts", oldText: "const", newText: "let" })).rejects.toThrow(
      /occurs 2 times/,
    );
    // `$&` in the new text is literal, not a replacement pattern
    await run(editTool(ctx), { path: "src/a.ts", oldText: "needle", newText: "$&$&" });
    expect(await readFile(join(ctx.root, "src/a.ts"), "utf8")).toContain("const $&$& = 1;");
  });

  it("send_file sends workspace files only", async () => {
    const io = recordingIO();
    const withIo = { ...ctx, io };
    expect(await run(sendFileTool(withIo), { path: "src/a.ts", caption: "code" })).toMatch(/^sent a\.ts/);
    expect(io.sentFiles).toEqual([{ path: join(ctx.root, "src/a.ts"), caption: "code" }]);
    await expect(run(sendFileTool(withIo), { path: "escape/secret.txt" })).rejects.toThrow(/outside/);
    await expect(run(sendFileTool(withIo), { path: "src" })).rejects.toThrow(/src is a directory/);
    expect(io.sentFiles).toHaveLength(1);
  });
});
