import { describe, expect, it } from "vitest";
import { ILinkApiError, ILinkTransportError } from "../ilink/errors.js";
import { StoreError } from "../store/errors.js";
import { errorBody, OpsError, toOpsError } from "./errors.js";

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
