import { mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  extractFileTags,
  longReplyAsFile,
  outboundKind,
  prepareOutboundReply,
  resolveOutboundFiles,
  summaryOf,
} from "./outbound.js";
import { PNG_1PX } from "./sim.test-util.js";

let root: string;
let ws: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "outbound-"));
  ws = join(root, "ws");
  await mkdir(join(ws, "out"), { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("extractFileTags", () => {
  it("removes the tags, tidies the whitespace and returns the paths in order, once each", () => {
    const r = extractFileTags(
      "Here is the chart:\n<<FILE:out/chart.png>>\n\n\n\nAnd the data <<FILE: out/data.csv >> too.  \n<<FILE:out/chart.png>>",
    );
    expect(r.paths).toEqual(["out/chart.png", "out/data.csv"]);
    expect(r.text).toBe("Here is the chart:\n\nAnd the data too.");
  });
  it("leaves text without tags exactly alone (code alignment included)", () => {
    const text = "no files << here >>\n```\na    b\n```\n\n\n";
    expect(extractFileTags(text)).toEqual({ text, paths: [] });
  });
});

describe("resolveOutboundFiles", () => {
  it("allows workspace files, relative or absolute, and sniffs the kind from the content", async () => {
    await writeFile(join(ws, "out", "chart.dat"), PNG_1PX); // image bytes, odd extension
    await writeFile(join(ws, "out", "fake.png"), "not an image");
    await writeFile(join(ws, "notes.txt"), "hi");
    const r = await resolveOutboundFiles(["out/chart.dat", join(ws, "out", "fake.png"), "notes.txt"], ws);
    expect(r.refusals).toEqual([]);
    expect(r.files.map((f) => [f.name, f.kind, f.mime])).toEqual([
      ["chart.dat", "image", "image/png"],
      ["fake.png", "file", "application/octet-stream"],
      ["notes.txt", "file", "text/plain"],
    ]);
  });

  it("refuses outside paths, .. escapes, symlink escapes, missing, empty and oversize files with clear words", async () => {
    await writeFile(join(root, "secret.txt"), "secret");
    await symlink(join(root, "secret.txt"), join(ws, "link.txt"));
    await writeFile(join(ws, "empty.txt"), "");
    await writeFile(join(ws, "big.zip"), "");
    await truncate(join(ws, "big.zip"), 3000);
    const r = await resolveOutboundFiles(
      [
        join(root, "secret.txt"),
        "../secret.txt",
        "link.txt",
        "nope.pdf",
        "empty.txt",
        "big.zip",
        "/etc/passwd",
      ],
      ws,
      { maxFileBytes: 2048 },
    );
    expect(r.files).toEqual([]);
    expect(r.refusals.map((x) => [x.code, x.message])).toEqual([
      ["WORKSPACE_ESCAPE", 'I can\'t send "secret.txt": it is outside my workspace.'],
      ["WORKSPACE_ESCAPE", 'I can\'t send "secret.txt": it is outside my workspace.'],
      ["WORKSPACE_ESCAPE", 'I can\'t send "link.txt": it is outside my workspace.'],
      ["FILE_NOT_FOUND", 'I can\'t send "nope.pdf": the file does not exist.'],
      ["MEDIA_EMPTY", 'I can\'t send "empty.txt": the file is empty.'],
      ["FILE_TOO_LARGE", 'I can\'t send "big.zip": it is 3 KB, over the 2 KB limit.'],
      ["WORKSPACE_ESCAPE", 'I can\'t send "passwd": it is outside my workspace.'],
    ]);
  });

  it("an image over the image limit goes as a file; over the file limit it is refused", async () => {
    await writeFile(join(ws, "photo.png"), Buffer.concat([PNG_1PX, Buffer.alloc(3000)]));
    const asFile = await resolveOutboundFiles(["photo.png"], ws, { maxImageBytes: 1024, maxFileBytes: 8192 });
    expect(asFile.files[0]).toMatchObject({ kind: "file", mime: "image/png" });
    const refused = await resolveOutboundFiles(["photo.png"], ws, {
      maxImageBytes: 1024,
      maxFileBytes: 2048,
    });
    expect(refused.refusals[0]?.code).toBe("FILE_TOO_LARGE");
    expect(await outboundKind(join(ws, "photo.png"), { maxImageBytes: 1024 })).toBe("file");
    expect(await outboundKind(join(ws, "photo.png"))).toBe("image");
  });
});

describe("longReplyAsFile", () => {
  const long =
    `# Findings\n\nThe short version: it works.\n\n${"A paragraph of detail. ".repeat(40)}\n\n`.repeat(20);

  it("leaves a reply that fits in the bubbles alone", async () => {
    expect(await longReplyAsFile("short answer", { workspaceDir: ws })).toBeUndefined();
  });

  it("writes a reply needing more bubbles than the limit to outbox/*.md with a short summary", async () => {
    const r = await longReplyAsFile(long, { workspaceDir: ws, maxBubbles: 6, chunkChars: 2000 });
    expect(r?.files).toHaveLength(1);
    const path = r?.files[0] as string;
    expect(path.startsWith(join(ws, "outbox"))).toBe(true);
    expect(path.endsWith(".md")).toBe(true);
    expect(await readFile(path, "utf8")).toBe(long.endsWith("\n") ? long : `${long}\n`);
    expect(r?.text).toMatch(/^Findings\n\n\(The reply is long: full reply attached as reply-.*\.md\.\)$/);
  });

  it("summaryOf caps the first paragraph", () => {
    expect(summaryOf(`${"word ".repeat(100)}\n\nsecond`, 20)).toMatch(/^word word word word…$/);
  });
});

describe("prepareOutboundReply", () => {
  it("turns tags and reply.files into checked files and appends refusals to the text", async () => {
    await writeFile(join(ws, "out", "a.png"), PNG_1PX);
    await writeFile(join(ws, "b.txt"), "b");
    const r = await prepareOutboundReply(
      {
        text: "Done. <<FILE:out/a.png>> <<FILE:/etc/hosts>>",
        files: [{ path: "b.txt", caption: "the notes" }],
      },
      { workspaceDir: ws },
    );
    expect(r.text).toBe('Done.\n\nI can\'t send "hosts": it is outside my workspace.');
    expect(r.files).toEqual([
      { path: join(ws, "out", "a.png") },
      { path: join(ws, "b.txt"), caption: "the notes" },
    ]);
  });

  it("a very long reply becomes a summary plus the .md, first among the files", async () => {
    const r = await prepareOutboundReply(
      { text: `Intro.\n\n${"x ".repeat(8000)}` },
      { workspaceDir: ws, maxBubbles: 2 },
    );
    expect(r.text.startsWith("Intro.\n\n(The reply is long")).toBe(true);
    expect(r.files?.[0]?.path).toMatch(/outbox\/reply-.*\.md$/);
  });
});
