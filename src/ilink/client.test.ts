import { afterEach, describe, expect, it, vi } from "vitest";
import { VERSION } from "../shared/version.js";
import { ILinkClient } from "./client.js";
import { ILinkApiError, ILinkTransportError, isILinkError } from "./errors.js";
import { connectionRefused, fakeFetch, hangUntilAborted, jsonResponse } from "./fake-fetch.test-util.js";

const TOKEN = "tok_SECRET_abcdef123456";
const BASE = "http://sim.local:8790/prefix";

function client(responder: Parameters<typeof fakeFetch>[0], extra: Record<string, unknown> = {}) {
  const f = fakeFetch(responder);
  const c = new ILinkClient({ baseUrl: BASE, token: TOKEN, fetch: f.fetch, ...extra });
  return { c, calls: f.calls };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

afterEach(() => {
  vi.useRealTimers();
});

describe("request shape (§1.2–1.8)", () => {
  it("sends the exact bot headers, base_info and a prefixed URL", async () => {
    const { c, calls } = client(() => jsonResponse({ ret: 0, msgs: [], get_updates_buf: "c2" }), {
      routeTag: 42,
      botAgent: "MyBot/1.0 (x)",
    });
    await c.getUpdates("c1");
    const req = calls[0];
    expect(req?.url).toBe("http://sim.local:8790/prefix/ilink/bot/getupdates");
    expect(req?.method).toBe("POST");
    expect(Object.keys(req?.headers ?? {}).sort()).toEqual(
      [
        "AuthorizationType",
        "Authorization",
        "Content-Type",
        "SKRouteTag",
        "X-WECHAT-UIN",
        "iLink-App-ClientVersion",
        "iLink-App-Id",
      ].sort(),
    );
    expect(req?.headers).toMatchObject({
      "Content-Type": "application/json",
      AuthorizationType: "ilink_bot_token",
      Authorization: `Bearer ${TOKEN}`,
      "iLink-App-Id": "bot",
      "iLink-App-ClientVersion": "132105",
      SKRouteTag: "42",
    });
    expect(JSON.parse(req?.body ?? "")).toEqual({
      get_updates_buf: "c1",
      base_info: { channel_version: "2.4.9", bot_agent: "MyBot/1.0 (x)" },
    });
  });

  it("draws a fresh X-WECHAT-UIN per request and never sets Content-Length", async () => {
    const { c, calls } = client(() => jsonResponse({ ret: 0 }));
    await c.notifyStart();
    await c.notifyStart();
    const [a, b] = calls.map((r) => r.headers["X-WECHAT-UIN"]);
    expect(a).not.toBe(b);
    for (const r of calls)
      expect(Object.keys(r.headers).map((k) => k.toLowerCase())).not.toContain("content-length");
  });

  it("omits Authorization and SKRouteTag when not configured, and keeps a base with a trailing slash", async () => {
    const f = fakeFetch(() => jsonResponse({}));
    const c = new ILinkClient({ baseUrl: "http://h/mock/", token: "  ", fetch: f.fetch });
    await c.sendMessage({ to_user_id: "u" });
    expect(f.calls[0]?.url).toBe("http://h/mock/ilink/bot/sendmessage");
    expect(f.calls[0]?.headers).not.toHaveProperty("Authorization");
    expect(f.calls[0]?.headers).not.toHaveProperty("SKRouteTag");
    expect(JSON.parse(f.calls[0]?.body ?? "").base_info.bot_agent).toBe(`wxagent/${VERSION}`);
  });

  it("get_bot_qrcode: POST to the fixed host with local_token_list (≤ 10), JSON headers, no bearer", async () => {
    const { c, calls } = client(() => jsonResponse({ qrcode: "q", qrcode_img_content: "https://x" }));
    const tokens = Array.from({ length: 12 }, (_, i) => `t${i}`);
    await c.getBotQrcode({ localTokens: tokens });
    const req = calls[0];
    expect(req?.url).toBe("https://ilinkai.weixin.qq.com/ilink/bot/get_bot_qrcode?bot_type=3");
    expect(req?.method).toBe("POST");
    expect(JSON.parse(req?.body ?? "")).toEqual({ local_token_list: tokens.slice(0, 10) });
    expect(req?.headers).not.toHaveProperty("Authorization");
    expect(req?.headers).toMatchObject({ AuthorizationType: "ilink_bot_token", "iLink-App-Id": "bot" });
    expect(req?.headers["X-WECHAT-UIN"]).toBeTruthy();
    await c.getBotQrcode({ baseUrl: "http://127.0.0.1:9/p" });
    expect(calls[1]?.url).toBe("http://127.0.0.1:9/p/ilink/bot/get_bot_qrcode?bot_type=3");
  });

  it("get_qrcode_status: GET with only the app headers and an encoded query", async () => {
    const { c, calls } = client(() => jsonResponse({ status: "wait" }), { routeTag: " r1 " });
    await c.getQrcodeStatus("a b&c", { verifyCode: "12", baseUrl: "http://127.0.0.1:5" });
    const req = calls[0];
    expect(req?.method).toBe("GET");
    expect(req?.url).toBe("http://127.0.0.1:5/ilink/bot/get_qrcode_status?qrcode=a%20b%26c&verify_code=12");
    expect(req?.headers).toEqual({
      "iLink-App-Id": "bot",
      "iLink-App-ClientVersion": "132105",
      SKRouteTag: "r1",
    });
    expect(req?.body).toBeUndefined();
  });

  it("sends each endpoint's body exactly", async () => {
    const { c, calls } = client((req) =>
      req.url.endsWith("getconfig")
        ? jsonResponse({ ret: 0, typing_ticket: "tt" })
        : jsonResponse({ ret: 0, upload_param: "up" }),
    );
    const bi = { channel_version: "2.4.9", bot_agent: `wxagent/${VERSION}` };
    await c.getConfig({ ilink_user_id: "u@im.wechat", context_token: "ctx" });
    await c.sendTyping({ ilink_user_id: "u@im.wechat", typing_ticket: "tt", status: 1 });
    await c.notifyStop();
    const up = {
      filekey: "f".repeat(32),
      media_type: 1,
      to_user_id: "u",
      rawsize: 1,
      rawfilemd5: "m",
      filesize: 16,
      no_need_thumb: true,
      aeskey: "a".repeat(32),
    };
    await c.getUploadUrl(up);
    expect(calls.map((r) => r.url.replace(`${BASE}/`, ""))).toEqual([
      "ilink/bot/getconfig",
      "ilink/bot/sendtyping",
      "ilink/bot/msg/notifystop",
      "ilink/bot/getuploadurl",
    ]);
    expect(calls.map((r) => JSON.parse(r.body ?? ""))).toEqual([
      { ilink_user_id: "u@im.wechat", context_token: "ctx", base_info: bi },
      { ilink_user_id: "u@im.wechat", typing_ticket: "tt", status: 1, base_info: bi },
      { base_info: bi },
      { ...up, base_info: bi },
    ]);
  });

  it("call() posts raw with base_info and parses uint64 ids losslessly", async () => {
    const { c, calls } = client(() => new Response('{"ret":0,"message_id":9007199254740993}'));
    const res = await c.call("sendMessage", { msg: { to_user_id: "u" } });
    expect(res.message_id).toBe("9007199254740993");
    expect(JSON.parse(calls[0]?.body ?? "").base_info).toBeDefined();
  });
});

describe("success bodies", () => {
  it.each([
    ["{}", undefined],
    ['{"ret":0}', undefined],
    ['{"message_id":18446744073709551615}', "18446744073709551615"],
    ['{"ret":0,"errcode":5,"errmsg":"ignored"}', undefined],
    ["", undefined],
  ])("sendmessage accepts %s", async (body, id) => {
    const { c } = client(() => new Response(body));
    const res = await c.sendMessage({ to_user_id: "u" });
    expect(res.message_id).toBe(id);
  });

  it("sendtyping ignores its body entirely (even non-JSON)", async () => {
    const { c } = client(() => new Response("<html>ok</html>"));
    await expect(
      c.sendTyping({ ilink_user_id: "u", typing_ticket: "t", status: 2 }),
    ).resolves.toBeUndefined();
  });

  it("notify logs a non-zero ret but does not throw", async () => {
    const { c } = client(() => jsonResponse({ ret: -1, errmsg: "no" }));
    await expect(c.notifyStart()).resolves.toEqual({ ret: -1, errmsg: "no" });
  });

  it("getuploadurl ignores ret when a URL is present", async () => {
    const { c } = client(() => jsonResponse({ ret: -1, upload_full_url: "http://cdn/up" }));
    await expect(c.getUploadUrl({} as never)).resolves.toMatchObject({ upload_full_url: "http://cdn/up" });
  });
});

describe("application errors", () => {
  it.each([
    ['{"ret":-14,"errmsg":"session timeout"}', "ret"],
    ['{"errcode":-14}', "errcode"],
  ])("-14 in %s (%s) is SESSION_EXPIRED, not retryable, names `loginWithQr()`, not the CLI", async (body) => {
    const { c } = client(() => new Response(body));
    const err = await rejection(c.getUpdates(""));
    expect(err).toBeInstanceOf(ILinkApiError);
    expect(err).toMatchObject({
      code: "SESSION_EXPIRED",
      isRetryable: false,
      endpoint: "ilink/bot/getupdates",
    });
    expect((err as Error).message).toContain("loginWithQr()");
    expect((err as Error).message).not.toContain("wxagent login");
  });

  it("-2 is THROTTLED, retryable, and mentions the per-context-token quota", async () => {
    const { c } = client(() => jsonResponse({ ret: -2, errmsg: "rate limited" }));
    const err = await rejection(c.sendMessage({ to_user_id: "u" }));
    expect(err).toMatchObject({ code: "THROTTLED", isRetryable: true, ret: -2, errmsg: "rate limited" });
    expect((err as Error).message).toMatch(/context.token/);
  });

  it("an errmsg echoing the context token is masked", async () => {
    const ctx = "ctx-token-abcdef-987654";
    const { c } = client(() => jsonResponse({ ret: -2, errmsg: `stale context ${ctx}` }));
    const err = await rejection(c.sendMessage({ to_user_id: "u", context_token: ctx }));
    expect(JSON.stringify(err)).not.toContain(ctx);
    expect((err as Error).message).not.toContain(ctx);
  });

  it("sendmessage fails on errcode -14 and -2 alone (honest delivery)", async () => {
    for (const errcode of [-14, -2]) {
      const { c } = client(() => jsonResponse({ errcode }));
      expect(await rejection(c.sendMessage({}))).toMatchObject({ errcode });
    }
  });

  it("getupdates fails on any non-zero ret or errcode and still adopts the timeout hint", async () => {
    const { c } = client(() => jsonResponse({ errcode: -1, longpolling_timeout_ms: 25_000 }));
    expect(await rejection(c.getUpdates(""))).toMatchObject({ code: "API_ERROR", errcode: -1 });
    expect(c.longPollTimeoutMs).toBe(25_000);
  });

  it("getconfig needs ret === 0: a missing ret fails", async () => {
    const { c } = client(() => jsonResponse({ typing_ticket: "t" }));
    expect(await rejection(c.getConfig({ ilink_user_id: "u" }))).toMatchObject({ code: "API_ERROR" });
    const ok = client(() => jsonResponse({ ret: 0, typing_ticket: "t" }));
    await expect(ok.c.getConfig({ ilink_user_id: "u" })).resolves.toMatchObject({ typing_ticket: "t" });
  });

  it("getuploadurl without URL: api error when ret ≠ 0, else NO_UPLOAD_URL", async () => {
    const a = client(() => jsonResponse({ ret: -1 }));
    expect(await rejection(a.c.getUploadUrl({} as never))).toMatchObject({ code: "API_ERROR", ret: -1 });
    const b = client(() => jsonResponse({ upload_full_url: "  " }));
    expect(await rejection(b.c.getUploadUrl({} as never))).toMatchObject({ code: "NO_UPLOAD_URL" });
  });

  it("a body that is not JSON (or not an object) is BAD_RESPONSE", async () => {
    for (const body of ["<html>bad gateway</html>", "[1,2]", "42"]) {
      const { c } = client(() => new Response(body));
      expect(await rejection(c.sendMessage({}))).toMatchObject({ code: "BAD_RESPONSE", isRetryable: false });
    }
  });
});

describe("transport errors", () => {
  it("5xx is HTTP_502, retryable, with a redacted body snippet", async () => {
    const { c } = client(
      () => new Response(`upstream failed for Bearer ${TOKEN} token=${TOKEN}`, { status: 502 }),
    );
    const err = await rejection(c.sendMessage({}));
    expect(err).toBeInstanceOf(ILinkTransportError);
    expect(err).toMatchObject({ code: "HTTP_502", status: 502, isRetryable: true });
    expect((err as Error).message).not.toContain(TOKEN);
    expect(JSON.stringify(err)).not.toContain(TOKEN);
  });

  it("4xx is not retryable", async () => {
    const { c } = client(() => new Response("nope", { status: 404 }));
    expect(await rejection(c.getConfig({ ilink_user_id: "u" }))).toMatchObject({
      code: "HTTP_404",
      isRetryable: false,
    });
  });

  it("a dropped connection is NETWORK, retryable, classified for logs", async () => {
    const { c } = client(() => connectionRefused());
    const err = await rejection(c.sendMessage({}));
    expect(err).toMatchObject({ code: "NETWORK", isRetryable: true });
    expect((err as Error).message).toContain("[tcp]");
    expect((err as Error).message).toContain("ECONNREFUSED");
  });

  it("a never-answering server times out after timeoutMs (fake clock) with TIMEOUT", async () => {
    vi.useFakeTimers();
    const { c, calls } = client((req) => hangUntilAborted(req));
    const p = rejection(c.sendMessage({}, { timeoutMs: 500 }));
    await vi.advanceTimersByTimeAsync(499);
    expect(calls[0]?.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await p).toMatchObject({ code: "TIMEOUT", isRetryable: true });
    expect(calls[0]?.signal?.aborted).toBe(true); // the socket is released, not abandoned
  });

  it("the default sendmessage timeout is 15 s even if the transport ignores the abort", async () => {
    vi.useFakeTimers();
    const { c } = client(() => new Promise<Response>(() => {}));
    const p = rejection(c.sendMessage({}));
    await vi.advanceTimersByTimeAsync(15_000);
    expect(await p).toMatchObject({ code: "TIMEOUT" });
  });

  it("an external abort rejects with ABORTED, not retryable", async () => {
    const { c } = client((req) => hangUntilAborted(req));
    const ac = new AbortController();
    const p = rejection(c.sendMessage({}, { signal: ac.signal }));
    ac.abort();
    const err = await p;
    expect(isILinkError(err, "ABORTED")).toBe(true);
    expect(err).toMatchObject({ isRetryable: false });
    // already aborted: no request at all
    const again = client(() => jsonResponse({}));
    expect(await rejection(again.c.sendMessage({}, { signal: ac.signal }))).toMatchObject({
      code: "ABORTED",
    });
    expect(again.calls).toHaveLength(0);
  });
});

describe("getupdates long poll (§5.1)", () => {
  it("a client-side timeout is an empty success with the same cursor; default 35 s then the hint", async () => {
    vi.useFakeTimers();
    let n = 0;
    const { c } = client((req) =>
      n++ === 0 ? jsonResponse({ ret: 0, msgs: [], longpolling_timeout_ms: 20_000 }) : hangUntilAborted(req),
    );
    expect(c.longPollTimeoutMs).toBe(35_000);
    await c.getUpdates("cur0");
    expect(c.longPollTimeoutMs).toBe(20_000);
    const p = c.getUpdates("cur1");
    await vi.advanceTimersByTimeAsync(20_000);
    await expect(p).resolves.toEqual({ ret: 0, msgs: [], get_updates_buf: "cur1" });
  });

  it("an external abort of a long poll rejects with ABORTED", async () => {
    const { c } = client((req) => hangUntilAborted(req));
    const ac = new AbortController();
    const p = rejection(c.getUpdates("c", { signal: ac.signal }));
    ac.abort();
    expect(await p).toMatchObject({ code: "ABORTED" });
  });

  it("returns messages with uint64 ids as exact strings", async () => {
    const { c } = client(
      () =>
        new Response(
          '{"ret":0,"msgs":[{"message_id":7390123456789012345,"seq":3,"item_list":[{"type":1,"msg_id":7390123456789012346,"text_item":{"text":"msg_id: 1"}}]}],"get_updates_buf":"n"}',
        ),
    );
    const res = await c.getUpdates("");
    expect(res.msgs?.[0]?.message_id).toBe("7390123456789012345");
    expect(res.msgs?.[0]?.item_list?.[0]?.msg_id).toBe("7390123456789012346");
    expect(res.msgs?.[0]?.seq).toBe(3);
  });
});
