import { describe, expect, it } from "vitest";
import { httpError, ILinkApiError, ILinkTransportError } from "../ilink/errors.js";
import { StoreError } from "../store/errors.js";
import { errorBody, OpsError, toOpsError } from "./errors.js";

describe("toOpsError", () => {
  it("an SDK -14 is ACCOUNT_EXPIRED and names wxagent's way back in", () => {
    const e = toOpsError(new ILinkApiError("getupdates", { ret: -14 }));
    expect(e.code).toBe("ACCOUNT_EXPIRED");
    expect(e.message).toContain("`wxagent login` (or call login_start)");
  });

  it("a refused token says the same; other failures get no login hint", () => {
    expect(toOpsError(httpError("sendmessage", 401, "")).message).toContain("`wxagent login`");
    const other = toOpsError(httpError("sendmessage", 502, ""));
    expect(other.code).toBe("INTERNAL");
    expect(other.message).not.toContain("wxagent login");
  });
});

describe("OpsError", () => {
  it("is retryable by its code, and serializes to {code, message, retryable}", () => {
    expect(new OpsError("SEND_FAILED", "s").toJSON()).toEqual({
      code: "SEND_FAILED",
      message: "s",
      retryable: true,
    });
    expect(new OpsError("QUOTA_SPENT", "q").isRetryable).toBe(false);
    expect(errorBody("FORBIDDEN", "no")).toEqual({
      error: { code: "FORBIDDEN", message: "no", retryable: false },
    });
  });

  it("toOpsError maps -14 to ACCOUNT_EXPIRED and keeps a wrapped error's retryability", () => {
    const expired = toOpsError(new ILinkApiError("ilink/bot/getupdates", { errcode: -14 }));
    expect(expired).toMatchObject({ code: "ACCOUNT_EXPIRED", isRetryable: false });
    const busy = toOpsError(new StoreError("DB_BUSY", "the database is busy; retry"));
    expect(busy.toJSON()).toEqual({
      code: "INTERNAL",
      message: "unexpected failure: the database is busy; retry",
      retryable: true,
    });
    expect(toOpsError(new ILinkTransportError("NETWORK", "down")).isRetryable).toBe(true);
    expect(toOpsError(new StoreError("SCHEMA_TOO_NEW", "newer")).isRetryable).toBe(false);
    expect(toOpsError(new Error("boom"))).toMatchObject({ code: "INTERNAL", isRetryable: false });
    expect(toOpsError(new StoreError("ACCOUNT_LOCKED", "held")).code).toBe("BAD_INPUT");
  });

  it("redacts a foreign error's token", () => {
    const e = toOpsError(new Error('failed: {"bot_token":"abcdef123456"}'));
    expect(e.message).not.toContain("abcdef123456");
  });
});
