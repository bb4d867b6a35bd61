/**
 * Both languages through the real gateway and the in-process simulator, wired as `wxagent start`
 * wires them (config profiles → access policy and `languageFor`, the media resolver of
 * gateway-wiring.ts, a SQLite store in a temp home): a contact of the zh-CN account reads Chinese
 * pairing, /help, voice fallback and quota texts; a contact of the English account English ones.
 * A voice note without transcript is answered by the fallback alone: the agent never sees it and
 * nothing echoes the gateway's note about it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Agent, type AgentInput, BUBBLE_BREAK } from "../../src/agent/types.js";
import { mediaWiring } from "../../src/cli/gateway-wiring.js";
import { configSchema } from "../../src/config/index.js";
import { createGateway, createILinkTransport, type Gateway } from "../../src/gateway/index.js";
import { approvePairing, createAccessPolicy, profileResolver } from "../../src/gateway/policy/index.js";
import { createSimulator, type Simulator } from "../../src/simulator/index.js";
import { control as simControl } from "../../src/simulator/testkit.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome, openStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";

type Json = Record<string, unknown>;

interface SimMessage {
  items: { type: string; text?: string }[];
}

let sim: Simulator;
let store: Store;
let home: string;
let gateway: Gateway;
const seen: AgentInput[] = [];

afterEach(async () => {
  await gateway.stop({ drainTimeoutMs: 1_000 });
  sim.close();
  store.close();
  await rm(home, { recursive: true, force: true });
  seen.length = 0;
});

/** The simulator's control API; a refusal fails the test with its answer. */
async function control(method: "GET" | "POST", path: string, body?: Json): Promise<Json> {
  const res = await simControl(sim, method, path, body);
  if (res.status !== 200) throw new Error(`${method} /sim${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Echoes a text; `long` gets five separate bubbles, more than the send quota of 3 lets through. */
const agent: Agent = {
  name: "recording",
  async run(input) {
    seen.push(input);
    if (input.text === "long") return { text: ["one", "two", "three", "four", "five"].join(BUBBLE_BREAK) };
    return { text: `echo: ${input.text}` };
  },
};

/** Two bound bots, one per language, under the pairing policy; returns their ids. */
async function start(): Promise<{ zh: string; en: string }> {
  sim = createSimulator({ realism: false, seed: 5, longPollTimeoutMs: 1_000 });
  home = await mkdtemp(join(tmpdir(), "wx-e2e-language-"));
  const paths = ensureHome(home);
  store = openStore(paths.dbPath);
  const ids: string[] = [];
  for (const name of ["zhbot", "enbot"]) {
    const a = await control("POST", "/accounts", { name });
    store.accounts.upsert({
      id: String(a.account_id),
      baseUrl: String(a.base_url),
      cdnBaseUrl: String(a.cdn_base_url),
      token: String(a.token),
      ownerUserId: String(a.owner_user_id),
      name,
      state: "active",
    });
    ids.push(String(a.account_id));
  }
  const [zh = "", en = ""] = ids;
  const config = configSchema.parse({
    defaults: { dmPolicy: "pairing" },
    accounts: { [zh]: { language: "zh-CN" }, [en]: { language: "en" } },
  });
  const profileFor = profileResolver(config);
  const media = mediaWiring(config, paths, { kind: "echo", why: "test" });
  gateway = createGateway({
    store,
    agent,
    transportFor: (a) => createILinkTransport(a, { ...media.transport, fetch: sim.fetch }),
    media: media.media,
    languageFor: (id) => profileFor(id).language,
    accountIds: ids,
    delivery: { spacingMs: 0, typingStartAfterMs: 60_000, quotaPerToken: 3 },
    dispatch: { access: createAccessPolicy({ store: asyncStore(store), profileFor }), sendQuota: 3 },
  });
  await gateway.start();
  return { zh, en };
}

/** A new WeChat user writes `body` to the bot; resolves when the bot has sent them `n` messages in all. */
async function exchange(bot: string, from: string, body: Json, n: number): Promise<string[]> {
  await control("POST", "/messages", { account_id: bot, from, ...body });
  const sent = async () => {
    const q = `/messages?account_id=${bot}&user_id=${encodeURIComponent(from)}&direction=outbound`;
    return ((await control("GET", q)).messages as SimMessage[]).map((m) =>
      m.items.map((i) => i.text ?? "").join(""),
    );
  };
  await vi.waitFor(async () => expect(await sent()).toHaveLength(n), { timeout: 10_000, interval: 25 });
  return sent();
}

/** Pairing, approval, /help, a voice note without transcript, then a reply over the quota. */
async function conversation(bot: string): Promise<string[]> {
  const user = String((await control("POST", "/users", { name: "Mei" })).user_id);
  const [pairing = ""] = await exchange(bot, user, { text: "你好" }, 1);
  const code = /([A-HJ-NP-Z2-9]{6})/.exec(pairing)?.[1];
  expect(code, pairing).toBeDefined();
  await approvePairing(asyncStore(store), code as string);
  await exchange(bot, user, { text: "/help" }, 2);
  // As the chat page sends a voice note with an empty transcript: no audio, no text.
  await exchange(bot, user, { voice: { transcript: "", playtime_ms: 3000 } }, 3);
  // Quota 3 per inbound message: two bubbles, then the note; three wait in the outbox.
  return exchange(bot, user, { text: "long" }, 6);
}

describe("the account's language, end to end", () => {
  it("a zh-CN account's contact reads Chinese, an English account's contact English", async () => {
    const bots = await start();
    const zh = await conversation(bots.zh);
    const en = await conversation(bots.en);

    expect(zh[0]).toMatch(/^你好！我只回复主人批准过的人。你的配对码：[A-Z2-9]{6}（60 分钟内有效）/);
    expect(zh[1]).toMatch(/^可用命令：\n\/stop：停止正在进行的回答\n/);
    expect(zh[1]).toContain("/help：显示这份列表");
    expect(zh[2]).toBe("这里暂时听不了语音，请打字发给我。");
    expect(zh.slice(3)).toEqual(["one", "two", "（回复任意内容继续，还有 3 条消息）"]);

    expect(en[0]).toMatch(
      /^Hi! I only answer people my owner has approved\. Your pairing code: [A-Z2-9]{6} \(valid 60 min\)/,
    );
    expect(en[1]).toMatch(/^Commands:\n\/stop: stop the answer in progress\n/);
    expect(en[2]).toBe("I can't listen to voice notes here — please type it.");
    expect(en.slice(3)).toEqual(["one", "two", "(reply anything to continue — 3 more messages waiting)"]);

    for (const text of [...zh, ...en]) {
      expect(text).not.toMatch(/回复任意内容.*reply anything|reply anything.*回复任意内容/s);
      expect(text).not.toMatch(/could not be transcribed|\[voice/);
    }
    // The voice notes reached no agent: it saw only the two "long" messages.
    expect(seen.map((i) => i.text)).toEqual(["long", "long"]);
    expect(seen.map((i) => i.contact.language)).toEqual(["zh-CN", "en"]);
  });
});
