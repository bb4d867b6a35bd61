import { describe, expect, it } from "vitest";
import { httpError, ILinkApiError } from "../ilink/errors.js";
import { cliHint } from "./errors.js";

describe("cliHint", () => {
  it("adds `wxagent login` to the SDK errors a new login fixes", () => {
    const expired = new ILinkApiError("getupdates", { ret: -14 });
    expect(expired.message).toContain("loginWithQr()");
    expect(cliHint(expired)).toContain("`wxagent login`");
    expect(cliHint(httpError("sendmessage", 401, ""))).toContain("`wxagent login`");
  });

  it("adds nothing to other failures", () => {
    expect(cliHint(httpError("sendmessage", 502, ""))).toBe("");
    expect(cliHint(new Error("boom"))).toBe("");
    expect(cliHint("text")).toBe("");
  });
});
