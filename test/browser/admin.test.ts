/**
 * The admin web UI in a real browser (Debian's chromium through playwright-core), against the
 * simulator on a loopback port: the UI and the API refuse a visitor without the token; the
 * printed `?token=` URL logs the browser in; a QR login is started in the page and the phone's
 * scan and confirm are played through the simulator's control API (with one expired code that
 * the page replaces); the new account shows up; a contact's image is previewed in its
 * conversation; a pairing request is approved by a click. Every step leaves a screenshot in
 * test-results/screenshots/admin-*.png, so a failure shows the page.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminApp } from "../../src/admin/app.js";
import { createBufferedLogger, LogBuffer } from "../../src/admin/log-buffer.js";
import { type AdminServer, adminUrl, startAdminServer } from "../../src/admin/server.js";
import { contactAccess, createAccessPolicy, profileResolver } from "../../src/gateway/policy/index.js";
import { createOpsContext, type OpsContext } from "../../src/ops/context.js";
import { type LocalPolling, startLocalPolling } from "../../src/ops/polling.js";
import { ensureAdminToken } from "../../src/ops/token.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome } from "../../src/store/home.js";
import { openStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";
import { gradientPng, hasChromium, launchChromium, SHOTS, warnIfNoChromium } from "./kit.js";

warnIfNoChromium("admin");

async function simPost<T>(sim: RunningSimulator, path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface SimQr {
  qrcode: string;
  status: string;
}
async function waitingQr(sim: RunningSimulator, notThis?: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const { qrcodes } = (await (await fetch(`${sim.url}/sim/qr`)).json()) as { qrcodes: SimQr[] };
    const qr = qrcodes.filter((q) => q.status === "wait" && q.qrcode !== notThis).pop();
    if (qr) return qr.qrcode;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the simulator issued no QR code");
}

describe.skipIf(!hasChromium)("admin UI in chromium", () => {
  let sim: RunningSimulator;
  let dir: string;
  let store: Store;
  let ops: OpsContext;
  let token: string;
  let server: AdminServer;
  let browser: Browser;
  let page: Page;
  let polling: LocalPolling | undefined;
  let accountId = "";
  let ownerId = "";
  let step = 0;
  /** The pages run under a strict CSP (scripts and styles from 'self' only): nothing may break it. */
  const cspViolations: string[] = [];
  const shot = (name: string) =>
    page.screenshot({
      path: join(SHOTS, `admin-${String(++step).padStart(2, "0")}-${name}.png`),
      fullPage: true,
    });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sim = await startSimulator({ port: 0, realism: false, longPollTimeoutMs: 2_000 });
    dir = mkdtempSync(join(tmpdir(), "wxagent-admin-browser-"));
    const paths = ensureHome(dir);
    store = openStore(paths.dbPath);
    // The Logs page shows what the operations log (the QR login's "account saved" among them).
    const logBuffer = new LogBuffer();
    const logger = createBufferedLogger(logBuffer, { level: "info", stderr: false }).child({ name: "ops" });
    ops = createOpsContext({ store, paths, logger });
    token = ensureAdminToken(paths);
    const app = createAdminApp({ ops, token, logBuffer, simulatorUrl: sim.url });
    server = await startAdminServer({ app, port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ locale: "en-US", viewport: { width: 1280, height: 860 } });
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await polling?.stop();
    await server?.close();
    ops?.close();
    store?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses the UI and the API without the token", async () => {
    const res = await page.goto(`${server.url}/`);
    expect(res?.status()).toBe(401);
    await expect(page.locator("#unauthorized").isVisible()).resolves.toBe(true);
    await shot("unauthorized");
    const api = await page.request.get(`${server.url}/api/accounts`);
    expect(api.status()).toBe(401);
    const wrong = await page.goto(`${server.url}/?token=wrong`);
    expect(wrong?.status()).toBe(401);
  });

  it("logs the browser in with the printed URL and drops the token from the address bar", async () => {
    const res = await page.goto(adminUrl(server.url, token));
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${server.url}/`);
    await page.locator("text=No WeChat account is logged in yet.").first().waitFor();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === "wxagent_admin")?.httpOnly).toBe(true);
    // The cookie now carries the session for the API too.
    expect((await page.request.get(`${server.url}/api/accounts`)).status()).toBe(200);
    await shot("overview-empty");
  });

  it("logs in a WeChat account by QR code: waiting, expired → refreshed, scanned, confirmed", async () => {
    await page.goto(`${server.url}/login`);
    await expect(page.inputValue("#base_url")).resolves.toBe(sim.url);
    await page.click("#login-start");
    await page.locator("#login-qr").waitFor();
    await expect(page.locator("#login-panel").getAttribute("data-status")).resolves.toBe("waiting");
    await shot("login-qr");

    const first = await waitingQr(sim);
    await simPost(sim, `/sim/qr/${first}/expire`);
    await page.locator("#login-refreshed").waitFor();
    await shot("login-qr-refreshed");

    const second = await waitingQr(sim, first);
    const user = await simPost<{ user_id: string }>(sim, "/sim/users", { name: "Owner" });
    ownerId = user.user_id;
    await simPost(sim, `/sim/qr/${second}/scan`, { user_id: ownerId });
    await page.locator('#login-panel[data-status="scanned"]').waitFor();
    await shot("login-scanned");

    const confirmed = await simPost<{ account_id: string }>(sim, `/sim/qr/${second}/confirm`);
    accountId = confirmed.account_id;
    await page.locator('#login-panel[data-status="confirmed"]').waitFor();
    await expect(page.textContent("#login-account")).resolves.toBe(accountId);
    await shot("login-confirmed");

    expect(store.accounts.get(accountId)?.state).toBe("active");
    await page.click("text=See the account");
    await page.locator(`[data-account="${accountId}"]`).waitFor();
    await expect(page.locator(`[data-account="${accountId}"] .badge.ok`).textContent()).resolves.toBe(
      "active",
    );
    await shot("accounts");
  }, 60_000); // each state change waits for the page's next 1 s poll, on a busy 2-core machine

  it("previews a contact's image in the conversation", async () => {
    polling = startLocalPolling(ops, { command: "admin browser test", recheckMs: 60_000 });
    await polling.refresh();
    await simPost(sim, "/sim/messages", { account_id: accountId, from: ownerId, text: "hello <admin> & co" });
    await simPost(sim, "/sim/messages", {
      account_id: accountId,
      from: ownerId,
      image: { base64: gradientPng(200, 140).toString("base64"), name: "gradient.png" },
    });
    for (let i = 0; i < 100 && store.inbound.list({ accountId }).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(store.inbound.list({ accountId })).toHaveLength(2);

    await page.goto(`${server.url}/contacts`);
    await page.click(`[data-contact="${ownerId}"] >> text=History`);
    await page.locator(".bubble", { hasText: "hello <admin> & co" }).waitFor();
    const img = page.locator("img.media-img");
    await img.waitFor();
    // The preview loads through /media/:id/:item, decrypted from the simulator's CDN.
    const naturalWidth = () => img.evaluate((e) => (e as unknown as { naturalWidth: number }).naturalWidth);
    await expect.poll(naturalWidth).toBe(200);
    await shot("conversation");
    await polling.stop();
    polling = undefined;
  });

  it("approves a pairing request with a click", async () => {
    const policy = createAccessPolicy({ store: asyncStore(store), profileFor: profileResolver({}) });
    const verdict = await policy.check({ accountId, fromUserId: "stranger@im.wechat", text: "hi bot" });
    expect(verdict.verdict === "refuse" && verdict.code).toBe("pairing-code-sent");
    const code = store.contacts.get(accountId, "stranger@im.wechat")?.settings.pairingCode as string;

    await page.goto(`${server.url}/contacts`);
    const row = page.locator(`[data-pairing="${code}"]`);
    await row.waitFor();
    await shot("pairing-request");
    await row.locator("button", { hasText: "Approve" }).click();
    await page.locator("#flash.ok").waitFor();
    await expect(row.count()).resolves.toBe(0);
    expect((await contactAccess(asyncStore(store), accountId, "stranger@im.wechat")).access).toBe("allowed");
    await expect(
      page.locator('[data-contact="stranger@im.wechat"] .badge.ok').first().textContent(),
    ).resolves.toBe("allowed");
    await shot("pairing-approved");

    // The approved contact gets a stricter preset from the same table.
    const edit = page.locator('[data-contact="stranger@im.wechat"] form');
    await edit.locator('select[name="preset"]').selectOption("read-only");
    await edit.locator("button", { hasText: "Save" }).click();
    await page.locator("#flash.ok", { hasText: "Saved" }).waitFor();
    expect(store.contacts.get(accountId, "stranger@im.wechat")?.preset).toBe("read-only");
    await expect(
      page.locator('[data-contact="stranger@im.wechat"] select[name="preset"]').inputValue(),
    ).resolves.toBe("read-only");
    await shot("contact-preset");
  });

  it("serves the REST API's try-it page behind the same session", async () => {
    const res = await page.goto(`${server.url}/api/docs`);
    expect(res?.status()).toBe(200);
    const json = await page.request.get(`${server.url}/api/openapi.json`);
    expect(json.status()).toBe(200);
    expect(((await json.json()) as { openapi: string }).openapi).toMatch(/^3\.1/);
    // "Send" on list_accounts works without typing the token: the session cookie carries it.
    const form = page.locator('form[data-path="/api/accounts"]');
    await form.locator("button").click();
    await form.locator(".out", { hasText: accountId }).waitFor();
    await expect(form.locator(".out").textContent()).resolves.toMatch(/^200 /);
    await shot("api-docs");
  });

  it("shows the overview chart, the logs and the Chinese UI", async () => {
    await page.goto(`${server.url}/`);
    await page.locator("#traffic-chart").waitFor();
    await expect(page.locator("#traffic-chart").getAttribute("data-total-in")).resolves.toBe("2");
    await shot("overview");
    await page.goto(`${server.url}/logs`);
    await page.locator(".log", { hasText: "QR login confirmed; account saved" }).waitFor();
    await shot("logs");
    const zh = await browser.newPage({ locale: "zh-CN", viewport: { width: 1280, height: 860 } });
    await zh.context().addCookies(await page.context().cookies());
    await zh.goto(`${server.url}/contacts`);
    await zh.locator("h1", { hasText: "联系人" }).waitFor();
    await zh.screenshot({
      path: join(SHOTS, `admin-${String(++step).padStart(2, "0")}-contacts-zh.png`),
      fullPage: true,
    });
    await zh.close();
  });

  it("shows an expired account loudly, with the fix and a way to log in again", async () => {
    store.accounts.setState(
      accountId,
      "expired",
      "session expired (-14): run `wxagent login` to log in again",
    );
    await page.goto(`${server.url}/`);
    const card = page.locator(`[data-account="${accountId}"]`);
    await expect(card.locator(".badge.bad").first().textContent()).resolves.toBe("expired");
    await expect(card.locator('[data-field="fix"]').textContent()).resolves.toContain("wxagent login");
    await shot("account-expired");
    await card.locator("a", { hasText: "Log in again" }).click();
    await page.locator("#login-start").waitFor();
    expect(cspViolations).toEqual([]);
  });
});
