/** Faithful rendering of what an ACP agent sends (issue 15 item 4), against the recorder alone. */
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { splitMessage } from "../../gateway/delivery/split.js";
import { BUBBLE_BREAK } from "../types.js";
import { FakeIO } from "./testing/harness.js";
import { AGENT_MEDIA_DIR, MAX_AGENT_MEDIA_BYTES, TurnRecorder } from "./turn.js";
import { Workspace } from "./workspace.js";

const chunk = (text: string, messageId?: string) =>
  ({
    sessionUpdate: "agent_message_chunk",
    content: { type: "text", text },
    ...(messageId ? { messageId } : {}),
  }) as const;

let base: string;
let ws: Workspace;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "wx-acp-render-"));
  ws = await Workspace.open(join(base, "ws"));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("TurnRecorder: rendering", () => {
  it("a new messageId starts a new bubble instead of gluing `I'll run that.Done.`", async () => {
    const rec = new TurnRecorder(new FakeIO());
    rec.apply(chunk("I'll run ", "m1"));
    rec.apply(chunk("that.", "m1"));
    rec.apply(chunk("Done.", "m2"));
    const { text } = await rec.reply("end_turn");
    expect(text).toBe(`I'll run that.${BUBBLE_BREAK}Done.`);
    expect(splitMessage(text)).toEqual(["I'll run that.", "Done."]);
  });

  it("a bubble marker inside the agent's own text splits nothing: only a new messageId does", async () => {
    const rec = new TurnRecorder(new FakeIO());
    rec.apply(chunk(`one${BUBBLE_BREAK}two${BUBBLE_BREAK.repeat(50)}three`, "m1"));
    const { text } = await rec.reply("end_turn");
    expect(text).toBe("onetwothree");
    expect(splitMessage(text)).toEqual(["onetwothree"]);
  });

  it("chunks without messageId (older agents) stay one message", async () => {
    const rec = new TurnRecorder(new FakeIO());
    rec.apply(chunk("a"));
    rec.apply(chunk("b"));
    expect((await rec.reply("end_turn")).text).toBe("ab");
  });

  it("notices stay out of the reply; a retry status shows once as progress", async () => {
    const io = new FakeIO();
    const rec = new TurnRecorder(io);
    rec.apply({ sessionUpdate: "notice", severity: "warning", title: "Context almost full" });
    rec.apply({ sessionUpdate: "notice", severity: "info", title: "Reconnecting... 1/5" });
    rec.apply(chunk("Reconnecting... 2/5"));
    rec.apply(chunk("Reconnecting... 3/5"));
    rec.apply(chunk("Retrying the test shows it passes."));
    expect(io.progressLines).toEqual(["⏳ The model service is not answering; retrying…"]);
    expect((await rec.reply("end_turn")).text).toBe("Retrying the test shows it passes.");
  });

  it("codex-acp 2.x's retry (session_info_update, _meta.codex.error.willRetry) shows once; a final error does not", async () => {
    const io = new FakeIO();
    const rec = new TurnRecorder(io);
    const info = (willRetry: boolean, message: string) =>
      ({
        sessionUpdate: "session_info_update",
        _meta: { codex: { error: { message, willRetry } } },
      }) as const;
    rec.apply(info(false, "unexpected status 500"));
    expect(io.progressLines).toEqual([]);
    rec.apply(info(true, "Reconnecting... 1/5"));
    rec.apply(info(true, "Reconnecting... 2/5"));
    rec.apply({ sessionUpdate: "session_info_update", title: "Fix the tests" });
    expect(io.progressLines).toEqual(["⏳ The model service is not answering; retrying…"]);
    expect((await rec.reply("end_turn")).text).toBe("(the agent finished without a reply)");
  });

  it("tool progress uses the title a later tool_call_update gives", () => {
    const io = new FakeIO();
    const rec = new TurnRecorder(io);
    rec.apply({ sessionUpdate: "tool_call", toolCallId: "t", title: "Terminal", kind: "execute" });
    rec.apply({
      sessionUpdate: "tool_call_update",
      toolCallId: "t",
      title: "npm test",
      status: "in_progress",
    });
    rec.apply({ sessionUpdate: "tool_call_update", toolCallId: "t", title: "npm test", status: "completed" });
    expect(io.progressLines).toEqual(["▶️ Terminal", "▶️ npm test"]);
  });

  it("image, audio and resource blocks are saved in the workspace and delivered as files", async () => {
    const rec = new TurnRecorder(new FakeIO(), { workspace: ws });
    const png = Buffer.from("\x89PNG fake");
    rec.apply(chunk("Here:"));
    rec.apply({
      sessionUpdate: "agent_message_chunk",
      content: { type: "image", data: png.toString("base64"), mimeType: "image/png" },
    });
    rec.apply({
      sessionUpdate: "agent_message_chunk",
      content: { type: "audio", data: "AAAA", mimeType: "audio/wav" },
    });
    rec.apply({
      sessionUpdate: "agent_message_chunk",
      content: {
        type: "resource",
        resource: { uri: "file:///x/../report.csv", text: "a,b\n", mimeType: "text/csv" },
      },
    });
    const reply = await rec.reply("end_turn");
    expect(reply.text).toBe("Here:");
    const paths = (reply.files ?? []).map((f) => f.path);
    expect(paths).toHaveLength(3);
    for (const p of paths) expect(p.startsWith(join(ws.root, AGENT_MEDIA_DIR))).toBe(true);
    expect(await readFile(paths[0] ?? "")).toEqual(png);
    expect(paths[1]).toMatch(/\.wav$/);
    expect(paths[2]).toMatch(/report\.csv$/);
    expect(await readFile(paths[2] ?? "", "utf8")).toBe("a,b\n");
  });

  it("an oversized block is refused before it is decoded; a planted link is not followed", async () => {
    const rec = new TurnRecorder(new FakeIO(), { workspace: ws });
    const big = "A".repeat(Math.ceil((MAX_AGENT_MEDIA_BYTES * 4) / 3) + 8);
    rec.apply({
      sessionUpdate: "agent_message_chunk",
      content: { type: "image", data: big, mimeType: "image/png" },
    });
    const reply = await rec.reply("end_turn");
    expect(reply.files).toBeUndefined();
    expect(reply.text).toContain("above the");

    await symlink(base, join(ws.root, AGENT_MEDIA_DIR));
    const rec2 = new TurnRecorder(new FakeIO(), { workspace: ws });
    rec2.apply({
      sessionUpdate: "agent_message_chunk",
      content: { type: "image", data: "AAAA", mimeType: "image/png" },
    });
    const reply2 = await rec2.reply("end_turn");
    expect(reply2.files).toBeUndefined();
    expect(reply2.text).toContain("could not be saved");
  });
});
