/**
 * The admin UI in both languages where it shows what other layers wrote (stored fixes, poller
 * states, policy names, the REST API page), and a voice message without transcript or audio in a
 * conversation (a voice bubble with its length, nothing else).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXPIRED_REASON } from "../gateway/poller.js";
import { MessageItemType } from "../ilink/wire.js";
import { closeFixture, type Fixture, makeFixture, NOW, seed, withCookie } from "./testing.js";

let f: Fixture;
const live = {
  status: async () => ({
    running: true,
    maxTurns: 4,
    runningTurns: 0,
    accounts: [
      {
        accountId: "bot-1@im.bot",
        state: "active" as const,
        polling: "backoff" as const,
        expired: false,
        queueDepth: 0,
        runningTurns: 0,
        unfinished: 0,
        consecutiveFailures: 3,
        lastError: "getupdates: HTTP 502",
        sendsLeft: [],
      },
    ],
  }),
};

beforeEach(() => {
  f = makeFixture(live);
  seed(f);
  f.store.accounts.setState("bot-2@im.bot", "expired", EXPIRED_REASON);
});
afterEach(() => closeFixture(f));

const get = async (path: string, lang: string) =>
  (await f.app.request(path, { headers: { ...withCookie(f), "Accept-Language": lang } })).text();

describe("the admin UI in Chinese", () => {
  it("shows the stored fix, the poller's state and the last error in Chinese, commands unchanged", async () => {
    const zh = await get("/accounts", "zh-CN,zh;q=0.9");
    expect(zh).toContain("会话已过期（-14）：运行 <code>wxagent login</code> 重新扫码登录");
    expect(zh).toContain("本进程 · 出错重试中");
    expect(zh).toContain("<strong>最近的错误:</strong> getupdates: HTTP 502");
    expect(zh).not.toContain("session expired");
    const en = await get("/accounts", "en-US");
    expect(en).toContain("session expired (-14): run <code>wxagent login</code> to scan a new QR code");
    expect(en).toContain("this process · backoff");
  });

  it("names the DM policy in Chinese on the contacts page", async () => {
    expect(await get("/contacts", "zh-CN")).toContain("按策略 (配对)");
    expect(await get("/contacts", "en")).toContain("by policy (pairing)");
  });

  it("serves the REST API page in the admin's look and language, with the sidebar back to it", async () => {
    const res = await f.app.request("/api/docs", {
      headers: { ...withCookie(f), "Accept-Language": "zh-CN" },
    });
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const zh = await res.text();
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('href="/static/admin.css"');
    expect(zh).toMatch(/<a href="\/api\/docs" data-nav="api" class="on">/);
    expect(zh).toContain('id="back-to-admin"');
    expect(zh).toContain("返回管理界面");
    expect(zh).toContain("列出微信账号");
    expect(zh).toContain("已登录的微信机器人账号及其健康状况");
    expect(zh).not.toMatch(/<script>[^<]/);
    const script = await f.app.request("/api/docs.js", { headers: withCookie(f) });
    expect(script.headers.get("content-type")).toContain("javascript");
    const en = await get("/api/docs", "en");
    expect(en).toContain("List WeChat accounts");
    expect(en).toContain("Back to the admin UI");
  });
});

describe("a voice message in a conversation", () => {
  it("is a voice bubble with its length, without a text line or a download link when it has no audio", async () => {
    f.store.inbound.recordPoll(
      "bot-1@im.bot",
      "cursor-2",
      [
        {
          fromUserId: "alice@im.wechat",
          dedupKey: "id:voice",
          items: [{ type: MessageItemType.VOICE, voice_item: { text: "", playtime: 3000 } }],
        },
        {
          fromUserId: "alice@im.wechat",
          dedupKey: "id:voice-words",
          items: [{ type: MessageItemType.VOICE, voice_item: { text: "see you at five", playtime: 2000 } }],
        },
      ],
      NOW - 10_000,
    );
    const html = await get("/contacts/bot-1%40im.bot/alice%40im.wechat", "zh-CN");
    const bubbles = html.split('class="msg in"').slice(1);
    const silent = bubbles.find((b) => b.includes("3″")) ?? "";
    expect(silent).toContain('class="voice-note" data-media="voice"');
    expect(silent).not.toContain('class="bubble"');
    expect(silent).not.toContain("?download=1");
    const worded = bubbles.find((b) => b.includes("2″")) ?? "";
    expect(worded).toContain('<div class="voice-text">see you at five</div>');
    expect(worded).not.toContain("[voice]");
  });
});
