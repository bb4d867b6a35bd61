import { describe, expect, it } from "vitest";
import { createBufferedLogger, LogBuffer } from "./log-buffer.js";

const line = (level: number, msg: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ level, time: 1_000, name: "test", msg, ...extra })}\n`;

describe("LogBuffer", () => {
  it("keeps the last N lines, newest last, with increasing seq", () => {
    const b = new LogBuffer(3);
    for (let i = 1; i <= 5; i++) b.write(line(30, `m${i}`));
    expect(b.size).toBe(3);
    expect(b.entries().map((e) => e.msg)).toEqual(["m3", "m4", "m5"]);
    expect(b.entries().map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(b.entries({ afterSeq: 4 }).map((e) => e.msg)).toEqual(["m5"]);
    expect(b.entries({ limit: 1 }).map((e) => e.msg)).toEqual(["m5"]);
  });

  it("filters by level and splits a chunk holding several lines", () => {
    const b = new LogBuffer();
    b.write(line(20, "debug") + line(40, "warn") + line(50, "error"));
    expect(b.entries({ minLevel: "warn" }).map((e) => [e.level, e.msg])).toEqual([
      ["warn", "warn"],
      ["error", "error"],
    ]);
  });

  it("redacts secrets in free text and details again, and keeps a non-JSON line as text", () => {
    const b = new LogBuffer();
    b.write(
      line(50, "GET failed: Authorization: Bearer abcdef0123456789", {
        url: "https://x/?token=s3cr3t-value",
      }),
    );
    b.write("plain text with bot_token=zzzzzzzzzzzz\n");
    const [json, plain] = b.entries();
    expect(json?.msg).toBe("GET failed: Authorization: Bearer [redacted]");
    expect(json?.details).not.toContain("s3cr3t-value");
    expect(json?.details).toContain("[redacted]");
    expect(plain?.msg).toBe("plain text with bot_token=[redacted]");
  });

  it("is fed by a logger that redacts secret keys like the process logger", async () => {
    const b = new LogBuffer();
    const log = createBufferedLogger(b, { level: "info", stderr: false });
    log
      .child({ name: "gateway" })
      .child({ part: "poller" })
      .info({ accountId: "a1", token: "very-secret-token" }, "polling");
    log.debug("not kept at info");
    await new Promise((r) => setImmediate(r));
    const [entry, ...rest] = b.entries();
    expect(rest).toHaveLength(0);
    expect(entry?.name).toBe("gateway:poller");
    expect(entry?.msg).toBe("polling");
    expect(entry?.details).toContain('"accountId":"a1"');
    expect(entry?.details).not.toContain("very-secret-token");
  });
});
