import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createTempWorkspace,
  ensureWorkspace,
  MAX_PATH_CHARS,
  resolveInWorkspace,
  safeSegment,
  WorkspaceError,
  workspaceDirFor,
} from "./workspace.js";

let base: string;
let root: string;
let outside: string;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "wxagent-ws-test-")));
  root = join(base, "ws");
  outside = join(base, "outside");
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, "secret.txt"), "secret");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function refused(p: Promise<unknown>): Promise<WorkspaceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkspaceError);
  return err as WorkspaceError;
}

describe("resolveInWorkspace", () => {
  it("resolves relative paths, existing or not, inside the workspace", async () => {
    await expect(resolveInWorkspace(root, "a/b.txt")).resolves.toBe(join(root, "a/b.txt"));
    await expect(resolveInWorkspace(root, ".")).resolves.toBe(root);
    await expect(resolveInWorkspace(root, "")).resolves.toBe(root);
  });

  it("refuses .. anywhere in the path, even when it would land inside", async () => {
    expect((await refused(resolveInWorkspace(root, "../outside/secret.txt"))).code).toBe("WORKSPACE_ESCAPE");
    await refused(resolveInWorkspace(root, "a/../../x"));
    await refused(resolveInWorkspace(root, "a/../b"));
  });

  it("refuses absolute paths outside and accepts absolute paths inside", async () => {
    await refused(resolveInWorkspace(root, join(outside, "secret.txt")));
    await refused(resolveInWorkspace(root, "/etc/passwd"));
    await expect(resolveInWorkspace(root, join(root, "x.txt"))).resolves.toBe(join(root, "x.txt"));
  });

  it("refuses a symlinked file or directory that leads outside", async () => {
    await symlink(join(outside, "secret.txt"), join(root, "link.txt"));
    await symlink(outside, join(root, "dir"));
    await refused(resolveInWorkspace(root, "link.txt"));
    await refused(resolveInWorkspace(root, "dir/secret.txt"));
    // a new file below a symlinked parent is refused too
    await refused(resolveInWorkspace(root, "dir/new/file.txt"));
  });

  it("refuses a dangling symlink (writing through it would follow it)", async () => {
    await symlink(join(outside, "not-yet.txt"), join(root, "dangling"));
    await refused(resolveInWorkspace(root, "dangling"));
  });

  it("allows symlinks that stay inside", async () => {
    await writeFile(join(root, "real.txt"), "x");
    await symlink(join(root, "real.txt"), join(root, "alias.txt"));
    await expect(resolveInWorkspace(root, "alias.txt")).resolves.toBe(join(root, "real.txt"));
  });

  it("refuses NUL bytes", async () => {
    expect((await refused(resolveInWorkspace(root, "a\0b"))).code).toBe("WORKSPACE_BAD_PATH");
  });

  it("refuses a path longer than PATH_MAX before touching the file system (a hostile model's 4 MB path)", async () => {
    const deep = "x/".repeat(2_000_000);
    const err = await refused(resolveInWorkspace(root, deep));
    expect(err.code).toBe("WORKSPACE_BAD_PATH");
    expect(err.message).toBe(
      `the path is ${deep.length} characters long; at most ${MAX_PATH_CHARS} are allowed`,
    );
    // Within the bound, a missing deep path still resolves (each missing level is walked once).
    const ok = `${"y/".repeat(MAX_PATH_CHARS / 2 - 1)}y`;
    await expect(resolveInWorkspace(root, ok)).resolves.toBe(join(root, ok));
  });
});

describe("workspace locations", () => {
  const contact = { accountId: "acc1", userId: "abc@im.wechat", isOwner: false };

  it("puts each contact under <home>/workspaces/<account>/<user-safe>", () => {
    const dir = workspaceDirFor(contact, { home: "/h" });
    expect(dir.startsWith("/h/workspaces/acc1/abc_im.wechat-")).toBe(true);
  });

  it("uses the owner's configured directory for the owner only", () => {
    expect(workspaceDirFor({ ...contact, isOwner: true }, { home: "/h", ownerDir: "/proj" })).toBe("/proj");
    expect(workspaceDirFor(contact, { home: "/h", ownerDir: "/proj" })).not.toBe("/proj");
  });

  it("makes safe, distinct segments (no traversal, no collisions)", () => {
    expect(safeSegment("..")).not.toContain("..");
    expect(safeSegment("a/b")).not.toContain("/");
    expect(safeSegment("a@b")).not.toBe(safeSegment("a_b"));
    expect(safeSegment("plain-id")).toBe("plain-id");
    expect(safeSegment("报告.pdf")).toBe("报告.pdf");
  });

  it("creates workspaces and temporary ones that dispose", async () => {
    const dir = await ensureWorkspace(contact, { home: base });
    expect(dir.startsWith(join(base, "workspaces", "acc1"))).toBe(true);
    const temp = await createTempWorkspace();
    await writeFile(join(temp.dir, "f"), "x");
    await temp.dispose();
    await expect(realpath(temp.dir)).rejects.toThrow();
  });
});
