import type { ModelMessage } from "ai";
import { describe, expect, it } from "vitest";
import { boundHistory, cutToolInputs, HISTORY_PART_CHARS } from "./history.js";

const BIG = "word ".repeat(800_000); // 4 MB
const bounds = { maxMessages: 60, maxChars: 400_000 };

const user = (text: string): ModelMessage => ({ role: "user", content: text });
const assistant = (text: string): ModelMessage => ({ role: "assistant", content: [{ type: "text", text }] });
const call = (input: unknown): ModelMessage => ({
  role: "assistant",
  content: [{ type: "tool-call", toolCallId: "c1", toolName: "read", input }],
});
const result = (output: unknown): ModelMessage =>
  ({
    role: "tool",
    content: [{ type: "tool-result", toolCallId: "c1", toolName: "read", output }],
  }) as ModelMessage;
const size = (h: ModelMessage[]) => JSON.stringify(h).length;

describe("boundHistory", () => {
  it("cuts each text, tool input and tool output to 8 000 characters, and says so", () => {
    const h = boundHistory(
      [
        user("hi"),
        call({ path: "x/".repeat(2_000_000) }),
        result({ type: "text", value: BIG }),
        result({ type: "json", value: { lines: BIG.split(" ") } }),
        assistant(BIG),
      ],
      bounds,
    );
    expect(size(h)).toBeLessThan(5 * HISTORY_PART_CHARS + 2_000);
    const [, c, t, j, a] = h as [ModelMessage, ModelMessage, ModelMessage, ModelMessage, ModelMessage];
    expect(JSON.stringify(c.content)).toContain(
      '"input":{"note":"arguments of more than 8000 characters, not kept in the history"}',
    );
    expect(JSON.stringify(t.content)).toContain(
      "(3992000 more characters were not kept in this conversation's history)",
    );
    expect(JSON.stringify(j.content)).toMatch(/"output":\{"type":"text","value":"\{\\"lines\\":\[/);
    expect(JSON.stringify(a.content)).toContain("more characters were not kept");
  });

  it("keeps small messages as they are (the same objects)", () => {
    const h = [user("hi"), call({ path: "a.txt" }), result({ type: "text", value: "ok" }), assistant("done")];
    const kept = boundHistory(h, bounds);
    expect(kept).toEqual(h);
    for (const [i, m] of kept.entries()) expect(m).toBe(h[i]);
  });

  it("drops the oldest whole turns once the whole is over maxChars, never the latest turn", () => {
    const turn = (n: number) => [user(`q${n}`), assistant(`${n}`.repeat(7_000))];
    const h = Array.from({ length: 10 }, (_, n) => turn(n)).flat();
    const kept = boundHistory(h, { maxMessages: 60, maxChars: 25_000 });
    expect(kept.map((m) => (m.role === "user" ? m.content : "a"))).toEqual(["q7", "a", "q8", "a", "q9", "a"]);
    expect(size(kept)).toBeLessThanOrEqual(25_000);
    const alone = boundHistory([user("q"), assistant("z".repeat(19_000)), assistant("y".repeat(19_000))], {
      maxMessages: 60,
      maxChars: 10_000,
    });
    expect(alone).toHaveLength(3);
  });

  it("still drops by count", () => {
    const h = Array.from({ length: 10 }, (_, n) => [user(`q${n}`), assistant("a")]).flat();
    expect(boundHistory(h, { maxMessages: 4, maxChars: 400_000 }).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
    ]);
  });
});

describe("cutToolInputs (the steps of a turn in progress)", () => {
  it("replaces only tool-call arguments over the bound; texts and results stay whole", () => {
    const turn = [user("hi"), call({ path: "x/".repeat(2_000_000) }), result({ type: "text", value: BIG })];
    const cut = cutToolInputs(turn);
    expect(JSON.stringify(cut[1]?.content)).toContain(
      "arguments of more than 8000 characters, not kept in the history",
    );
    expect(cut[2]).toBe(turn[2]);
    const small = [user("hi"), call({ path: "a.txt" }), result({ type: "text", value: BIG })];
    expect(cutToolInputs(small)).toBe(small);
  });
});
