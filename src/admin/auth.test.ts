import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SESSION_COOKIE, sessionValue } from "./auth.js";
import { closeFixture, withCookie as cookieHeaders, type Fixture, makeFixture } from "./testing.js";

let f: Fixture;
const html = { Accept: "text/html" };
const withCookie = () => cookieHeaders(f);
const bearer = () => ({ Authorization: `Bearer ${f.token}` });

beforeEach(() => {
  f = makeFixture();
});
afterEach(() => closeFixture(f));

describe("admin auth", () => {
  it("refuses pages and the API without the token: a 401 page for browsers, JSON for the API", async () => {
    for (const path of ["/", "/accounts", "/contacts", "/logs", "/login", "/partials/chart", "/api/docs"]) {
      const res = await f.app.request(path, { headers: html });
      expect(res.status, path).toBe(401);
    }
    const page = await f.app.request("/", { headers: html });
    expect(await page.text()).toContain('id="unauthorized"');
    const api = await f.app.request("/api/accounts");
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    const post = await f.app.request("/pairing", {
      method: "POST",
      body: new URLSearchParams({ code: "ABCDEF" }),
    });
    expect(post.status).toBe(401);
  });

  it("turns ?token= into an HttpOnly SameSite=Strict cookie and a redirect to the clean URL", async () => {
    const res = await f.app.request(`/contacts?x=1&token=${encodeURIComponent(f.token)}`, { headers: html });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/contacts?x=1");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toContain(`${SESSION_COOKIE}=${sessionValue(f.token)}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toContain(f.token);
    const next = await f.app.request("/contacts?x=1", { headers: withCookie() });
    expect(next.status).toBe(200);
  });

  it("sets no cookie for a wrong token and accepts the bearer header", async () => {
    const wrong = await f.app.request("/?token=not-the-token", { headers: html });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const wrongCookie = await f.app.request("/", {
      headers: { ...html, Cookie: `${SESSION_COOKIE}=${f.token}` },
    });
    expect(wrongCookie.status).toBe(401);
    expect((await f.app.request("/", { headers: bearer() })).status).toBe(200);
    expect((await f.app.request("/api/accounts", { headers: bearer() })).status).toBe(200);
  });

  it("lets a browser session (cookie) use the API, bodies included", async () => {
    const list = await f.app.request("/api/accounts", { headers: withCookie() });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ accounts: [] });
    const wait = await f.app.request("/api/messages/wait", {
      method: "POST",
      headers: { ...withCookie(), "content-type": "application/json" },
      body: JSON.stringify({ timeout_ms: 0 }),
    });
    expect(wait.status).toBe(200);
    expect(((await wait.json()) as { timed_out: boolean }).timed_out).toBe(true);
  });

  it("refuses a state-changing request from another origin even with the cookie", async () => {
    const res = await f.app.request("http://127.0.0.1:8791/contacts/edit", {
      method: "POST",
      headers: { ...withCookie(), Origin: "http://evil.example" },
      body: new URLSearchParams({ account: "a", user: "u", access: "allowed", preset: "" }),
    });
    expect(res.status).toBe(403);
  });

  it("serves the stylesheet and htmx without the token, and pages with a strict CSP", async () => {
    expect((await f.app.request("/static/admin.css")).status).toBe(200);
    const js = await f.app.request("/static/htmx.min.js");
    expect(js.status).toBe(200);
    expect(await js.text()).toContain("htmx");
    const page = await f.app.request("/", { headers: withCookie() });
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
  });
});
