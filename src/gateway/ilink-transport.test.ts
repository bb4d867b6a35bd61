import { describe, expect, it } from "vitest";
import { ILinkApiError, ILinkTransportError } from "../ilink/errors.js";
import { fromWire, toTransportError } from "./ilink-transport.js";
import { userText } from "./testing.js";
import { TransportError } from "./transport-error.js";

describe("the iLink transport's one error mapping", () => {
  it("maps -14 to session-expired and -2 to throttled, keeping iLink's code and message", () => {
    const expired = toTransportError(new ILinkApiError("ilink/bot/getupdates", { errcode: -14 }));
    expect(expired).toBeInstanceOf(TransportError);
    expect(expired).toMatchObject({ kind: "session-expired", code: "SESSION_EXPIRED", isRetryable: false });
    const throttled = toTransportError(new ILinkApiError("ilink/bot/sendmessage", { ret: -2, errmsg: "x" }));
    expect(throttled).toMatchObject({ kind: "throttled", code: "THROTTLED", retryAfterMs: undefined });
    expect(throttled.message).toContain("ret=-2");
  });

  it("maps the rest by iLink's retryable flag; a foreign error is fatal", () => {
    expect(toTransportError(new ILinkTransportError("NETWORK", "down")).kind).toBe("retryable");
    expect(toTransportError(new ILinkTransportError("HTTP_503", "busy", { status: 503 })).kind).toBe(
      "retryable",
    );
    expect(toTransportError(new ILinkTransportError("HTTP_400", "bad", { status: 400 })).kind).toBe("fatal");
    expect(toTransportError(new ILinkApiError("ilink/bot/sendmessage", { ret: -1 })).kind).toBe("fatal");
    expect(toTransportError(new Error("bug")).kind).toBe("fatal");
    const own = new TransportError("throttled", "t", { retryAfterMs: 5 });
    expect(toTransportError(own)).toBe(own);
  });
});

describe("fromWire: getupdates elements as the gateway's messages", () => {
  it("takes user messages, drops echoes, refuses malformed ones alone, and fails a non-list", () => {
    expect(fromWire(undefined)).toEqual([]);
    expect(() => fromWire({ not: "a list" })).toThrow(/not a list/);
    const [ok, echo, bad] = fromWire([userText("u1", "hi"), { ...userText("bot", "x"), message_type: 2 }, 7]);
    expect(ok).toMatchObject({ ok: true, inbound: { fromUserId: "u1" } });
    expect(echo).toMatchObject({ ok: false, level: "debug" });
    expect(bad).toMatchObject({ ok: false, level: "warn" });
  });
});
