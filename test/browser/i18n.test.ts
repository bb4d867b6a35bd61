/**
 * Both languages in a real browser (Debian's chromium through playwright-core): the real gateway
 * speaks Chinese to a zh-CN account's contact on the simulator's chat page (pairing code, /help,
 * the voice note without transcript answered by the fallback alone), the chat page's dialogs are
 * Chinese in a Chinese browser, and the admin UI shows the conversation's voice bubble, the
 * expired fix and the REST API page in Chinese, with the way back. Screenshots go to
 * test-results/screenshots/i18n-*.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminApp } from "../../src/admin/app.js";
import { type AdminServer, adminUrl, startAdminServer } from "../../src/admin/server.js";
import { mediaWiring } from "../../src/cli/gateway-wiring.js";
import { configSchema } from "../../src/config/index.js";
import { createGateway, createILinkTransport, type Gateway } from "../../src/gateway/index.js";
import { approvePairing, createAccessPolicy, profileResolver } from "../../src/gateway/policy/index.js";
import { EXPIRED_REASON } from "../../src/gateway/poller.js";
import { createOpsContext, type OpsContext } from "../../src/ops/context.js";
import { ensureAdminToken } from "../../src/ops/token.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome } from "../../src/store/home.js";
import { openStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";
import { hasChromium, launchChromium, SHOTS, warnIfNoChromium } from "./kit.js";

warnIfNoChromium("i18n");

describe.skipIf(!hasChromium)("both languages in chromium", () => {
  let sim: RunningSimulator;
  let dir: string;
  let store: Store;
  let ops: OpsContext;
  let gateway: Gateway;
  let server: AdminServer;
  let token: string;
  let browser: Browser;
  let chat: Page;
  let admin: Page;
  let accountId = "";
  let userId = "";
  let step = 0;
  const shot = (page: Page, name: string) =>
    page.screenshot({
      path: join(SHOTS, `i18n-${String(++step).padStart(2, "0")}-${name}.png`),
      fullPage: true,
    });
  /** The bot's bubbles on the chat page, in order. */
  const botTexts = () => chat.locator('.msg[data-direction="outbound"] .bubble').allTextContents();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sim = await startSimulator({ port: 0, realism: false, longPollTimeoutMs: 2_000 });
    dir = mkdtempSync(join(tmpdir(), "wxagent-i18n-browser-"));
    const paths = ensureHome(dir);
    store = openStore(paths.dbPath);
    const a = (await (
      await fetch(`${sim.url}/sim/accounts`, { method: "POST", body: JSON.stringify({ name: "小助手" }) })
    ).json()) as {
      account_id: string;
      token: string;
      base_url: string;
      cdn_base_url: string;
      owner_user_id: string;
    };
    accountId = a.account_id;
    store.accounts.upsert({
      id: a.account_id,
      baseUrl: a.base_url,
      cdnBaseUrl: a.cdn_base_url,
      token: a.token,
      ownerUserId: a.owner_user_id,
      name: "小助手",
      state: "active",
    });
    // As `wxagent start` wires it, for an account whose profile says zh-CN.
    const config = configSchema.parse({
      accounts: { [accountId]: { language: "zh-CN", dmPolicy: "pairing" } },
    });
    const profileFor = profileResolver(config);
    const languageFor = (id: string) => profileFor(id).language;
    const media = mediaWiring(config, paths, { kind: "echo", why: "test" });
    gateway = createGateway({
      store,
      agent: { name: "echo", run: async (input) => ({ text: `echo: ${input.text}` }) },
      transportFor: (acc) => createILinkTransport(acc, media.transport),
      media: media.media,
      languageFor,
      delivery: { spacingMs: 0, typingStartAfterMs: 60_000 },
      dispatch: { access: createAccessPolicy({ store: asyncStore(store), profileFor }) },
    });
    await gateway.start();
    ops = createOpsContext({ store, paths, languageFor });
    token = ensureAdminToken(paths);
    server = await startAdminServer({ app: createAdminApp({ ops, token, config, gateway }), port: 0 });
    browser = await launchChromium();
    chat = await browser.newPage({ locale: "zh-CN", viewport: { width: 1280, height: 800 } });
    admin = await browser.newPage({ locale: "zh-CN", viewport: { width: 1280, height: 860 } });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop({ drainTimeoutMs: 1_000 });
    await server?.close();
    ops?.close();
    store?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the chat page's dialogs are Chinese, and the zh-CN account answers a stranger in Chinese", async () => {
    await chat.goto(`${sim.url}/`);
    await chat.click("#new-user-btn");
    const dialog = chat.locator("#name-dialog");
    await expect.poll(() => dialog.locator("h2").textContent()).toBe("新微信用户的名字");
    expect(await dialog.locator("button").allTextContents()).toEqual(["取消", "确定"]);
    await shot(chat, "name-dialog");
    await chat.fill("#name-input", "小美");
    await chat.click("#name-ok");
    await expect.poll(() => chat.locator("#conv-title").textContent()).toBe("小助手");
    // The page plays the account's owner until the new user is created: wait for 小美 to be chosen.
    await expect.poll(() => chat.locator("#me-select option:checked").textContent()).toBe("小美");
    userId = await chat.locator("#me-select").inputValue();

    await chat.fill("#input", "你好");
    await chat.press("#input", "Enter");
    const pairing = chat.locator('.msg[data-direction="outbound"] .bubble', { hasText: "配对码" });
    await pairing.waitFor();
    const code = /配对码：([A-Z2-9]{6})/.exec((await pairing.textContent()) ?? "")?.[1];
    expect(code).toBeDefined();
    expect(await pairing.textContent()).toContain("你好！我只回复主人批准过的人。");
    await approvePairing(asyncStore(store), code as string);

    await chat.fill("#input", "/help");
    await chat.press("#input", "Enter");
    await chat.locator(".msg .bubble", { hasText: "可用命令" }).waitFor();
    await shot(chat, "pairing-and-help");
  });

  it("the voice dialog is Chinese, and a voice note without transcript gets the fallback alone", async () => {
    await chat.click("#voice-btn");
    const dialog = chat.locator("#voice-dialog");
    await expect.poll(() => dialog.locator("h2").textContent()).toBe("语音消息");
    expect(await dialog.locator("label span").allTextContents()).toEqual([
      "转文字（微信语音识别的结果）",
      "时长（秒）",
    ]);
    expect(await dialog.locator("button").allTextContents()).toEqual(["取消", "发送"]);
    await shot(chat, "voice-dialog");
    await chat.fill("#voice-seconds", "3");
    await chat.click("#voice-ok");
    await chat.locator(".msg.self .voice-len", { hasText: "3″" }).waitFor();
    await chat.locator(".msg .bubble", { hasText: "这里暂时听不了语音，请打字发给我。" }).waitFor();
    // Nothing follows it: no echo of the gateway's note about the voice note.
    await chat.fill("#input", "收到");
    await chat.press("#input", "Enter");
    await chat.locator(".msg .bubble", { hasText: "echo: 收到" }).waitFor();
    const texts = await botTexts();
    expect(texts.slice(-2)).toEqual(["这里暂时听不了语音，请打字发给我。", "echo: 收到"]);
    expect(texts.join("\n")).not.toMatch(/voice note|transcribed|\[voice/);
    await shot(chat, "voice-fallback");
  });

  it("the admin UI shows the voice bubble, the expired fix and the REST API page in Chinese", async () => {
    await admin.goto(adminUrl(server.url, token));
    await admin.goto(`${server.url}/contacts/${encodeURIComponent(accountId)}/${encodeURIComponent(userId)}`);
    const voice = admin.locator('.msg.in .voice-note[data-media="voice"]');
    await voice.waitFor();
    expect(await voice.textContent()).toBe("3″");
    expect(await admin.locator(".msg.out .bubble", { hasText: "这里暂时听不了语音" }).count()).toBe(1);
    await shot(admin, "conversation-voice");

    store.accounts.setState(accountId, "expired", EXPIRED_REASON);
    await admin.goto(`${server.url}/accounts`);
    const fix = admin.locator('[data-field="fix"]');
    await fix.waitFor();
    expect(await fix.textContent()).toContain("会话已过期（-14）：运行 wxagent login 重新扫码登录");
    expect(await fix.locator("code").textContent()).toBe("wxagent login");
    expect(await admin.locator(".acct-head .badge").textContent()).toBe("已过期");
    await shot(admin, "accounts-expired");
    store.accounts.setState(accountId, "active");

    await admin.click('[data-nav="api"]');
    await admin.locator("h1", { hasText: "REST API" }).waitFor();
    expect(await admin.locator('[data-op="list_accounts"] h2').textContent()).toContain("列出微信账号");
    expect(await admin.locator('[data-nav="api"]').getAttribute("class")).toBe("on");
    // Styled by the admin's stylesheet: the same sidebar colour as every admin page.
    const sidebar = await admin.locator(".side").evaluate(
      (n) =>
        (
          n as unknown as {
            ownerDocument: { defaultView: { getComputedStyle(e: unknown): { backgroundColor: string } } };
          }
        ).ownerDocument.defaultView.getComputedStyle(n).backgroundColor,
    );
    expect(sidebar).toBe("rgb(46, 46, 46)");
    const form = admin.locator('form[data-path="/api/accounts"]');
    await form.locator("button", { hasText: "发送" }).click();
    await form.locator(".out", { hasText: accountId }).waitFor();
    await shot(admin, "api-docs-zh");
    await admin.click("#back-to-admin");
    await admin.locator("h1", { hasText: "概览" }).waitFor();
  });
});
