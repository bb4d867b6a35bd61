import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contactAccess } from "../gateway/policy/index.js";
import { issuePairingCode } from "../gateway/policy/pairing.js";
import { asyncStore } from "../store/async.js";
import {
  closeFixture,
  withCookie as cookieHeaders,
  type Fixture,
  makeFixture,
  NOW,
  seed,
} from "./testing.js";

let f: Fixture;
const withCookie = () => cookieHeaders(f);
const bearer = () => ({ Authorization: `Bearer ${f.token}` });
/** The fixture's store behind the async interface the pairing functions take. */
const access = async (userId: string) =>
  (await contactAccess(asyncStore(f.store), "bot-1@im.bot", userId)).access;

beforeEach(() => {
  f = makeFixture();
});
afterEach(() => closeFixture(f));

describe("admin pages", () => {
  it("renders every page with status 200", async () => {
    seed(f);
    const paths = [
      "/",
      "/accounts",
      "/login",
      "/contacts",
      `/contacts/${encodeURIComponent("bot-1@im.bot")}/${encodeURIComponent("alice@im.wechat")}`,
      "/logs",
      "/logs?level=debug",
      "/partials/chart",
      "/partials/accounts",
      "/partials/logs?level=warn",
    ];
    for (const path of paths) {
      const res = await f.app.request(path, { headers: withCookie() });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toContain("text/html");
    }
    expect((await f.app.request("/api/openapi.json", { headers: bearer() })).status).toBe(200);
  });

  it("escapes user text and never shows bot or context tokens", async () => {
    seed(f);
    const contacts = await (await f.app.request("/contacts", { headers: withCookie() })).text();
    expect(contacts).not.toContain("<script>alert(1)</script>");
    expect(contacts).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const conv = await (
      await f.app.request(`/contacts/bot-1%40im.bot/alice%40im.wechat`, { headers: withCookie() })
    ).text();
    expect(conv).toContain("hi &lt;b&gt;bold&lt;/b&gt; &amp; more");
    expect(conv).not.toContain("<b>bold</b>");
    expect(conv).toContain("echo: hi");
    for (const path of ["/", "/accounts", "/contacts", "/bot-1"]) {
      const text = await (await f.app.request(path, { headers: withCookie() })).text();
      expect(text).not.toContain("secret-bot-token-123456");
      expect(text).not.toContain("ctx-token-secret");
    }
  });

  it("shows account health: expired with the fix, queue, outbox and sends left", async () => {
    seed(f);
    const text = await (await f.app.request("/accounts", { headers: withCookie() })).text();
    expect(text).toContain("session expired (-14): run <code>wxagent login</code>");
    expect(text).toContain('data-account="bot-2@im.bot"');
    // One send made on alice's token: 9 of 10 left.
    expect(text).toMatch(/alice@im\.wechat<\/a> <span class="badge plain ok">9<\/span>/);
  });

  it("counts messages per minute for the chart", async () => {
    seed(f);
    const text = await (await f.app.request("/partials/chart", { headers: withCookie() })).text();
    expect(text).toContain('data-total-in="3"');
    expect(text).toContain('data-total-out="1"');
  });

  it("speaks Chinese to a zh-CN browser", async () => {
    const res = await f.app.request("/contacts", {
      headers: { ...withCookie(), "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5" },
    });
    const text = await res.text();
    expect(text).toContain('lang="zh-CN"');
    expect(text).toContain("配对请求");
    const en = await (
      await f.app.request("/contacts", { headers: { ...withCookie(), "Accept-Language": "en-US" } })
    ).text();
    expect(en).toContain("Pairing requests");
  });

  it("approves a pairing request from the contacts page", async () => {
    seed(f);
    const req = await issuePairingCode(
      asyncStore(f.store),
      "bot-1@im.bot",
      "bob@im.wechat",
      "first",
      Date.now(),
    );
    const page = await (await f.app.request("/contacts", { headers: withCookie() })).text();
    expect(page).toContain(`data-pairing="${req.code}"`);
    const res = await f.app.request("/pairing", {
      method: "POST",
      headers: { ...withCookie(), "HX-Request": "true" },
      body: new URLSearchParams({ code: req.code, account: "bot-1@im.bot", decision: "approve" }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('class="flash ok"');
    expect(text).not.toContain(`data-pairing="${req.code}"`);
    expect(await access("bob@im.wechat")).toBe("allowed");
  });

  it("answers an unknown pairing code with the reason, to htmx and to a plain form", async () => {
    const post = (headers: Record<string, string>) =>
      f.app.request("/pairing", {
        method: "POST",
        headers: { ...withCookie(), ...headers },
        body: new URLSearchParams({ code: "ZZZZZZ", decision: "approve" }),
      });
    // htmx swaps only a 2xx answer: the refusal is in the flash.
    const htmx = await post({ "HX-Request": "true" });
    expect(htmx.status).toBe(200);
    const text = await htmx.text();
    expect(text).toContain('class="flash bad"');
    expect(text).toContain("no contact is waiting with pairing code ZZZZZZ");
    const plain = await post({});
    expect(plain.status).toBe(400);
    expect(await plain.text()).toContain("no contact is waiting with pairing code ZZZZZZ");
  });

  it("redirects a plain form after a success, so a reload does not post again", async () => {
    seed(f);
    const res = await f.app.request("/contacts/edit", {
      method: "POST",
      headers: withCookie(),
      body: new URLSearchParams({
        account: "bot-1@im.bot",
        user: "alice@im.wechat",
        access: "allowed",
        preset: "",
      }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/contacts");
    expect(await access("alice@im.wechat")).toBe("allowed");
  });

  it("edits a contact's access and preset, and refuses an unknown preset", async () => {
    seed(f);
    const post = (access: string, preset: string) =>
      f.app.request("/contacts/edit", {
        method: "POST",
        headers: { ...withCookie(), "HX-Request": "true" },
        body: new URLSearchParams({ account: "bot-1@im.bot", user: "alice@im.wechat", access, preset }),
      });
    expect((await post("blocked", "read-only")).status).toBe(200);
    expect(await access("alice@im.wechat")).toBe("blocked");
    expect(f.store.contacts.get("bot-1@im.bot", "alice@im.wechat")?.preset).toBe("read-only");
    expect((await post("none", "")).status).toBe(200);
    expect(await access("alice@im.wechat")).toBeUndefined();
    expect(f.store.contacts.get("bot-1@im.bot", "alice@im.wechat")?.preset).toBeUndefined();
    const refused = await post("allowed", "root");
    expect(await refused.text()).toContain('class="flash bad"');
    expect(await access("alice@im.wechat")).toBeUndefined();
  });

  it("lists the questions agents wait on when the gateway can tell", async () => {
    await closeFixture(f);
    f = makeFixture({
      status: async () => ({ running: true, maxTurns: 4, runningTurns: 0, accounts: [] }),
      pendingAsks: () => [
        {
          accountId: "bot-1@im.bot",
          userId: "carol@im.wechat",
          question: "Delete <all> files?",
          askedAtMs: NOW,
          number: 1,
        },
        {
          accountId: "bot-1@im.bot",
          userId: "owner@im.wechat",
          question: "Question #2, for dave@im.wechat",
          askedAtMs: NOW,
          number: 2,
          undelivered: true,
        },
      ],
    });
    const text = await (await f.app.request("/contacts", { headers: withCookie() })).text();
    expect(text).toContain("Delete &lt;all&gt; files?");
    // A question the owner's send quota holds back says so.
    expect(text).toContain("not delivered yet: the send quota is spent");
  });

  it("prefers the running gateway's live status for polling, queue and sends left", async () => {
    await closeFixture(f);
    f = makeFixture({
      status: async () => ({
        running: true,
        maxTurns: 4,
        runningTurns: 1,
        accounts: [
          {
            accountId: "bot-1@im.bot",
            state: "active",
            polling: "backoff",
            expired: false,
            queueDepth: 2,
            runningTurns: 1,
            unfinished: 3,
            consecutiveFailures: 2,
            lastError: "getupdates: HTTP 502",
            sendsLeft: [{ userId: "alice@im.wechat", left: 1 }],
          },
        ],
      }),
    });
    seed(f);
    const text = await (await f.app.request("/accounts", { headers: withCookie() })).text();
    const card = text.slice(
      text.indexOf('data-account="bot-1@im.bot"'),
      text.indexOf('data-account="bot-2@im.bot"'),
    );
    expect(card).toContain("this process · backoff");
    expect(card).toMatch(/data-field="queue">3 /);
    expect(card).toMatch(/alice@im\.wechat<\/a> <span class="badge plain warn">1<\/span>/);
    expect(card).toContain("getupdates: HTTP 502");
  });

  it("serves a stored image inline and any other media as an attachment", async () => {
    const { imageMessageId, fileMessageId } = seed(f);
    const img = await f.app.request(`/media/${imageMessageId}/0`, { headers: withCookie() });
    expect(img.status).toBe(200);
    expect(img.headers.get("content-type")).toBe("image/png");
    expect(img.headers.get("content-disposition")).toMatch(/^inline/);
    const svg = await f.app.request(`/media/${fileMessageId}/0`, { headers: withCookie() });
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toBe("application/octet-stream");
    expect(svg.headers.get("content-disposition")).toMatch(/^attachment/);
    expect((await f.app.request("/media/999/0", { headers: withCookie() })).status).toBe(404);
    expect((await f.app.request("/media/abc/0", { headers: withCookie() })).status).toBe(400);
  });

  it("shows log lines with secrets redacted", async () => {
    f.logs.write(
      `${JSON.stringify({ level: 50, time: NOW, name: "ilink:api", msg: "call failed: Authorization: Bearer sk-live-abcdef123456" })}\n`,
    );
    f.logs.write(`${JSON.stringify({ level: 20, time: NOW, name: "gateway", msg: "debug chatter" })}\n`);
    const text = await (await f.app.request("/logs", { headers: withCookie() })).text();
    expect(text).toContain("Bearer [redacted]");
    expect(text).not.toContain("sk-live-abcdef123456");
    expect(text).not.toContain("debug chatter");
    const debug = await (await f.app.request("/partials/logs?level=debug", { headers: withCookie() })).text();
    expect(debug).toContain("debug chatter");
  });
});
