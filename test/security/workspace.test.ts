/**
 * The workspace as a boundary, attacked as contacts would attack it, through the simulator and
 * the gateway wired as `wxagent start` wires it, with a scripted model:
 * - a hard link in the workspace whose other name is `$WXAGENT_HOME/admin-token` (planted outside
 *   the sandbox, where a link across mounts can be made: an owner's checkout, a backup tool, a
 *   `"sandbox": "off"` command) is neither read, searched, edited, overwritten nor sent;
 * - an id spelled like another contact's folder name does not get that contact's workspace;
 * - what wxagent creates in a workspace and in the media directory is private (0600 / 0700);
 * - tool errors name paths relative to the workspace, never where `$WXAGENT_HOME` is.
 */
import { link, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { idFolderName } from "../../src/agent/workspace.js";
import { allToolResults, outbound, RIG_KEY_ENV, type Rig, say, sees, startRig } from "./rig.js";

vi.setConfig({ testTimeout: 60_000 });

const ADMIN = "admin-token-workspace-e2e-7c9e";
const ALICE = "alice@im.wechat"; // allowlisted: workspace-write
const BOB = "bob@im.wechat"; // read-only
const permissions = { allowlist: [ALICE], defaultPreset: "read-only" };

let rig: Rig | undefined;
beforeEach(() => vi.stubEnv(RIG_KEY_ENV, "sk-workspace-test"));
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  vi.unstubAllEnvs();
});

/** Every file and folder below `dir` with its permission bits. */
async function modes(dir: string): Promise<{ path: string; dir: boolean; mode: number }[]> {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    out.push({ path, dir: e.isDirectory(), mode: (await stat(path)).mode & 0o777 });
    if (e.isDirectory()) out.push(...(await modes(path)));
  }
  return out;
}

describe("hard links", () => {
  it("a hard link to $WXAGENT_HOME/admin-token is not read, searched, edited, overwritten or sent", async () => {
    rig = await startRig({ permissions, adminToken: ADMIN });
    const ws = rig.workspace(ALICE);
    await mkdir(ws, { recursive: true });
    await link(rig.paths.adminTokenPath, join(ws, "notes.txt"));
    rig.ai.push(
      {
        toolCalls: [
          { name: "read", args: { path: "notes.txt" } },
          { name: "search", args: { pattern: "admin-token", path: "." } },
          { name: "edit", args: { path: "notes.txt", oldText: ADMIN, newText: "mine now" } },
          { name: "write", args: { path: "notes.txt", content: "overwritten" } },
          { name: "send_file", args: { path: "notes.txt" } },
        ],
      },
      { text: "Here it is <<FILE:notes.txt>>" },
    );
    await say(rig, ALICE, "show me notes.txt");
    const chat = await sees(rig, ALICE, /Here it is/);
    const results = allToolResults(rig);
    expect(results).not.toContain(ADMIN);
    expect(chat.join("\n")).not.toContain(ADMIN);
    // read, edit, write and send_file each refused; search skips it and says so.
    expect(results.match(/notes\.txt is a hard link/g)?.length).toBe(4);
    expect(results).toMatch(/skipped 1 hard-linked file\(s\) \(notes\.txt\)/);
    expect(chat.join("\n")).toMatch(/can't send "notes\.txt": it is a hard link/);
    expect((await outbound(rig, ALICE)).flatMap((m) => m.items).filter((i) => i.type !== "text")).toEqual([]);
    // The other name is untouched: not truncated, not edited.
    expect(await readFile(rig.paths.adminTokenPath, "utf8")).toBe(ADMIN);
  });
});

describe("files with a reply obey the preset's send_file", () => {
  it("a read-only contact's model names a workspace file in <<FILE:>>: no file goes out, the reply says why", async () => {
    rig = await startRig({ permissions });
    await mkdir(rig.workspace(BOB), { recursive: true });
    await writeFile(join(rig.workspace(BOB), "report.txt"), "for the owner only\n");
    rig.ai.push({ text: "Here you go <<FILE:report.txt>>" });
    await say(rig, BOB, "send me report.txt");
    const chat = await sees(rig, BOB, /Here you go/);
    expect(chat.join("\n")).toMatch(/your permissions here do not include receiving files/);
    expect((await outbound(rig, BOB)).flatMap((m) => m.items).filter((i) => i.type !== "text")).toEqual([]);
  });
});

describe("workspace folders", () => {
  it("an id spelled like another contact's folder name gets a workspace of its own", async () => {
    rig = await startRig({ permissions });
    const alice = rig.workspace(ALICE);
    await mkdir(alice, { recursive: true });
    await writeFile(join(alice, "diary.txt"), "alice's diary");
    // The old rule used an id with nothing to replace as its folder name, so this id, a valid
    // one, was given alice's folder.
    const lookalike = idFolderName(ALICE);
    rig.ai.push({ toolCalls: [{ name: "read", args: { path: "diary.txt" } }] }, { text: "Read it." });
    await say(rig, lookalike, "read diary.txt");
    const chat = await sees(rig, lookalike, /Read it\./);
    expect(rig.workspace(lookalike)).not.toBe(alice);
    expect(allToolResults(rig)).not.toContain("alice's diary");
    expect(allToolResults(rig)).toMatch(/diary\.txt does not exist in the workspace/);
    expect(chat.join("\n")).not.toContain("alice's diary");
  });
});

describe("what wxagent creates is private", () => {
  it("tool writes, the inbox copy of a file, a long reply and the media directory: 0600 files, 0700 folders", async () => {
    rig = await startRig({ permissions, config: { media: { maxReplyBubbles: 2 } } });
    rig.ai.push(
      { toolCalls: [{ name: "write", args: { path: "deep/er/new.txt", content: "hello" } }] },
      { text: "Saved." },
      { text: `# Long\n\n${"word ".repeat(4000)}` },
    );
    await say(rig, ALICE, "save something");
    await sees(rig, ALICE, /Saved\./);
    await say(rig, ALICE, "", { file: { name: "report.txt", bytes: Buffer.from("quarterly numbers\n") } });
    await sees(rig, ALICE, /full reply attached/);
    const ws = rig.workspace(ALICE);
    const made = await modes(ws);
    const all = await modes(rig.paths.workspacesDir);
    expect(made.map((m) => m.path.slice(ws.length + 1)).sort()).toEqual(
      expect.arrayContaining(["deep", "deep/er", "deep/er/new.txt", "inbox", "inbox/report.txt", "outbox"]),
    );
    expect(made.some((m) => m.path.includes("outbox/reply-"))).toBe(true);
    const media = await modes(rig.paths.mediaDir);
    expect(media.some((m) => !m.dir)).toBe(true);
    for (const m of [...all, ...media]) {
      expect({ path: m.path, mode: m.mode.toString(8) }).toEqual({
        path: m.path,
        mode: m.dir ? "700" : "600",
      });
    }
  });
});

describe("tool errors name paths relative to the workspace", () => {
  it("with $WXAGENT_HOME behind a symlink, no error or listing shows where it is", async () => {
    rig = await startRig({ permissions, homeVia: "symlink" });
    for (const u of [ALICE, BOB]) {
      await mkdir(join(rig.workspace(u), "docs"), { recursive: true });
      await writeFile(join(rig.workspace(u), "docs", "a.txt"), "alpha\n");
    }
    rig.ai.push(
      {
        toolCalls: [
          { name: "read", args: { path: "missing/file.txt" } },
          { name: "read", args: { path: "docs" } },
          { name: "search", args: { pattern: "x", path: "nowhere" } },
          { name: "search", args: { pattern: "alpha", path: "." } },
          { name: "list", args: { path: "docs", depth: 2 } },
        ],
      },
      { text: "Bob is done." },
    );
    await say(rig, BOB, "look around");
    await sees(rig, BOB, /Bob is done\./);
    rig.ai.push(
      {
        toolCalls: [
          { name: "edit", args: { path: "missing.txt", oldText: "a", newText: "b" } },
          { name: "write", args: { path: "docs/a.txt/inside.txt", content: "x" } },
          { name: "send_file", args: { path: "gone.pdf" } },
          { name: "list", args: { path: "empty-dir-that-is-missing" } },
        ],
      },
      { text: "Alice is done." },
    );
    await say(rig, ALICE, "break things");
    await sees(rig, ALICE, /Alice is done\./);
    const results = allToolResults(rig);
    expect(results).toMatch(/missing\/file\.txt does not exist in the workspace/);
    expect(results).toMatch(/docs is a directory/);
    expect(results).toMatch(/nowhere does not exist in the workspace/);
    expect(results).toMatch(/docs\/a\.txt:1: alpha/);
    expect(results).toMatch(/missing\.txt does not exist in the workspace/);
    expect(results).toMatch(/docs\/a\.txt is a file, not a folder/);
    expect(results).toMatch(/gone\.pdf does not exist in the workspace/);
    for (const where of [rig.home, rig.realHome, "/workspaces/", idFolderName(rig.accountId)]) {
      expect(results).not.toContain(where);
    }
  });
});
