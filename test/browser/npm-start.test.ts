/**
 * What a newcomer meets after `npm start`, in a real browser (Debian's chromium) on a phone-sized
 * screen (390 × 844, touch): the real `wxagent start` with its embedded simulator and echo agent
 * (a child process, as a user runs it), the chat page it prints and the admin UI.
 *   - the chat page is usable at 390 px: one pane at a time, nothing wider than the screen;
 *   - a group made on the page is answered when @-mentioned, and the page says how groups work;
 *   - "+ Create bot account" makes a bot the running gateway serves at once;
 *   - the link `wxagent login` prints for the simulator opens a phone view that scans (as a
 *     chosen user, with the pairing-number branch) and confirms, and the new bot is served;
 *   - both pages have a favicon, also the admin UI's 401 page.
 * Every step leaves a screenshot in test-results/screenshots/npm-start-*.png.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginWithQr } from "../../src/ilink/qr-login.js";
import { type Daemon, startDaemon, stopDaemon, tempHome, wxagent } from "../reliability/cli.js";
import { hasChromium, launchChromium, SHOTS, warnIfNoChromium } from "./kit.js";

warnIfNoChromium("npm-start");

const PHONE = { width: 390, height: 844 };

// The page's DOM seen from node (the tsconfig has no DOM lib).
type Box = { x: number; y: number; width: number; height: number };

describe.skipIf(!hasChromium)("npm start in chromium on a phone-sized screen", () => {
  // Any free port for the admin UI; nothing else configured: the simulator's own defaults apply.
  const h = tempHome({ admin: { port: 0 } });
  const home = h.home;
  let daemon: Daemon;
  let sim = "";
  let admin = "";
  let browser: Browser;
  let phone: BrowserContext;
  let page: Page;
  let step = 0;
  const shot = (p: Page, name: string) =>
    p.screenshot({ path: join(SHOTS, `npm-start-${String(++step).padStart(2, "0")}-${name}.png`) });

  /** Nothing on the page is wider than the screen (no sideways scrolling). */
  const scrollWidth = (p: Page) =>
    p.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth,
    );
  const inView = async (p: Page, selector: string): Promise<boolean> => {
    const box = (await p.locator(selector).boundingBox()) as Box | null;
    return (
      box !== null &&
      box.x >= 0 &&
      box.y >= 0 &&
      box.x + box.width <= PHONE.width + 0.5 &&
      box.y + box.height <= PHONE.height + 0.5
    );
  };
  const lastBotBubble = (p: Page, text: string) =>
    p.locator('.msg[data-direction="outbound"] .bubble', { hasText: text }).last();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    daemon = await startDaemon(h, ["--sim-port", "0"], 90_000);
    const out = daemon.stdout();
    sim = /Chat with your bot here:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1] ?? "";
    admin = /admin UI\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1] ?? "";
    if (!sim || !admin) throw new Error(`no banner:\n${out}\n${daemon.stderr()}`);
    browser = await launchChromium();
    phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: "en-US" });
    page = await phone.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (daemon) await stopDaemon(daemon);
    h.remove();
  });

  it("opens the owner's chat full width at 390 px and answers; back shows the chat list", async () => {
    await page.goto(`${sim}/`);
    await expect.poll(() => page.locator("#conv-title").textContent()).toBe("wxagent");
    await page.fill("#input", "hello from a phone");
    await page.click("#send-btn");
    await lastBotBubble(page, "hello from a phone").waitFor();
    await shot(page, "conversation");
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    for (const part of ["#input", "#send-btn", "#back-btn", "#conv-title"])
      expect(await inView(page, part), part).toBe(true);
    expect(await page.locator(".list").isVisible()).toBe(false);

    await page.click("#back-btn");
    await page.locator(".chat-item").first().waitFor();
    expect(await page.locator(".conv").isVisible()).toBe(false);
    expect(await inView(page, "#bot-select")).toBe(true);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, "chat-list");
  });

  it("a group made on the page says how groups work and answers an @-mention", async () => {
    await page.click("#new-group-btn");
    await page.fill("#name-input", "Team");
    await page.click("#name-ok");
    await expect.poll(() => page.locator("#conv-title").textContent()).toBe("Team");
    expect(await page.locator("#group-hint").textContent()).toContain("only when @-mentioned");
    await page.click("#mention-btn");
    await page.locator("#input").pressSequentially("standup at ten?");
    await page.click("#send-btn");
    // The echo agent gets the text without the mention.
    await page
      .locator('.msg[data-direction="outbound"] .bubble', { hasText: /^standup at ten\?$/ })
      .waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, "group");
    await page.click("#back-btn");
  });

  it("+ Create bot account makes a bot the running gateway serves at once", async () => {
    const before = await page.locator("#bot-select option").count();
    await page.selectOption("#bot-select", "__new");
    await expect.poll(() => page.locator("#bot-select option").count()).toBe(before + 1);
    const name = await page.locator("#bot-select option:checked").textContent();
    expect(name).toMatch(/^bot-\d+$/);
    await expect.poll(() => page.locator("#conv-title").textContent()).toBe(name);
    await page.fill("#input", "are you served?");
    await page.click("#send-btn");
    await lastBotBubble(page, "are you served?").waitFor();
    await shot(page, "new-bot");
    expect(daemon.stderr()).toMatch(/simulated account \S+@im\.bot added while running: polling it now/);
  });

  it("the link `wxagent login` prints opens a phone view that scans as a new user and confirms", async () => {
    const login = wxagent(h, ["login", "--base-url", sim, "--timeout-ms", "90000"], 120_000);
    const code = await waitForQr();
    const link = `${sim}/?qrcode=${code}`;
    await page.goto(link);
    await page.locator("#phone").waitFor();
    await expect.poll(() => page.locator("#phone-status").textContent()).toBe("Waiting for the scan.");
    // The user being played already owns a bot: the page says what a second one does.
    expect(await page.locator("#phone-rebind").isVisible()).toBe(true);
    await page.selectOption("#phone-user", "__new");
    expect(await page.locator("#phone-rebind").isVisible()).toBe(false);
    expect(await inView(page, ".phone")).toBe(true);
    await shot(page, "phone-scan");
    await page.click("#phone-scan-btn");
    await expect.poll(() => page.locator("#phone-status").textContent()).toBe("Scanned: confirm the login.");
    await page.click("#phone-confirm-btn");
    await expect.poll(() => page.locator("#phone-open-chat").isVisible()).toBe(true);
    await shot(page, "phone-confirmed");

    const r = await login;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(link);
    const account = /Logged in: account (\S+) \(owner (\S+)\) on the simulator/.exec(r.stdout);
    expect(account, r.stdout).not.toBeNull();

    await page.click("#phone-open-chat");
    expect(await page.locator("#phone").isVisible()).toBe(false);
    expect(new URL(page.url()).search).toBe("");
    await expect.poll(() => page.locator("#me-select").inputValue()).toBe(account?.[2]);
    await expect.poll(() => page.locator("#bot-select").inputValue()).toBe(account?.[1]);
    await page.fill("#input", "first words to the new bot");
    await page.click("#send-btn");
    await lastBotBubble(page, "first words to the new bot").waitFor();
    await shot(page, "new-login-chat");
  }, 150_000);

  it("shows the pairing number the login client must type, and an unknown code says so", async () => {
    const shown: string[] = [];
    const page2 = await phone.newPage();
    try {
      let qrLink = "";
      const gotQr = new Promise<void>((resolve) => {
        void loginWithQr({
          baseUrl: sim,
          timeoutMs: 60_000,
          onQr: (qr) => {
            qrLink = qr.url;
            resolve();
          },
          askVerifyCode: async () => {
            const n = (await page2.locator("#phone-number").textContent()) ?? "";
            shown.push(n);
            return n;
          },
        }).then((result) => {
          login = result;
        });
      });
      let login: Awaited<ReturnType<typeof loginWithQr>> | undefined;
      await gotQr;
      await page2.goto(qrLink);
      await expect.poll(() => page2.locator("#phone-status").textContent()).toBe("Waiting for the scan.");
      await page2.check("#phone-ask-code");
      await page2.selectOption("#phone-user", "__new");
      await page2.click("#phone-scan-btn");
      await expect.poll(() => page2.locator("#phone-number").textContent()).toMatch(/^\d{2}$/);
      await shot(page2, "phone-number");
      // The client typed the number: the phone is asked to confirm.
      await expect
        .poll(() => page2.locator("#phone-status").textContent(), { timeout: 15_000 })
        .toBe("Scanned: confirm the login.");
      await page2.click("#phone-confirm-btn");
      await expect.poll(() => login, { timeout: 15_000 }).toBeDefined();
      expect(login).toMatchObject({ alreadyBound: false, accountId: expect.stringMatching(/@im\.bot$/) });
      expect(shown).toHaveLength(1);

      await page2.goto(`${sim}/?qrcode=no-such-code`);
      await expect
        .poll(() => page2.locator("#phone-status").textContent())
        .toContain("does not know this QR code");
      await shot(page2, "phone-unknown");
    } finally {
      await page2.close();
    }
  }, 90_000);

  it("both pages have a favicon, the admin UI's 401 page too", async () => {
    const iconOf = async (p: Page) => {
      const href = await p.locator('link[rel="icon"]').getAttribute("href");
      expect(href).toBeTruthy();
      const res = await fetch(new URL(href ?? "", p.url()));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/svg+xml");
      expect(await res.text()).toContain("<svg");
    };
    await page.goto(`${sim}/`);
    await iconOf(page);
    await page.goto(`${admin}/`);
    expect(await page.locator("#unauthorized").isVisible()).toBe(true);
    await iconOf(page);
    const token = readFileSync(join(home, "admin-token"), "utf8").trim();
    await page.goto(`${admin}/?token=${token}`);
    await page.locator(".shell").waitFor();
    await iconOf(page);
    // The accounts page marks the simulator's bots as such.
    await page.goto(`${admin}/accounts`);
    const cards = page.locator("[data-account]");
    await cards.first().waitFor();
    expect(await page.locator('[data-field="simulated"]').count()).toBe(await cards.count());
    await shot(page, "admin-accounts");
    for (const url of [`${sim}/favicon.ico`, `${admin}/favicon.ico`]) {
      expect((await fetch(url)).headers.get("content-type"), url).toBe("image/svg+xml");
    }
  });

  it("the admin UI's QR login, prefilled with the simulator, links to the phone view; the bot is polled at once", async () => {
    // The favicon test above logged this browser in (session cookie).
    await page.goto(`${admin}/login`);
    expect(await page.locator("#base_url").inputValue()).toBe(sim);
    await page.click("#login-start");
    await page.locator("#login-qr").waitFor();
    const link = (await page.locator("#login-panel a[target=_blank]").getAttribute("href")) ?? "";
    expect(link.startsWith(`${sim}/?qrcode=`)).toBe(true);
    const phonePage = await phone.newPage();
    try {
      await phonePage.goto(link);
      await expect.poll(() => phonePage.locator("#phone-status").textContent()).toBe("Waiting for the scan.");
      await phonePage.selectOption("#phone-user", "__new");
      await phonePage.click("#phone-scan-btn");
      await phonePage.locator("#phone-confirm-btn").waitFor();
      await phonePage.click("#phone-confirm-btn");
      await phonePage.locator("#phone-open-chat").waitFor();
    } finally {
      await phonePage.close();
    }
    await page.locator('#login-panel[data-status="confirmed"]').waitFor({ timeout: 15_000 });
    const id = (await page.locator("#login-account").textContent()) ?? "";
    await shot(page, "admin-login-confirmed");
    await expect
      .poll(() => daemon.stderr(), { timeout: 10_000 })
      .toContain(`simulated account ${id} added while running: polling it now`);
  });

  it("a bot's -14 from the simulator panel is told on the page with the way out", async () => {
    await page.goto(`${sim}/`);
    await page.locator("#conv-title").waitFor();
    await page.click("#back-btn");
    await page.click("#panel-btn");
    await page.selectOption("#f-kind", "expire_token");
    await page.click("#fault-form button[type=submit]");
    await expect.poll(() => page.locator("#toast").textContent()).toContain("“+ Create bot account”");
    await expect.poll(() => page.locator("#bot-select option:checked").textContent()).toMatch(/\(-14\)$/);
    await shot(page, "expired");
    // Each bot added while running was announced once, however often the watcher looked since.
    const added = [...daemon.stderr().matchAll(/simulated account (\S+) added while running/g)].map(
      (m) => m[1],
    );
    expect(added.length).toBeGreaterThanOrEqual(3);
    expect(new Set(added).size).toBe(added.length);
    expect(daemon.stderr()).not.toContain("polling again");
  });

  async function waitForQr(): Promise<string> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const { qrcodes } = (await (await fetch(`${sim}/sim/qr`)).json()) as {
        qrcodes: { qrcode: string; status: string }[];
      };
      const waiting = qrcodes.find((q) => q.status === "wait");
      if (waiting) return waiting.qrcode;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("wxagent login showed no QR code");
  }
});
