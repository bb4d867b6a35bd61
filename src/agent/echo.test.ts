import { afterEach, describe, expect, it, vi } from "vitest";
import { createEchoAgent, describeMedia, echoText } from "./echo.js";
import type { AgentInput, AgentIO } from "./types.js";

const io: AgentIO = {
  progress: () => {},
  sendFile: async () => {},
  ask: async () => undefined,
};

function input(
  text: string,
  signal = new AbortController().signal,
  media: AgentInput["media"] = [],
): AgentInput {
  return { contact: { accountId: "a", userId: "u", isOwner: false }, messageId: "1", text, media, signal };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("echo agent", () => {
  it("replies with the inbound text verbatim, unicode and newlines included", async () => {
    const text = "你好 👋\n  second line with `code`";
    const reply = await createEchoAgent().run(input(text), io);
    expect(reply.text).toBe(text);
  });

  it("says its own words in the contact's language", async () => {
    const zh = input("", new AbortController().signal, [{ kind: "image", size: 2048, name: "p.png" }]);
    zh.contact.language = "zh-CN";
    expect((await createEchoAgent().run(zh, io)).text).toBe("[图片 2 KB p.png]");
    const empty = input("");
    empty.contact.language = "zh-CN";
    expect((await createEchoAgent().run(empty, io)).text).toBe("（空消息）");
    expect((await createEchoAgent().run(input(""), io)).text).toBe("(empty message)");
  });

  it("describes media as [kind size name]", () => {
    expect(describeMedia({ kind: "image", size: 12 * 1024, name: "photo.jpg" })).toBe(
      "[image 12 KB photo.jpg]",
    );
    expect(describeMedia({ kind: "file", size: 300, name: "a.txt" })).toBe("[file 300 B a.txt]");
    expect(describeMedia({ kind: "video", size: 3 * 1024 * 1024 })).toBe("[video 3.0 MB]");
    expect(describeMedia({ kind: "voice", transcript: "hi there" })).toBe('[voice "hi there"]');
    expect(echoText({ text: "look", media: [{ kind: "image", size: 2048, name: "p.png" }] })).toBe(
      "look\n[image 2 KB p.png]",
    );
  });

  it("shows what the message quotes, text cut at 200 characters and media described", () => {
    expect(echoText({ text: "and this?", media: [], quote: { text: "the door code is 4711" } })).toBe(
      'and this?\n[quoting "the door code is 4711"]',
    );
    expect(echoText({ text: "?", media: [], quote: { media: { kind: "image", name: "p.png" } } })).toBe(
      "?\n[quoting [image p.png]]",
    );
    const long = echoText({ text: "", media: [], quote: { text: "x".repeat(300) } });
    expect(long).toBe(`[quoting "${"x".repeat(200)}…"]`);
  });

  it("waits delayMs before answering", async () => {
    vi.useFakeTimers();
    let done = false;
    const p = createEchoAgent({ delayMs: 500 })
      .run(input("x"), io)
      .then((r) => {
        done = true;
        return r;
      });
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    expect((await p).text).toBe("x");
  });

  it("is aborted by the turn's signal during the delay", async () => {
    const c = new AbortController();
    const p = createEchoAgent({ delayMs: 60_000 }).run(input("x", c.signal), io);
    c.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
  });
});
