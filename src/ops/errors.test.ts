import { describe, expect, it } from "vitest";
import { httpError, ILinkApiError } from "../ilink/errors.js";
import { toOpsError } from "./errors.js";

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
