import { describe, expect, it } from "vitest";
import { encodeClientVersion, randomWechatUin, sanitizeBotAgent } from "./headers.js";

describe("X-WECHAT-UIN (§1.5)", () => {
  it("is base64 of the decimal string of a uint32, fresh each time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const v = randomWechatUin();
      const decoded = Buffer.from(v, "base64").toString("ascii");
      expect(decoded).toMatch(/^\d{1,10}$/);
      expect(Number(decoded)).toBeLessThanOrEqual(0xffffffff);
      seen.add(v);
    }
    expect(seen.size).toBeGreaterThan(15);
    expect(Buffer.from("123456789").toString("base64")).toBe("MTIzNDU2Nzg5"); // the spec's example
  });
});

describe("iLink-App-ClientVersion (§1.6)", () => {
  it.each([
    ["2.4.9", "132105"],
    ["1.0.11", "65547"],
    ["2.2.0", "131584"],
    ["2.4.9-beta", "132105"],
    ["1.2.9-beta.0", "66057"],
    ["garbage", "0"],
  ])("%s → %s", (version, encoded) => {
    expect(encodeClientVersion(version)).toBe(encoded);
  });
});

describe("bot_agent sanitiser (§1.8)", () => {
  it.each([
    "MyBot/1.2.0",
    "MyBot/1.2.0 (region=cn;env=prod)",
    "MyBot/1.2.0 LangChain/0.3.5",
    "MyBot/1.2.0-rc.1+build.5",
  ])("passes %s unchanged", (agent) => {
    expect(sanitizeBotAgent(agent)).toBe(agent);
  });

  it("glues a comment with spaces and collapses whitespace", () => {
    expect(sanitizeBotAgent("  MyBot/1.0   (a  b c)  Other/2 ")).toBe("MyBot/1.0 (a b c) Other/2");
  });

  it("drops invalid products and comments without a product before them", () => {
    expect(sanitizeBotAgent("(orphan) bad@name/1 Good/1 (ok)")).toBe("Good/1 (ok)");
    expect(sanitizeBotAgent("NoVersion Good/1")).toBe("Good/1");
    expect(sanitizeBotAgent("Bad/ (x) Good/2")).toBe("Good/2");
  });

  it("keeps the product when its comment is invalid, and attaches at most one comment", () => {
    expect(sanitizeBotAgent("A/1 (has(paren)")).toBe("A/1");
    expect(sanitizeBotAgent(`A/1 (${"x".repeat(65)})`)).toBe("A/1");
    expect(sanitizeBotAgent("A/1 (one) (two)")).toBe("A/1 (one)");
    expect(sanitizeBotAgent("A/1 (unclosed comment")).toBe("A/1");
  });

  it("enforces the name and version lengths", () => {
    expect(sanitizeBotAgent(`${"n".repeat(33)}/1 B/1`)).toBe("B/1");
    expect(sanitizeBotAgent(`A/${"1".repeat(33)} B/1`)).toBe("B/1");
    expect(sanitizeBotAgent(`${"n".repeat(32)}/${"1".repeat(32)}`)).toBe(
      `${"n".repeat(32)}/${"1".repeat(32)}`,
    );
  });

  it("drops trailing products over 256 bytes", () => {
    const p = `${"a".repeat(30)}/${"1".repeat(30)}`; // 61 bytes
    const out = sanitizeBotAgent([p, p, p, p, p].join(" ")); // 309 bytes
    expect(out).toBe([p, p, p, p].join(" ")); // 247 bytes
  });

  it("falls back to OpenClaw (or the given fallback) when nothing is left", () => {
    expect(sanitizeBotAgent(undefined)).toBe("OpenClaw");
    expect(sanitizeBotAgent("")).toBe("OpenClaw");
    expect(sanitizeBotAgent("中文 ???")).toBe("OpenClaw");
    expect(sanitizeBotAgent("   ", "wxagent/0.1.0")).toBe("wxagent/0.1.0");
  });
});
