import { execFileSync } from "node:child_process";
import { link, mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  copyIntoWorkspace,
  mkdirInWorkspace,
  openInWorkspace,
  readInWorkspace,
  relativeToWorkspace,
  WorkspaceError,
  writeInWorkspace,
} from "./index.js";

let base: string;
let root: string;
let secret: string;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "wxagent-wsfiles-")));
  root = join(base, "ws");
  await mkdir(root);
  secret = join(base, "admin-token");
  await writeFile(secret, "the admin token");
});
afterEach(() => rm(base, { recursive: true, force: true }));

const modeOf = async (p: string) => ((await stat(p)).mode & 0o777).toString(8);

async function refusal(p: Promise<unknown>): Promise<WorkspaceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkspaceError);
  expect((err as Error).message).not.toContain(base);
  return err as WorkspaceError;
}

describe("hard links", () => {
  it("are not read: the refusal says why, with the workspace name only", async () => {
    await link(secret, join(root, "notes.txt"));
    const err = await refusal(readInWorkspace(root, "notes.txt"));
    expect(err.code).toBe("WORKSPACE_HARD_LINK");
    expect(err.message).toMatch(
      /^notes\.txt is a hard link .*cannot be read or written through the workspace/,
    );
    await refusal(openInWorkspace(root, join(root, "notes.txt")));
  });

  it("are not written: the other name keeps its content (nothing truncated before the check)", async () => {
    await mkdir(join(root, "sub"));
    await link(secret, join(root, "sub", "notes.txt"));
    expect((await refusal(writeInWorkspace(root, "sub/notes.txt", "overwritten"))).code).toBe(
      "WORKSPACE_HARD_LINK",
    );
    expect(await readFile(secret, "utf8")).toBe("the admin token");
  });

  it("a copy over one replaces the workspace's name only", async () => {
    const source = join(base, "incoming.png");
    await writeFile(source, "image bytes", { mode: 0o644 });
    await mkdir(join(root, "inbox"));
    await link(secret, join(root, "inbox", "image.png"));
    await copyIntoWorkspace(root, source, "inbox/image.png", "replace");
    expect(await readFile(secret, "utf8")).toBe("the admin token");
    expect(await readFile(join(root, "inbox", "image.png"), "utf8")).toBe("image bytes");
    expect(await modeOf(join(root, "inbox", "image.png"))).toBe("600");
  });

  it("an ordinary file (one name) reads and writes", async () => {
    await writeFile(join(root, "a.txt"), "one");
    expect((await readInWorkspace(root, "a.txt")).bytes.toString()).toBe("one");
    await writeInWorkspace(root, "a.txt", "two");
    expect(await readFile(join(root, "a.txt"), "utf8")).toBe("two");
  });
});

describe("what is not a regular file", () => {
  it("a FIFO is refused at once instead of blocking a thread of the pool", async () => {
    execFileSync("mkfifo", [join(root, "pipe")]);
    expect((await refusal(readInWorkspace(root, "pipe"))).code).toBe("WORKSPACE_NOT_A_FILE");
    expect((await refusal(writeInWorkspace(root, "pipe", "x"))).code).toBe("WORKSPACE_NOT_A_FILE");
  });

  it("a directory and a missing file are named, not their host path", async () => {
    await mkdir(join(root, "docs"));
    expect((await refusal(readInWorkspace(root, "docs"))).message).toBe("docs is a directory");
    expect((await refusal(readInWorkspace(root, "no/such.txt"))).message).toBe(
      "no/such.txt does not exist in the workspace",
    );
  });
});

describe("created files and folders are private", () => {
  it("a new file is 0600 and its new folders 0700; an existing file keeps its mode", async () => {
    await writeInWorkspace(root, "a/b/c.txt", "x");
    expect([
      await modeOf(join(root, "a")),
      await modeOf(join(root, "a/b")),
      await modeOf(join(root, "a/b/c.txt")),
    ]).toEqual(["700", "700", "600"]);
    await writeFile(join(root, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    await writeInWorkspace(root, "run.sh", "#!/bin/sh\necho hi\n");
    expect(await modeOf(join(root, "run.sh"))).toBe("755");
  });

  it("a folder is not made through a symlink to elsewhere", async () => {
    await mkdir(join(base, "outside"));
    await symlink(join(base, "outside"), join(root, "inbox"));
    expect((await refusal(mkdirInWorkspace(root, "inbox/new"))).code).toBe("WORKSPACE_ESCAPE");
    await refusal(copyIntoWorkspace(root, secret, "inbox/copied.txt", "exclusive"));
    await refusal(writeInWorkspace(root, "inbox/w.txt", "x"));
    await expect(stat(join(base, "outside", "new"))).rejects.toThrow();
  });
});

describe("relativeToWorkspace", () => {
  it("removes every spelling of the root, and only the root", () => {
    const text =
      "ENOENT: no such file or directory, open '/srv/real/ws/notes/a.txt'; cwd /home/me/ws; other /home/me/ws2/x";
    expect(relativeToWorkspace(text, ["/home/me/ws", "/srv/real/ws"])).toBe(
      "ENOENT: no such file or directory, open 'notes/a.txt'; cwd .; other /home/me/ws2/x",
    );
  });
});
