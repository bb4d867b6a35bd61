import { describe, expect, it } from "vitest";
import {
  httpError,
  ILinkApiError,
  ILinkError,
  ILinkTransportError,
  isILinkApiError,
  isILinkError,
  isILinkTransportError,
  isSessionExpiredError,
  networkError,
  networkKind,
} from "./errors.js";

const TOKEN = "secret-bot-token-0123456789";

describe("ILinkError family", () => {
  it("codes ret/errcode into SESSION_EXPIRED, THROTTLED or API_ERROR", () => {
    expect(new ILinkApiError("e", { ret: -14 }).code).toBe("SESSION_EXPIRED");
    expect(new ILinkApiError("e", { errcode: -14, ret: -2 }).code).toBe("SESSION_EXPIRED");
    expect(new ILinkApiError("e", { errcode: -2 }).code).toBe("THROTTLED");
    expect(new ILinkApiError("e", { ret: -4 }).code).toBe("API_ERROR");
    expect(new ILinkApiError("e", { ret: -4 }).isRetryable).toBe(false);
  });

  it("retryability follows the code: 5xx/timeout/network yes, 4xx/abort no", () => {
    expect(httpError("e", 500, "").isRetryable).toBe(true);
    expect(httpError("e", 429, "").isRetryable).toBe(false);
    expect(new ILinkTransportError("TIMEOUT", "t").isRetryable).toBe(true);
    expect(new ILinkTransportError("ABORTED", "a").isRetryable).toBe(false);
    expect(httpError("e", 401, "").message).toContain("loginWithQr()");
  });

  it("never carries the token in message or JSON", () => {
    const api = new ILinkApiError("e", { ret: -1, errmsg: `bad token ${TOKEN}` }, { secrets: [TOKEN] });
    const http = httpError("e", 500, `Authorization: Bearer ${TOKEN}`);
    const net = networkError("e", new Error(`connect to http://x/?token=${TOKEN} failed`));
    for (const err of [api, http, net]) {
      expect(err.message).not.toContain(TOKEN);
      expect(JSON.stringify(err)).not.toContain(TOKEN);
    }
    expect(api.toJSON()).toMatchObject({ code: "API_ERROR", ret: -1, endpoint: "e" });
  });

  it("guards narrow by class and code", () => {
    const api = new ILinkApiError("e", { ret: -14 });
    expect(isILinkError(api)).toBe(true);
    expect(isILinkError(api, "SESSION_EXPIRED")).toBe(true);
    expect(isILinkError(api, "THROTTLED")).toBe(false);
    expect(isILinkApiError(api)).toBe(true);
    expect(isILinkTransportError(api)).toBe(false);
    expect(isSessionExpiredError(api)).toBe(true);
    expect(isILinkError(new Error("x"))).toBe(false);
    expect(new ILinkError("BAD_AES_KEY", "k")).toBeInstanceOf(Error);
  });

  it("classifies network failures like the official client", () => {
    const wrap = (code: string) =>
      new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) });
    expect(networkKind(wrap("ENOTFOUND"))).toBe("dns");
    expect(networkKind(wrap("ECONNREFUSED"))).toBe("tcp");
    expect(networkKind(wrap("UND_ERR_SOCKET"))).toBe("tls");
    expect(networkKind(new Error("???"))).toBe("unknown");
  });
});
