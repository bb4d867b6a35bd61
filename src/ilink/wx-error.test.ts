import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ILinkApiError, ILinkError, ILinkTransportError } from "./errors.js";
import { ExchangeTimeout } from "./exchange.js";
import { isWxError, messageOf, WxError } from "./wx-error.js";

describe("WxError", () => {
  it("carries code, isRetryable (false unless said), message and cause", () => {
    const cause = new Error("socket hang up");
    const e = new WxError("SOME_CODE", "it failed; do this", { cause, isRetryable: true });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: "SOME_CODE", isRetryable: true, message: "it failed; do this" });
    expect(e.cause).toBe(cause);
    const plain = new WxError("OTHER", "x");
    expect(plain.isRetryable).toBe(false);
    expect("cause" in plain).toBe(false);
  });

  it("serializes to {code, message, retryable}: no stack, no cause", () => {
    const e = new WxError("SOME_CODE", "it failed", { cause: new Error("http://host/?token=abc") });
    expect(e.toJSON()).toEqual({ code: "SOME_CODE", message: "it failed", retryable: false });
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      code: "SOME_CODE",
      message: "it failed",
      retryable: false,
    });
    expect(JSON.stringify(e)).not.toContain("token");
  });

  it("is the base of the SDK's errors, whose JSON keeps their own fields", () => {
    const api = new ILinkApiError("ilink/bot/sendmessage", { ret: -2 });
    const timeout = new ExchangeTimeout(5_000);
    for (const e of [
      api,
      timeout,
      new ILinkTransportError("NETWORK", "n"),
      new ILinkError("NO_MEDIA", "m"),
    ]) {
      expect(e).toBeInstanceOf(WxError);
    }
    expect(api.toJSON()).toMatchObject({
      code: "THROTTLED",
      retryable: true,
      ret: -2,
      name: "ILinkApiError",
    });
    expect(timeout.toJSON()).toEqual({
      code: "TIMEOUT",
      message: "no answer within 5000 ms",
      retryable: true,
    });
    expect(timeout.name).toBe("ExchangeTimeout");
  });

  it("isWxError narrows by class and code", () => {
    const e = new ILinkError("BAD_AES_KEY", "k");
    expect(isWxError(e)).toBe(true);
    expect(isWxError(e, "BAD_AES_KEY")).toBe(true);
    expect(isWxError(e, "TIMEOUT")).toBe(false);
    expect(isWxError(new Error("x"))).toBe(false);
    expect(isWxError({ code: "BAD_AES_KEY", message: "k" })).toBe(false);
  });
});

describe("messageOf", () => {
  it("reads an Error, an error-like object, or any value", () => {
    expect(messageOf(new TypeError("fetch failed"))).toBe("fetch failed");
    expect(messageOf({ code: -32603, message: "Internal error" })).toBe("Internal error");
    expect(messageOf("plain text")).toBe("plain text");
    expect(messageOf(42)).toBe("42");
    expect(messageOf(undefined)).toBe("undefined");
    expect(messageOf(null)).toBe("null");
  });
});

describe("error classes in src/", () => {
  const src = join(import.meta.dirname, "..");
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return files(path);
      return /\.tsx?$/.test(name) && !/\.test(-d|-util)?\.tsx?$/.test(name) ? [path] : [];
    });

  it("extend WxError; only the simulator (which imports wire types alone) keeps its own", () => {
    const direct: string[] = [];
    for (const file of files(src)) {
      const rel = relative(src, file);
      for (const m of readFileSync(file, "utf8").matchAll(/class (\w+) extends Error\b/g)) {
        if (!rel.startsWith("simulator/")) direct.push(`${rel}: ${m[1]}`);
      }
    }
    expect(direct).toEqual([]);
  });

  it("use upper-case codes", () => {
    const lower: string[] = [];
    for (const file of files(src)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/extends WxError<"([^"]+)">/g)) {
        if (m[1] !== m[1]?.toUpperCase()) lower.push(`${relative(src, file)}: ${m[1]}`);
      }
      for (const m of text.matchAll(/export type \w+ErrorCode =([^;]+);/g)) {
        for (const c of m[1]?.matchAll(/"([^"]+)"/g) ?? []) {
          if (c[1] !== c[1]?.toUpperCase()) lower.push(`${relative(src, file)}: ${c[1]}`);
        }
      }
    }
    expect(lower).toEqual([]);
  });
});
