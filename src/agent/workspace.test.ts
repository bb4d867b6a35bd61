import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createTempWorkspace,
  ensureWorkspace,
  idFolderName,
  legacyFolderName,
  MAX_PATH_CHARS,
  migrateWorkspaceFolders,
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

  it.runIf(existsSync("/proc/self/root"))(
    "refuses /proc/self/root spellings: as an absolute path and through a symlink to it",
    async () => {
      await refused(resolveInWorkspace(root, `/proc/self/root${outside}/secret.txt`));
      await refused(resolveInWorkspace(root, `/proc/self/root${root}/x.txt`));
      await symlink("/proc/self/root", join(root, "r"));
      await refused(resolveInWorkspace(root, `r${outside}/secret.txt`));
      // Through the link back into the workspace is where it really leads: allowed, as that path.
      await expect(resolveInWorkspace(root, `r${root}/new.txt`)).resolves.toBe(join(root, "new.txt"));
    },
  );

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

  it("puts each contact under <home>/workspaces/<account>/<user>, each a readable part and a hash", () => {
    const dir = workspaceDirFor(contact, { home: "/h" });
    expect(dir).toMatch(/^\/h\/workspaces\/acc1-[0-9a-f]{8}\/abc_im\.wechat-[0-9a-f]{8}$/);
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

  it("creates workspaces (0700) and temporary ones that dispose", async () => {
    const dir = await ensureWorkspace(contact, { home: base });
    expect(dir.startsWith(join(base, "workspaces", "acc1-"))).toBe(true);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const temp = await createTempWorkspace();
    await writeFile(join(temp.dir, "f"), "x");
    await temp.dispose();
    await expect(realpath(temp.dir)).rejects.toThrow();
  });
});

describe("workspace folder names: one folder per id", () => {
  const user = (userId: string) =>
    workspaceDirFor({ accountId: "acc@im.bot", userId, isOwner: false }, { home: "/h" });

  it("an id spelled like another's folder gets a folder of its own (the old rule gave it the other's)", () => {
    const victim = "alice@im.wechat";
    const lookalike = legacyFolderName(victim); // "alice_im.wechat-<hash>", a valid id as it stands
    expect(legacyFolderName(lookalike)).toBe(legacyFolderName(victim)); // the collision, before
    expect(idFolderName(lookalike)).not.toBe(idFolderName(victim));
    expect(user(lookalike)).not.toBe(user(victim));
  });

  it("ids that read alike differ in the hash, also on a case-blind disk", () => {
    const ids = [
      "a@b",
      "a#b",
      "a_b",
      "A@b",
      "a@B",
      "",
      "_",
      ".hidden",
      "a/b",
      "..",
      "a".repeat(200),
      `${"a".repeat(200)}x`,
    ];
    const names = ids.map(idFolderName);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(ids.length);
    for (const n of names) {
      expect(n).toMatch(/^[^/\\.][^/\\]*-[0-9a-f]{8}$/);
      expect(n.length).toBeLessThanOrEqual(89);
    }
  });

  it("every WeChat id (it has an @) keeps the folder the old rule gave it", () => {
    for (const id of ["o9cq80abcdef1234567@im.wechat", "a1b2c3@im.bot", "张三@im.wechat"]) {
      expect(idFolderName(id)).toBe(legacyFolderName(id));
    }
  });
});

describe("migrateWorkspaceFolders", () => {
  it("moves an old folder named by the id itself to its new name, keeping its files", async () => {
    const root = join(base, "workspaces");
    await mkdir(join(root, "acct", "plain-user"), { recursive: true });
    await writeFile(join(root, "acct", "plain-user", "notes.txt"), "mine");
    const r = await migrateWorkspaceFolders(root, [{ accountId: "acct", userIds: ["plain-user"] }]);
    const moved = join(root, idFolderName("acct"), idFolderName("plain-user"));
    expect(await readFile(join(moved, "notes.txt"), "utf8")).toBe("mine");
    expect(r.renamed).toHaveLength(2);
    expect(await readdir(root)).toEqual([idFolderName("acct")]);
    // Run again: nothing left to do.
    expect(
      (await migrateWorkspaceFolders(root, [{ accountId: "acct", userIds: ["plain-user"] }])).renamed,
    ).toEqual([]);
  });

  it("leaves a folder that is another known id's (the shared one of a collision) with that id", async () => {
    const root = join(base, "workspaces");
    const victim = "alice@im.wechat";
    const lookalike = legacyFolderName(victim);
    const acct = join(root, idFolderName("a@im.bot"));
    await mkdir(join(acct, legacyFolderName(victim)), { recursive: true });
    await writeFile(join(acct, legacyFolderName(victim), "diary.txt"), "alice's");
    const r = await migrateWorkspaceFolders(root, [{ accountId: "a@im.bot", userIds: [victim, lookalike] }]);
    expect(r.renamed).toEqual([]);
    expect(r.kept.map((k) => k.why)).toEqual([expect.stringMatching(/another id's folder/)]);
    expect(await readFile(join(acct, idFolderName(victim), "diary.txt"), "utf8")).toBe("alice's");
  });

  it("does not move a folder whose name differs in case only (a case-blind disk would match it)", async () => {
    const root = join(base, "workspaces");
    await mkdir(join(root, "acct", "bob"), { recursive: true });
    const r = await migrateWorkspaceFolders(root, [{ accountId: "acct", userIds: ["Bob"] }]);
    expect(r.renamed.map((m) => m.to)).toEqual([join(root, idFolderName("acct"))]);
    expect(await readdir(join(root, idFolderName("acct")))).toEqual(["bob"]);
  });
});
