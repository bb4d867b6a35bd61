import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { onBoundedLines } from "./bounded-lines.js";

function collect(maxChars: number): { input: PassThrough; lines: string[]; closed: Promise<void> } {
  const input = new PassThrough();
  const lines: string[] = [];
  const closed = new Promise<void>((resolve) =>
    onBoundedLines(input, maxChars, (l) => lines.push(l), resolve),
  );
  return { input, lines, closed };
}

describe("onBoundedLines", () => {
  it("splits on newlines across chunks, drops a CR before the newline, and gives the last line at close", async () => {
    const c = collect(100);
    c.input.write("one\r\ntw");
    c.input.write("o\n\nthree");
    c.input.end();
    await c.closed;
    expect(c.lines).toEqual(["one", "two", "", "three"]);
  });

  it("keeps only the first maxChars of a long line and goes on with the next one", async () => {
    const c = collect(5);
    c.input.write("abcdefgh");
    c.input.write("ijkl\nxy\n");
    c.input.end();
    await c.closed;
    expect(c.lines).toEqual(["abcde", "xy"]);
  });

  it("never holds more than maxChars of a line that does not end (64 MiB written, no newline)", async () => {
    const c = collect(2_000);
    const mib = "x".repeat(1024 * 1024);
    for (let i = 0; i < 64; i++) c.input.write(mib);
    c.input.write("\nnext\n");
    c.input.end();
    await c.closed;
    expect(c.lines[0]?.length).toBe(2_000);
    expect(c.lines[1]).toBe("next");
  });
});
