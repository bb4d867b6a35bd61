import { describe, expect, it } from "vitest";
import { TransportError } from "../transport-error.js";
import { KeyedQueue } from "./sender.js";
import { classifySendError, describeSendError } from "./transport.js";

describe("KeyedQueue", () => {
  it("runs one key in order, survives a failing task, and runs other keys in parallel", async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    let releaseA!: () => void;
    const gate = new Promise<void>((r) => {
      releaseA = r;
    });
    const a1 = q.run("a", async () => {
      await gate;
      log.push("a1");
    });
    const a2 = q.run("a", async () => {
      log.push("a2");
      throw new Error("a2 failed");
    });
    const a3 = q.run("a", async () => log.push("a3"));
    await q.run("b", async () => log.push("b1"));
    expect(log).toEqual(["b1"]);
    releaseA();
    await a1;
    await expect(a2).rejects.toThrow("a2 failed");
    await a3;
    expect(log).toEqual(["b1", "a1", "a2", "a3"]);
    await q.idle();
    expect(q.activeKeys).toBe(0);
  });
});

describe("classifySendError", () => {
  const err = (fields: Record<string, unknown>) => Object.assign(new Error("x"), fields);

  it("reads the transport error's kind; anything else a transport throws is fatal", () => {
    expect(classifySendError(new TransportError("throttled", "x"))).toBe("throttled");
    expect(classifySendError(new TransportError("session-expired", "x"))).toBe("session-expired");
    expect(classifySendError(new TransportError("retryable", "x"))).toBe("retryable");
    expect(classifySendError(new TransportError("fatal", "x"))).toBe("fatal");
    expect(classifySendError(err({ code: "THROTTLED", isRetryable: true }))).toBe("fatal");
    expect(classifySendError("boom")).toBe("fatal");
  });

  it("reports our own abort as aborted, whatever was thrown", () => {
    const c = new AbortController();
    c.abort();
    expect(classifySendError(new TransportError("retryable", "network"), c.signal)).toBe("aborted");
  });

  it("masks secrets in error descriptions", () => {
    const text = describeSendError(
      err({ code: "HTTP_500", message: "failed: Authorization: Bearer abc.def.ghi" }),
    );
    expect(text).not.toContain("abc.def.ghi");
    expect(text).toContain("HTTP_500");
  });
});
