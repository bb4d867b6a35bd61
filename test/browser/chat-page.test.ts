/**
 * The simulator's chat page in a real browser (Debian's chromium through playwright-core): a user
 * is created, writes to the bot, sees the echo arrive live, watches the typing indicator, reads a
 * markdown reply, sends an image and quotes a message. A few-line echo bot in the test plays the
 * gateway over the simulator's iLink endpoints. Every step leaves a screenshot in
 * test-results/screenshots/ so a failure shows the page.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AUTHORIZATION_TYPE,
  Endpoint,
  MessageItemType,
  MessageType,
  type WeixinMessage,
} from "../../src/ilink/wire.js";
import { startSimulator } from "../../src/simulator/index.js";
import { gradientPng, hasChromium, launchChromium, SHOTS, warnIfNoChromium } from "./kit.js";

warnIfNoChromium("chat-page");

const PNG = gradientPng(160, 120);

const MARKDOWN_REPLY = [
  "##### Summary",
  "Here is **the plan**:",
  "- read the file",
  "- run `npm test`",
  "```ts",
  "const ok = 1 < 2;",
  "```",
  "| step | state |",
  "| --- | --- |",
  "| test | done |",
].join("\n");

// The tsconfig has no DOM lib, so code that runs in the page types its elements by hand.
type InPage = {
  ownerDocument: { defaultView: { getComputedStyle(e: unknown): { backgroundColor: string } } };
};
const background = (l: Locator): Promise<string> =>
  l.evaluate((n) => (n as InPage).ownerDocument.defaultView.getComputedStyle(n).backgroundColor);
const naturalWidth = (l: Locator): Promise<number> =>
  l.evaluate((n) => {
    const img = n as unknown as { complete: boolean; naturalWidth: number };
    return img.complete ? img.naturalWidth : 0;
  });

interface Served {
  url: string;
  close(): Promise<void>;
}

/**
 * The simulator on a loopback port with the chat page at `/`. Once the simulator mounts the page
 * itself, startSimulator() is all it takes; until then the page is mounted in front of it here.
 */
async function serveSimulator(): Promise<Served> {
  return startSimulator({ port: 0, realism: false, longPollTimeoutMs: 2_000 });
}

/**
 * The stand-in gateway: long-polls getupdates and answers each message with the same context
 * token. "md" gets a markdown reply, an image is sent back as it came (the CDN object and key),
 * "slow" shows typing and waits for the test to release it.
 */
function startEchoBot(baseUrl: string, token: string, signal: AbortSignal) {
  const headers = {
    "content-type": "application/json",
    AuthorizationType: AUTHORIZATION_TYPE,
    Authorization: `Bearer ${token}`,
  };
  const call = async <T>(endpoint: string, body: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}/${endpoint}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal,
    });
    return (await res.json()) as T;
  };
  let release: () => void = () => {};
  let sent = 0;
  const reply = (to: WeixinMessage, item: Record<string, unknown>) =>
    call(Endpoint.sendMessage, {
      msg: {
        from_user_id: "",
        to_user_id: to.from_user_id,
        client_id: `echo-bot:${++sent}`,
        message_type: MessageType.BOT,
        message_state: 2,
        item_list: [item],
        context_token: to.context_token,
      },
    });
  const handle = async (msg: WeixinMessage): Promise<void> => {
    const first = msg.item_list?.[0];
    const text = first?.text_item?.text ?? first?.voice_item?.text ?? first?.file_item?.file_name ?? "";
    if (first?.type === MessageItemType.IMAGE && first.image_item) {
      await reply(msg, { type: MessageItemType.IMAGE, image_item: { media: first.image_item.media } });
      return;
    }
    if (text === "md") {
      await reply(msg, { type: MessageItemType.TEXT, text_item: { text: MARKDOWN_REPLY } });
      return;
    }
    if (text === "slow") {
      const user = msg.from_user_id ?? "";
      const { typing_ticket } = await call<{ typing_ticket: string }>(Endpoint.getConfig, {
        ilink_user_id: user,
        context_token: msg.context_token,
      });
      await call(Endpoint.sendTyping, { ilink_user_id: user, typing_ticket, status: 1 });
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      await call(Endpoint.sendTyping, { ilink_user_id: user, typing_ticket, status: 2 });
    }
    await reply(msg, { type: MessageItemType.TEXT, text_item: { text: `echo: ${text}` } });
  };
  const loop = (async () => {
    let cursor = "";
    while (!signal.aborted) {
      const res = await call<{ msgs?: WeixinMessage[]; get_updates_buf?: string }>(Endpoint.getUpdates, {
        get_updates_buf: cursor,
      }).catch(() => ({ msgs: [] }) as { msgs?: WeixinMessage[]; get_updates_buf?: string });
      cursor = res.get_updates_buf || cursor;
      for (const msg of res.msgs ?? []) void handle(msg).catch(() => {});
    }
  })();
  return { loop, releaseSlow: () => release() };
}

describe.skipIf(!hasChromium)("chat page in chromium", () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let bot: ReturnType<typeof startEchoBot>;
  let accountId: string;
  const stop = new AbortController();
  let step = 0;
  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `${String(++step).padStart(2, "0")}-${name}.png`) });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    served = await serveSimulator();
    const account = (await (
      await fetch(`${served.url}/sim/accounts`, { method: "POST", body: JSON.stringify({ name: "wxagent" }) })
    ).json()) as { account_id: string; token: string; base_url: string };
    accountId = account.account_id;
    bot = startEchoBot(account.base_url, account.token, stop.signal);
    browser = await launchChromium();
    page = await browser.newPage({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    if (page && step > 0) await shot("final").catch(() => {});
    stop.abort();
    await browser?.close();
    await bot?.loop.catch(() => {});
    await served?.close();
  });

  it("creates a user and chats with the bot", async () => {
    await page.goto(`${served.url}/`);
    await shot("opened");
    await page.click("#new-user-btn");
    await page.fill("#name-input", "Alice");
    await page.click("#name-ok");
    await expect.poll(() => page.locator("#me-select option:checked").textContent()).toBe("Alice");
    await expect.poll(() => page.locator("#conv-title").textContent()).toBe("wxagent");
    await shot("user-created");

    await page.fill("#input", "hello bot");
    await page.press("#input", "Enter");
    const self = page.locator(".msg.self .bubble", { hasText: "hello bot" });
    await self.waitFor();
    const echo = page.locator('.msg[data-direction="outbound"] .bubble', { hasText: "echo: hello bot" });
    await echo.waitFor();
    await shot("echo-received");
    expect(await background(echo)).toBe("rgb(255, 255, 255)");
    expect(await background(self)).toBe("rgb(7, 193, 96)");
  });

  it("shows the typing indicator while the bot works", async () => {
    await page.fill("#input", "slow");
    await page.press("#input", "Enter");
    await expect.poll(() => page.locator("#conv-sub").textContent()).toBe("typing…");
    await shot("typing");
    bot.releaseSlow();
    await page.locator(".msg .bubble", { hasText: "echo: slow" }).waitFor();
    await expect.poll(() => page.locator("#conv-sub").textContent()).toBe("");
  });

  it("renders a markdown reply as WeChat does", async () => {
    await page.fill("#input", "md");
    await page.press("#input", "Enter");
    const bubble = page.locator('.msg[data-direction="outbound"] .bubble', { hasText: "the plan" });
    await bubble.waitFor();
    await shot("markdown");
    expect(await bubble.locator("b").first().textContent()).toBe("the plan");
    expect(await bubble.locator("pre.md-code code").textContent()).toBe("const ok = 1 < 2;");
    expect(await bubble.locator(".md-table").textContent()).toContain("| test | done |");
    const text = (await bubble.textContent()) ?? "";
    expect(text).toContain("Summary");
    expect(text).not.toContain("#####");
  });

  it("sends an image and shows it, and the bot's copy, inline", async () => {
    await page.setInputFiles("#img-input", { name: "gradient.png", mimeType: "image/png", buffer: PNG });
    const mine = page.locator(".msg.self img.msg-img");
    await mine.waitFor();
    const echoed = page.locator('.msg[data-direction="outbound"] img.msg-img');
    await echoed.waitFor();
    await expect.poll(() => naturalWidth(echoed)).toBe(160);
    await expect.poll(() => naturalWidth(mine)).toBe(160);
    await shot("image");
  });

  it("sends a file as a card and a voice note with its transcript", async () => {
    await page.setInputFiles("#file-input", {
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("hi\n"),
    });
    const card = page.locator(".msg.self .file-card", { hasText: "notes.txt" });
    await card.waitFor();
    expect(await card.locator(".fsize").textContent()).toBe("3 B");
    await page.click("#voice-btn");
    await page.fill("#voice-transcript", "remind me at five");
    await page.click("#voice-ok");
    await page.locator(".msg.self .voice-text", { hasText: "remind me at five" }).waitFor();
    await page.locator(".msg .bubble", { hasText: "echo: " }).last().waitFor();
    await shot("file-and-voice");
  });

  it("quotes the bot's reply", async () => {
    const reply = page.locator('.msg[data-direction="outbound"]', { hasText: "echo: hello bot" });
    await reply.hover();
    await reply.locator(".act-btn").click();
    await expect.poll(() => page.locator("#quote-text").textContent()).toContain("echo: hello bot");
    await page.fill("#input", "about this");
    await shot("quoting");
    await page.press("#input", "Enter");
    const mine = page.locator(".msg.self", { hasText: "about this" });
    await mine.waitFor();
    expect(await mine.locator(".quote-ref").textContent()).toContain("echo: hello bot");
    const { messages } = (await (
      await fetch(`${served.url}/sim/messages?account_id=${encodeURIComponent(accountId)}&direction=inbound`)
    ).json()) as { messages: { items: { text?: string }[]; quote: string | null }[] };
    const sent = messages.find((m) => m.items[0]?.text === "about this");
    expect(sent?.quote).toBeTruthy();
    await shot("quoted");
  });

  it("posts in a group with an @-mention and gets the reply there", async () => {
    await page.click("#new-group-btn");
    await page.fill("#name-input", "Team");
    await page.click("#name-ok");
    await expect.poll(() => page.locator("#conv-title").textContent()).toBe("Team");
    await page.click("#mention-btn");
    await page.locator("#input").pressSequentially("standup?");
    await page.press("#input", "Enter");
    await page.locator(".msg.self .bubble", { hasText: "@wxagent" }).waitFor();
    await page.locator('.msg[data-direction="outbound"] .bubble', { hasText: "echo: @wxagent" }).waitFor();
    // The direct chat did not get the group's reply.
    expect(await page.locator(".chat-item").count()).toBe(2);
    await shot("group");
    const { messages } = (await (
      await fetch(`${served.url}/sim/messages?account_id=${encodeURIComponent(accountId)}&direction=inbound`)
    ).json()) as { messages: { group_id: string | null; items: { text?: string }[] }[] };
    const posted = messages.find((m) => m.items[0]?.text?.includes("standup?"));
    expect(posted?.group_id).toMatch(/@chatroom$/);
  });

  it("injects a fault from the side panel and tells when it hits", async () => {
    await page.click("#panel-btn");
    await page.selectOption("#f-endpoint", "sendmessage");
    await page.selectOption("#f-kind", "ret");
    await page.fill("#f-value", "-2");
    await page.click("#fault-form button[type=submit]");
    await expect.poll(() => page.locator("#fault-note").textContent()).toBe("Saved");
    const faults = (await (await fetch(`${served.url}/sim/faults`)).json()) as { faults: { ret?: number }[] };
    expect(faults.faults.map((f) => f.ret)).toEqual([-2]);
    await page.fill("#input", "this reply will fail");
    await page.press("#input", "Enter");
    await expect.poll(() => page.locator("#toast").textContent()).toBe("Injected fault hit: sendmessage");
    await page.locator("#event-log li", { hasText: "fault.triggered" }).waitFor();
    await shot("fault");
    await page.click("#clear-faults");
    await expect
      .poll(async () => ((await (await fetch(`${served.url}/sim/faults`)).json()) as { faults: [] }).faults)
      .toEqual([]);
  });

  it("speaks Chinese to a Chinese browser", async () => {
    const zh = await browser.newPage({ locale: "zh-CN", viewport: { width: 1280, height: 800 } });
    try {
      await zh.goto(`${served.url}/`);
      await expect.poll(() => zh.locator("#send-btn").textContent()).toBe("发送");
      expect(await zh.title()).toBe("wxagent 模拟器");
      await zh.click("#panel-btn");
      await zh.locator("#panel").waitFor();
      await zh.screenshot({ path: join(SHOTS, "zh-CN-panel.png") });
    } finally {
      await zh.close();
    }
  });
});
