import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AcpError } from "./errors.js";
import { buildPrompt } from "./prompt.js";
import { FakeIO } from "./testing/harness.js";
import { TurnRecorder } from "./turn.js";
import { Workspace } from "./workspace.js";

describe("TurnRecorder", () => {
  it("joins message chunks into the answer and keeps <<FILE:…>> tags", async () => {
    const rec = new TurnRecorder(new FakeIO());
    for (const text of ["Here is ", "the chart ", "<<FILE:out/chart.png>>"]) {
      rec.apply({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } });
    }
    expect(await rec.reply("end_turn")).toEqual({ text: "Here is the chart <<FILE:out/chart.png>>" });
  });

  it("boils tool calls and plans down to one progress line each", () => {
    const io = new FakeIO();
    const rec = new TurnRecorder(io);
    rec.apply({ sessionUpdate: "tool_call", toolCallId: "1", title: "Edit src/a.ts", kind: "edit" });
    rec.apply({ sessionUpdate: "tool_call_update", toolCallId: "1", status: "in_progress" });
    rec.apply({ sessionUpdate: "tool_call_update", toolCallId: "1", status: "completed" });
    const entry = { content: "x", priority: "low", status: "pending" } as const;
    rec.apply({ sessionUpdate: "plan", entries: [entry, entry, entry] });
    rec.apply({ sessionUpdate: "plan", entries: [entry, entry, { ...entry, status: "completed" }] });
    rec.apply({ sessionUpdate: "tool_call", toolCallId: "2", title: "npm test", kind: "execute" });
    rec.apply({ sessionUpdate: "tool_call_update", toolCallId: "2", status: "failed" });
    rec.apply({ sessionUpdate: "agent_thought_chunk", content: { type: "text", text: "hmm" } });
    expect(io.progressLines).toEqual([
      "🔧 Edit src/a.ts",
      "📋 plan: 3 steps",
      "▶️ npm test",
      "⚠️ failed: npm test",
    ]);
    expect(rec.text()).toBe("");
  });

  it("says why a turn ended early, and passes file links on as attachments", async () => {
    const rec = new TurnRecorder(new FakeIO());
    rec.apply({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "partial" } });
    rec.apply({
      sessionUpdate: "agent_message_chunk",
      content: { type: "resource_link", uri: pathToFileURL("/ws/report.pdf").href, name: "report.pdf" },
    });
    expect(await rec.reply("cancelled")).toEqual({
      text: "partial\n\n(stopped)",
      files: [{ path: "/ws/report.pdf" }],
    });
    expect((await new TurnRecorder(new FakeIO()).reply("cancelled")).text).toBe("(stopped)");
  });
});

describe("Workspace", () => {
  let base: string;
  let ws: Workspace;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), "acp-ws-"));
    ws = await Workspace.open(join(base, "ws"));
    await mkdir(join(base, "outside"));
    await writeFile(join(base, "outside", "secret.txt"), "secret");
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it("reads and writes inside, with line windows", async () => {
    await ws.writeText(join(ws.root, "deep/dir/a.txt"), "one\ntwo\nthree");
    expect(await readFile(join(ws.root, "deep/dir/a.txt"), "utf8")).toBe("one\ntwo\nthree");
    expect(await ws.readText("deep/dir/a.txt", 2, 1)).toBe("two");
  });

  it("refuses paths outside, also through symlinks", async () => {
    await symlink(join(base, "outside"), join(ws.root, "link"));
    await expect(ws.readText(join(base, "outside", "secret.txt"))).rejects.toBeInstanceOf(AcpError);
    await expect(ws.readText(join(ws.root, "link", "secret.txt"))).rejects.toMatchObject({
      code: "ACP_PATH_OUTSIDE_WORKSPACE",
    });
    await expect(ws.writeText(join(ws.root, "link", "new.txt"), "x")).rejects.toMatchObject({
      code: "ACP_PATH_OUTSIDE_WORKSPACE",
    });
    await expect(ws.writeText(join(ws.root, "..", "escape.txt"), "x")).rejects.toMatchObject({
      code: "ACP_PATH_OUTSIDE_WORKSPACE",
    });
  });
});

describe("buildPrompt", () => {
  it("sends text, the quote, voice transcripts and files as links", async () => {
    const blocks = await buildPrompt(
      {
        text: "look at this",
        quote: { text: "earlier message" },
        media: [
          { kind: "file", path: "/ws/inbox/a.pdf", name: "a.pdf", mime: "application/pdf" },
          { kind: "voice", transcript: "hello there" },
          { kind: "video", error: "too large" },
        ],
      },
      {},
    );
    expect(blocks).toEqual([
      { type: "text", text: "(replying to: “earlier message”)" },
      { type: "text", text: "look at this" },
      { type: "resource_link", uri: "file:///ws/inbox/a.pdf", name: "a.pdf", mimeType: "application/pdf" },
      { type: "text", text: "(voice message) hello there" },
      { type: "text", text: "(video not available: too large)" },
    ]);
  });
});
