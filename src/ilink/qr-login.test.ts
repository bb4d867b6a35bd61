import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isILinkError } from "./errors.js";
import { fakeFetch, hangUntilAborted, jsonResponse, type RecordedRequest } from "./fake-fetch.test-util.js";
import { type LoginWithQrOptions, loginWithQr, redirectBaseUrl } from "./qr-login.js";

type StatusStep = Record<string, unknown> | "hang" | "http500" | "garbage";

/** A scripted QR server: QR codes q1, q2, … and a list of status answers, one per poll. */
function qrServer(steps: StatusStep[]) {
  let qrN = 0;
  let stepN = 0;
  const f = fakeFetch((req: RecordedRequest) => {
    if (req.url.includes("get_bot_qrcode")) {
      qrN++;
      return jsonResponse({ qrcode: `q${qrN}`, qrcode_img_content: `https://qr.example/q${qrN}` });
    }
    const step = steps[Math.min(stepN++, steps.length - 1)] ?? { status: "wait" };
    if (step === "hang") return hangUntilAborted(req);
    if (step === "http500") return new Response("oops", { status: 500 });
    if (step === "garbage") return new Response("<html>");
    return jsonResponse(step);
  });
  const statusCalls = () => f.calls.filter((c) => c.url.includes("get_qrcode_status"));
  return { ...f, statusCalls };
}

const CONFIRMED = {
  status: "confirmed",
  bot_token: "bot-token-123456",
  ilink_bot_id: "b0f5860fdecb@im.bot",
  baseurl: "https://api.example",
  ilink_user_id: "owner@im.wechat",
};

function opts(
  fetch: LoginWithQrOptions["fetch"],
  extra: Partial<LoginWithQrOptions> = {},
): LoginWithQrOptions {
  return { fetch, onQr: () => {}, ...extra };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("loginWithQr (§3.2)", () => {
  it("wait → scaned → confirmed, polling every 1 s on the fixed host with local tokens", async () => {
    const srv = qrServer([{ status: "wait" }, { status: "scaned" }, CONFIRMED]);
    const qrs: string[] = [];
    const statuses: string[] = [];
    const p = loginWithQr(
      opts(srv.fetch, {
        localTokens: ["newest", "older"],
        onQr: (qr) => qrs.push(qr.url),
        onStatus: (s) => statuses.push(s),
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(srv.statusCalls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(srv.statusCalls()).toHaveLength(1); // the 1 s interval is respected
    await vi.advanceTimersByTimeAsync(1);
    expect(srv.statusCalls()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(p).resolves.toEqual({
      alreadyBound: false,
      accountId: "b0f5860fdecb@im.bot",
      token: "bot-token-123456",
      baseUrl: "https://api.example",
      userId: "owner@im.wechat",
    });
    expect(qrs).toEqual(["https://qr.example/q1"]);
    expect(statuses).toEqual(["wait", "scaned", "confirmed"]);
    expect(srv.calls[0]?.url).toBe("https://ilinkai.weixin.qq.com/ilink/bot/get_bot_qrcode?bot_type=3");
    expect(JSON.parse(srv.calls[0]?.body ?? "")).toEqual({ local_token_list: ["newest", "older"] });
    expect(srv.statusCalls()[0]?.url).toBe(
      "https://ilinkai.weixin.qq.com/ilink/bot/get_qrcode_status?qrcode=q1",
    );
  });

  it("confirmed without baseurl falls back to the QR host; without ilink_bot_id or bot_token it fails", async () => {
    const { baseurl: _b, ...noBase } = CONFIRMED;
    const a = qrServer([noBase]);
    await expect(loginWithQr(opts(a.fetch, { baseUrl: "http://127.0.0.1:9" }))).resolves.toMatchObject({
      baseUrl: "http://127.0.0.1:9",
    });
    const { ilink_bot_id: _i, ...noId } = CONFIRMED;
    const b = qrServer([noId]);
    await expect(loginWithQr(opts(b.fetch))).rejects.toMatchObject({
      code: "LOGIN_FAILED",
      message: expect.stringContaining("ilink_bot_id"),
    });
    const { bot_token: _t, ...noToken } = CONFIRMED;
    const c = qrServer([noToken]);
    await expect(loginWithQr(opts(c.fetch))).rejects.toMatchObject({
      message: expect.stringContaining("bot_token"),
    });
  });

  it("expired refreshes the QR code, up to 3 codes in total", async () => {
    const srv = qrServer([{ status: "expired" }, { status: "expired" }, CONFIRMED]);
    const qrs: string[] = [];
    const p = loginWithQr(opts(srv.fetch, { onQr: (qr) => qrs.push(qr.qrcode) }));
    await vi.advanceTimersByTimeAsync(2000);
    await expect(p).resolves.toMatchObject({ accountId: "b0f5860fdecb@im.bot" });
    expect(qrs).toEqual(["q1", "q2", "q3"]);
    expect(srv.statusCalls().map((c) => new URL(c.url).searchParams.get("qrcode"))).toEqual([
      "q1",
      "q2",
      "q3",
    ]);
  });

  it("a third expiry gives up with QR_EXPIRED", async () => {
    const srv = qrServer([{ status: "expired" }]);
    const p = loginWithQr(opts(srv.fetch));
    const done = expect(p).rejects.toMatchObject({ code: "QR_EXPIRED" });
    await vi.advanceTimersByTimeAsync(5000);
    await done;
    expect(srv.calls.filter((c) => c.url.includes("get_bot_qrcode"))).toHaveLength(3);
  });

  it("scaned_but_redirect moves polling to https://<redirect_host>, kept across a refresh", async () => {
    const srv = qrServer([
      { status: "scaned_but_redirect", redirect_host: "sh.ilink.example" },
      { status: "expired" },
      CONFIRMED,
    ]);
    const p = loginWithQr(opts(srv.fetch));
    await vi.advanceTimersByTimeAsync(3000);
    await p;
    const hosts = srv.statusCalls().map((c) => new URL(c.url).origin);
    expect(hosts).toEqual([
      "https://ilinkai.weixin.qq.com",
      "https://sh.ilink.example",
      "https://sh.ilink.example",
    ]);
    // new QR codes still come from the fixed host
    expect(
      srv.calls.filter((c) => c.url.includes("get_bot_qrcode")).map((c) => new URL(c.url).origin),
    ).toEqual(["https://ilinkai.weixin.qq.com", "https://ilinkai.weixin.qq.com"]);
  });

  it("redirect_host may carry a scheme (simulators)", () => {
    expect(redirectBaseUrl("idc2.example")).toBe("https://idc2.example");
    expect(redirectBaseUrl("http://127.0.0.1:8790")).toBe("http://127.0.0.1:8790");
  });

  it("need_verifycode asks, re-polls at once with verify_code, and asks again when wrong", async () => {
    const srv = qrServer([
      { status: "need_verifycode" },
      { status: "need_verifycode" },
      { status: "scaned" },
      CONFIRMED,
    ]);
    const asked: number[] = [];
    const p = loginWithQr(
      opts(srv.fetch, {
        askVerifyCode: async (attempt) => {
          asked.push(attempt);
          return attempt === 1 ? "11" : "42";
        },
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    // no 1 s pause after a code was typed
    expect(srv.statusCalls()).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1000);
    await p;
    expect(asked).toEqual([1, 2]);
    const codes = srv.statusCalls().map((c) => new URL(c.url).searchParams.get("verify_code"));
    expect(codes).toEqual([null, "11", "42", null]); // cleared once scaned accepted it
  });

  it("need_verifycode without an answer fails with LOGIN_FAILED", async () => {
    const srv = qrServer([{ status: "need_verifycode" }]);
    await expect(loginWithQr(opts(srv.fetch))).rejects.toMatchObject({ code: "LOGIN_FAILED" });
  });

  it("verify_code_blocked counts as a refresh and clears the pending code", async () => {
    const srv = qrServer([{ status: "need_verifycode" }, { status: "verify_code_blocked" }, CONFIRMED]);
    const qrs: string[] = [];
    const p = loginWithQr(
      opts(srv.fetch, { askVerifyCode: async () => "99", onQr: (qr) => qrs.push(qr.qrcode) }),
    );
    await vi.advanceTimersByTimeAsync(2000);
    await p;
    expect(qrs).toEqual(["q1", "q2"]);
    const last = srv.statusCalls().at(-1);
    expect(new URL(last?.url ?? "http://x").searchParams.get("verify_code")).toBeNull();
    expect(new URL(last?.url ?? "http://x").searchParams.get("qrcode")).toBe("q2");
  });

  it("binded_redirect is success with nothing to save", async () => {
    const srv = qrServer([{ status: "binded_redirect" }]);
    await expect(loginWithQr(opts(srv.fetch, { localTokens: ["t"] }))).resolves.toEqual({
      alreadyBound: true,
    });
  });

  it("poll errors (HTTP 500, bad JSON, 35 s timeout) count as wait", async () => {
    const srv = qrServer(["http500", "garbage", "hang", CONFIRMED]);
    const statuses: string[] = [];
    const p = loginWithQr(opts(srv.fetch, { onStatus: (s) => statuses.push(s) }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(srv.statusCalls()).toHaveLength(3); // the third poll hangs
    await vi.advanceTimersByTimeAsync(34_999);
    expect(srv.statusCalls()).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1 + 1000);
    await p;
    expect(statuses).toEqual(["wait", "wait", "wait", "confirmed"]);
  });

  it("unknown statuses are ignored", async () => {
    const srv = qrServer([{ status: "something_new" }, CONFIRMED]);
    const p = loginWithQr(opts(srv.fetch));
    await vi.advanceTimersByTimeAsync(1000);
    await expect(p).resolves.toMatchObject({ alreadyBound: false });
  });

  it("the 8-minute deadline ends the wait with LOGIN_TIMEOUT", async () => {
    const srv = qrServer([{ status: "wait" }]);
    const p = loginWithQr(opts(srv.fetch));
    let settled = false;
    p.catch(() => {}).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(479_000);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    const err = await p.catch((e: unknown) => e);
    expect(isILinkError(err, "LOGIN_TIMEOUT")).toBe(true);
    expect(srv.statusCalls().length).toBeGreaterThan(400); // about one poll per second
  });

  it("the deadline also cuts a hanging poll short", async () => {
    const srv = qrServer(["hang"]);
    const p = loginWithQr(opts(srv.fetch, { timeoutMs: 10_000 }));
    const done = expect(p).rejects.toMatchObject({ code: "LOGIN_TIMEOUT" });
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    expect(srv.statusCalls()).toHaveLength(1);
  });

  it("an abort ends the wait with ABORTED, during a poll or a pause", async () => {
    const srv = qrServer([{ status: "wait" }]);
    const ac = new AbortController();
    const p = loginWithQr(opts(srv.fetch, { signal: ac.signal }));
    await vi.advanceTimersByTimeAsync(500);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: "ABORTED" });
    const hang = qrServer(["hang"]);
    const ac2 = new AbortController();
    const p2 = loginWithQr(opts(hang.fetch, { signal: ac2.signal }));
    await vi.advanceTimersByTimeAsync(0);
    ac2.abort();
    await expect(p2).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("a QR fetch that never answers ends at the deadline with LOGIN_TIMEOUT", async () => {
    const f = fakeFetch((req) => hangUntilAborted(req));
    const p = loginWithQr(opts(f.fetch, { timeoutMs: 5_000 }));
    const done = expect(p).rejects.toMatchObject({ code: "LOGIN_TIMEOUT" });
    await vi.advanceTimersByTimeAsync(5_000);
    await done;
  });

  it("a failed QR fetch is LOGIN_FAILED", async () => {
    const f = fakeFetch(() => new Response("down", { status: 503 }));
    await expect(loginWithQr(opts(f.fetch))).rejects.toMatchObject({
      code: "LOGIN_FAILED",
      message: expect.stringContaining("503"),
    });
  });
});
