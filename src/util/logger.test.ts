import { describe, expect, it } from "vitest";
import { createRootLogger, prettyLine, redactText } from "./logger.js";

describe("redactText", () => {
  it("masks bearer tokens, secret key=value pairs and listed secrets", () => {
    const token = "tok_abcdef123456";
    const out = redactText(
      `Authorization: Bearer ${token} {"context_token":"ctx-999999","text":"hi"} api_key=sk-12345 raw ${token}`,
      [token],
    );
    expect(out).not.toContain(token);
    expect(out).not.toContain("ctx-999999");
    expect(out).not.toContain("sk-12345");
    expect(out).toContain('"text":"hi"');
  });
});

describe("the logger's redaction", () => {
  it("never writes a secret key's value, at the top level or nested", () => {
    const lines: string[] = [];
    const log = createRootLogger({ write: (line: string) => void lines.push(line) }, "info");
    log.info({ token: "t-1", account: { bot_token: "t-2", nested: { apiKey: "k-3" } } }, "hello");
    const text = lines.join("");
    for (const s of ["t-1", "t-2", "k-3"]) expect(text).not.toContain(s);
    expect(text).toContain("hello");
  });
});

describe("prettyLine", () => {
  it("turns a JSON line into time, level, component, message and extras", () => {
    const line = prettyLine(
      JSON.stringify({ level: 40, time: 0, name: "gateway:poller", msg: "backing off", delayMs: 2000 }),
    );
    expect(line).toMatch(/^\d\d:\d\d:\d\d WARN gateway:poller backing off {2}delayMs=2000\n$/);
    expect(prettyLine("not json")).toBe("not json");
  });
});
