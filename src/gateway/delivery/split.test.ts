import { describe, expect, it } from "vitest";
import { codePointLength, splitMessage } from "./split.js";

const within = (bubbles: string[], limit: number) => {
  for (const b of bubbles) {
    expect(codePointLength(b)).toBeLessThanOrEqual(limit);
    expect(b.trim()).not.toBe("");
  }
};

describe("splitMessage", () => {
  it("returns one bubble for short text and none for blank text", () => {
    expect(splitMessage("hello")).toEqual(["hello"]);
    expect(splitMessage("")).toEqual([]);
    expect(splitMessage(" \n\n\t \n")).toEqual([]);
  });

  it("drops trailing whitespace and leading blank lines, keeps inner text", () => {
    expect(splitMessage("\n\n  hi there  \n\n\n")).toEqual(["  hi there"]);
    expect(splitMessage("a\r\nb\r\n")).toEqual(["a\nb"]);
  });

  it("prefers paragraph boundaries", () => {
    const p1 = "a".repeat(30);
    const p2 = "b".repeat(30);
    const p3 = "c".repeat(30);
    const out = splitMessage(`${p1}\n\n${p2}\n\n${p3}`, 70);
    expect(out).toEqual([`${p1}\n\n${p2}`, p3]);
  });

  it("falls back to line boundaries inside a long paragraph", () => {
    const lines = Array.from({ length: 6 }, (_, i) => `line ${i} ${"x".repeat(10)}`);
    const out = splitMessage(lines.join("\n"), 40);
    within(out, 40);
    expect(out.join("\n")).toBe(lines.join("\n"));
    expect(out[0]).toBe(`${lines[0]}\n${lines[1]}`);
  });

  it("falls back to sentences, then spaces", () => {
    const text = "One two three. Four five six! Seven eight nine?";
    const out = splitMessage(text, 16);
    within(out, 16);
    expect(out).toEqual(["One two three.", "Four five six!", "Seven eight", "nine?"]);
  });

  it("splits CJK on sentence ends and counts code points", () => {
    const s = "这是第一句话。这是第二句话。这是第三句话。";
    const out = splitMessage(s, 14);
    expect(out).toEqual(["这是第一句话。这是第二句话。", "这是第三句话。"]);
    expect(splitMessage("中".repeat(2000))).toHaveLength(1);
    expect(splitMessage("中".repeat(2001))).toHaveLength(2);
  });

  it("never cuts a surrogate pair (emoji)", () => {
    const out = splitMessage("😀".repeat(5), 2);
    expect(out).toEqual(["😀😀", "😀😀", "😀"]);
  });

  it("hard-cuts a single giant word", () => {
    const word = "x".repeat(4500);
    const out = splitMessage(word);
    expect(out.map((b) => b.length)).toEqual([2000, 2000, 500]);
    expect(out.join("")).toBe(word);
  });

  it("keeps a code fence whole in its own bubble rather than cutting it", () => {
    const before = "intro ".repeat(5).trim();
    const fence = "```ts\nconst a = 1;\nconst b = 2;\n```";
    const out = splitMessage(`${before}\n\n${fence}\n\nafter`, 45);
    expect(out).toEqual([before, `${fence}\n\nafter`]);
    for (const b of out) expect((b.match(/```/g) ?? []).length % 2).toBe(0);
  });

  it("does not treat blank lines inside a fence as paragraph boundaries", () => {
    const fence = "```\na\n\nb\n```";
    expect(splitMessage(`x\n\n${fence}`, 14)).toEqual(["x", fence]);
  });

  it("closes and reopens a fence longer than the limit, with its info string", () => {
    const body = Array.from({ length: 20 }, (_, i) => `print(${i})`);
    const text = `Here:\n\n\`\`\`python\n${body.join("\n")}\n\`\`\`\n\nDone.`;
    const out = splitMessage(text, 60);
    within(out, 60);
    const fenced = out.filter((b) => b.includes("print("));
    expect(fenced.length).toBeGreaterThan(1);
    for (const b of fenced) {
      expect(b.startsWith("```python\n") || b.startsWith("Here:\n\n```python\n")).toBe(true);
      expect(b.trimEnd().endsWith("```") || b.endsWith("Done.")).toBe(true);
    }
    // Every code line survives, in order, exactly once.
    const lines = out
      .join("\n")
      .split("\n")
      .filter((l) => l.startsWith("print("));
    expect(lines).toEqual(body);
  });

  it("cuts an overlong line inside a fence and keeps the pieces fenced", () => {
    const text = `\`\`\`\n${"y".repeat(50)}\n\`\`\``;
    const out = splitMessage(text, 20);
    within(out, 20);
    for (const b of out) {
      expect(b.startsWith("```\n")).toBe(true);
      expect(b.endsWith("\n```")).toBe(true);
    }
    expect(out.map((b) => b.slice(4, -4)).join("")).toBe("y".repeat(50));
  });

  it("leaves an unterminated fence unterminated in its last piece", () => {
    const out = splitMessage("```\na\nb\nc\nd", 10);
    within(out, 10);
    expect(out.at(-1)?.endsWith("```")).toBe(false);
    expect(out[0]?.endsWith("\n```")).toBe(true);
  });

  it("recognises ~~~ fences and longer backtick runs", () => {
    const fence = "~~~~\n```\ninner\n```\n~~~~";
    expect(splitMessage(`${fence}\n\ntail`, 25)).toEqual([fence, "tail"]);
  });

  it("rejects a non-positive limit", () => {
    expect(() => splitMessage("x", 0)).toThrow(RangeError);
  });

  it("keeps every bubble within the limit on mixed input", () => {
    const text = [
      "# Title",
      "",
      "段落一。".repeat(40),
      "",
      "```js",
      ...Array.from({ length: 40 }, (_, i) => `console.log(${i}); // ${"z".repeat(i)}`),
      "```",
      "",
      "word ".repeat(300),
    ].join("\n");
    for (const limit of [50, 100, 333, 2000]) within(splitMessage(text, limit), limit);
  });
});
