import { readFileSync } from "node:fs";
import type { PermissionOption, RequestPermissionRequest } from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { PRESETS, type Preset } from "../presets.js";
import { decide } from "./config.js";
import { answerPermission, formatQuestion, parseAnswer, rejectAnswer } from "./permission.js";
import { CODEX_COMMAND_OPTIONS, claudeOptions } from "./testing/adapter-options.js";
import { FakeIO } from "./testing/harness.js";

const OPTIONS: PermissionOption[] = [
  { optionId: "a1", name: "allow once", kind: "allow_once" },
  { optionId: "a2", name: "allow always", kind: "allow_always" },
  { optionId: "r1", name: "reject", kind: "reject_once" },
];

function request(kind: RequestPermissionRequest["toolCall"]["kind"] = "edit"): RequestPermissionRequest {
  return { sessionId: "s", toolCall: { toolCallId: "t", title: "Edit src/a.ts", kind }, options: OPTIONS };
}

const ASK_ALL: Preset = {
  list: "ask",
  read: "ask",
  search: "ask",
  write: "ask",
  edit: "ask",
  run_command: "ask",
  send_file: "ask",
  fetch_url: "ask",
  schedule: "ask",
};

function ctx(io: FakeIO, preset: Preset = ASK_ALL, signal = new AbortController().signal) {
  return { io, preset, timeoutMs: 5_000, askTo: "contact" as const, signal };
}

describe("permission question", () => {
  it("numbers the agent's own options and names the tool call", () => {
    expect(formatQuestion(request())).toBe(
      "🔐 The agent asks to: Edit src/a.ts\n1 allow once · 2 allow always · 3 reject\nReply 1–3 (or y/n).",
    );
  });

  it("the README's example questions are what the pinned adapters' options show, and `y` is allow-once in both", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    for (const options of [claudeOptions("Bash(npm test)"), CODEX_COMMAND_OPTIONS]) {
      const shown = formatQuestion({
        sessionId: "s",
        toolCall: { toolCallId: "t", title: "npm test", kind: "execute" },
        options,
      }).split("\n")[1];
      expect(readme).toContain(`\`${shown}\``);
      expect(parseAnswer("y", options)?.kind).toBe("allow_once");
      expect(parseAnswer("n", options)?.kind).toBe("reject_once");
    }
  });

  it("reads digits, y/n, always and Chinese replies", () => {
    expect(parseAnswer("1", OPTIONS)?.optionId).toBe("a1");
    expect(parseAnswer(" 2 ", OPTIONS)?.optionId).toBe("a2");
    expect(parseAnswer("3", OPTIONS)?.optionId).toBe("r1");
    expect(parseAnswer("4", OPTIONS)).toBeUndefined();
    expect(parseAnswer("Y", OPTIONS)?.optionId).toBe("a1");
    expect(parseAnswer("no.", OPTIONS)?.optionId).toBe("r1");
    expect(parseAnswer("always", OPTIONS)?.optionId).toBe("a2");
    expect(parseAnswer("好的", OPTIONS)?.optionId).toBe("a1");
    expect(parseAnswer("拒绝", OPTIONS)?.optionId).toBe("r1");
    expect(parseAnswer("maybe later", OPTIONS)).toBeUndefined();
  });

  it("rejects with reject_once, or the cancelled outcome when the agent offers no reject", () => {
    expect(rejectAnswer(OPTIONS)).toEqual({ outcome: { outcome: "selected", optionId: "r1" } });
    expect(rejectAnswer(OPTIONS.slice(0, 2))).toEqual({ outcome: { outcome: "cancelled" } });
  });
});

describe("answerPermission", () => {
  it("asks the contact and returns the chosen option", async () => {
    const io = new FakeIO(["2"]);
    const answer = await answerPermission(request(), ctx(io));
    expect(answer).toEqual({ outcome: { outcome: "selected", optionId: "a2" } });
    expect(io.questions).toHaveLength(1);
    expect(io.questions[0]?.options).toEqual({ timeoutMs: 5_000, to: "contact" });
  });

  it("asks once more after an unreadable reply, then rejects", async () => {
    const io = new FakeIO(["what?", "hmm"]);
    const answer = await answerPermission(request(), ctx(io));
    expect(answer).toEqual({ outcome: { outcome: "selected", optionId: "r1" } });
    expect(io.questions).toHaveLength(2);
    expect(io.questions[1]?.question).toMatch(/^Sorry, I didn't get that\./);
  });

  it("accepts a readable second reply", async () => {
    const io = new FakeIO(["what?", "y"]);
    expect(await answerPermission(request(), ctx(io))).toEqual({
      outcome: { outcome: "selected", optionId: "a1" },
    });
  });

  it("rejects on silence", async () => {
    const io = new FakeIO([undefined]);
    expect(await answerPermission(request(), ctx(io))).toEqual({
      outcome: { outcome: "selected", optionId: "r1" },
    });
  });

  it("answers cancelled when the turn is stopped while waiting", async () => {
    const io = new FakeIO(["<never>"]);
    const stop = new AbortController();
    const pending = answerPermission(request(), ctx(io, ASK_ALL, stop.signal));
    stop.abort();
    expect(await pending).toEqual({ outcome: { outcome: "cancelled" } });
  });

  it("answers from the preset without asking: reads allowed, read-only edits refused", async () => {
    const io = new FakeIO();
    expect(await answerPermission(request("read"), ctx(io, PRESETS["read-only"]))).toEqual({
      outcome: { outcome: "selected", optionId: "a1" },
    });
    expect(await answerPermission(request("edit"), ctx(io, PRESETS["read-only"]))).toEqual({
      outcome: { outcome: "selected", optionId: "r1" },
    });
    expect(io.questions).toHaveLength(0);
  });
});

describe("kind → preset", () => {
  it("maps ACP tool kinds onto the shared preset's tools", () => {
    const ws = PRESETS["workspace-write"];
    expect(decide(ws, "edit")).toBe("allow");
    expect(decide(ws, "execute")).toBe("ask");
    expect(decide(ws, "fetch")).toBe("ask");
    expect(decide(PRESETS["read-only"], "search")).toBe("allow");
    expect(decide(PRESETS["read-only"], "delete")).toBe("deny");
    expect(decide(PRESETS["read-only"], "think")).toBe("allow");
    // No kind at all is treated like an arbitrary command.
    expect(decide(ws, undefined)).toBe("ask");
    expect(decide(PRESETS.full, null)).toBe("allow");
  });
});
