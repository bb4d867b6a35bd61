import { describe, expect, it } from "vitest";
import { Bot } from "./bot.js";
import { ILinkClient } from "./client.js";
import { fakeFetch, jsonResponse } from "./fake-fetch.test-util.js";
import { type ILinkLogger, silentLogger } from "./logger.js";

function capture(): {
  logger: ILinkLogger;
  lines: { level: string; fields: Record<string, unknown>; msg: string }[];
} {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, fields, msg });
    };
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

describe("the injected logger", () => {
  it("the client logs each call to the logger it is given, without the token", async () => {
    const { logger, lines } = capture();
    const f = fakeFetch(() => jsonResponse({ ret: 0, typing_ticket: "tt" }));
    const c = new ILinkClient({
      baseUrl: "http://x.test",
      token: "secret-token-123",
      fetch: f.fetch,
      logger,
    });
    await c.getConfig({ ilink_user_id: "u@im.wechat", context_token: "ctx" });
    expect(lines).toEqual([
      expect.objectContaining({
        level: "debug",
        msg: "ilink call",
        fields: expect.objectContaining({ status: 200 }),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain("secret-token-123");
  });

  it("a Bot logs to the logger it is given: an ignored notifystart failure reaches it", async () => {
    const { logger, lines } = capture();
    const f = fakeFetch(() => new Response("down", { status: 503 }));
    const bot = new Bot({
      token: "t-123456",
      baseUrl: "http://x.test",
      fetch: f.fetch,
      logger,
      retryDelayMs: 1,
    });
    const started = bot.start();
    await bot.stop();
    await started;
    expect(lines.some((l) => l.level === "warn" && /failed \(ignored\)/.test(l.msg))).toBe(true);
  });

  it("silentLogger drops everything and cannot be changed", () => {
    expect(() => silentLogger.warn({ a: 1 }, "x")).not.toThrow();
    expect(Object.isFrozen(silentLogger)).toBe(true);
  });
});
