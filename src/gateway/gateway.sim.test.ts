/**
 * End to end against the simulator in-process: the iLink transport over the SDK client, the real
 * store (SQLite in memory), real delivery, the echo agent.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEchoAgent } from "../agent/echo.js";
import type { Agent, AgentInput, Contact } from "../agent/types.js";
import { workspaceDirFor } from "../agent/workspace.js";
import { createSimulator, type Simulator } from "../simulator/app.js";
import { control, newBot, type TestBot } from "../simulator/testkit.js";
import { openStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { createLogger } from "../util/logger.js";
import { createGateway, type Gateway, type GatewayOptions } from "./gateway.js";
import { createILinkTransport } from "./ilink-transport.js";
import { createMediaResolver } from "./media/index.js";
import { b64, PNG_1PX } from "./media/sim.test-util.js";
import { addSimBotAccount } from "./sim-account.test-util.js";

let sim: Simulator;
let store: Store;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.stop({ drainTimeoutMs: 1_000 });
  gateway = undefined;
  sim.close();
  store.close();
});

async function setup(maxTurns: number, extra: Partial<GatewayOptions> = {}): Promise<TestBot> {
  sim = createSimulator({ realism: false, seed: 3, longPollTimeoutMs: 1_000 });
  store = openStore(":memory:");
  const bot = await newBot(sim);
  addSimBotAccount(store, bot);
  gateway = createGateway({
    store,
    agent: createEchoAgent(),
    transportFor: (account) => createILinkTransport(account, { fetch: sim.fetch }),
    delivery: { spacingMs: 0, typingStartAfterMs: 60_000 },
    maxTurns,
    logger: createLogger("test"),
    ...extra,
  });
  await gateway.start();
  return bot;
}

interface SimMessage {
  to: string;
  items: { type: string; text?: string }[];
}

describe("gateway against the simulator", () => {
  it("answers 50 contacts × 20 messages exactly once each, in order per contact", async () => {
    const bot = await setup(8);
    const contacts = Array.from({ length: 50 }, (_, i) => `user${i}@im.wechat`);
    const writes: Promise<unknown>[] = [];
    for (let n = 0; n < 20; n++) {
      for (const from of contacts) {
        writes.push(
          control(sim, "POST", "/messages", { account_id: bot.account_id, from, text: `${from} #${n}` }),
        );
      }
    }
    await Promise.all(writes);
    const outbound = async (): Promise<SimMessage[]> =>
      (await control(sim, "GET", `/messages?account_id=${bot.account_id}&direction=outbound`)).body
        .messages as SimMessage[];
    await vi.waitFor(async () => expect(await outbound()).toHaveLength(1_000), {
      timeout: 60_000,
      interval: 200,
    });
    const all = await outbound();
    for (const from of contacts) {
      const texts = all.filter((m) => m.to === from).map((m) => m.items[0]?.text);
      expect(texts).toEqual(Array.from({ length: 20 }, (_, n) => `${from} #${n}`));
    }
    expect(store.inbound.unfinished(bot.account_id)).toEqual([]);
    expect((await gateway?.status())?.accounts[0]).toMatchObject({
      polling: "polling",
      expired: false,
      queueDepth: 0,
    });
  }, 90_000);

  it("answers a message once although the simulator redelivers it with the same, an empty and a new id", async () => {
    const bot = await setup(2);
    const from = "dup@im.wechat";
    const sent = await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from,
      text: "only once",
    });
    const messageId = String(sent.body.message_id);
    const answers = async (): Promise<SimMessage[]> =>
      (await control(sim, "GET", `/messages?account_id=${bot.account_id}&direction=outbound`)).body
        .messages as SimMessage[];
    await vi.waitFor(async () => expect(await answers()).toHaveLength(1));
    for (const id_mode of ["same", "empty", "new"]) {
      const r = await control(sim, "POST", "/faults", {
        redeliver: { account_id: bot.account_id, message_id: messageId, id_mode },
      });
      expect(r.status).toBe(200);
    }
    // a later genuine message proves the redeliveries were polled before it
    await control(sim, "POST", "/messages", { account_id: bot.account_id, from, text: "second" });
    await vi.waitFor(async () => expect(await answers()).toHaveLength(2));
    expect((await answers()).map((m) => m.items[0]?.text)).toEqual(["only once", "second"]);
    expect(store.inbound.list({ accountId: bot.account_id })).toHaveLength(2);
  });

  it("marks the account expired when the simulator expires its token, and keeps the process up", async () => {
    const bot = await setup(2);
    const events: string[] = [];
    gateway?.on((e) => {
      if (e.type === "expired") events.push(e.accountId);
    });
    await control(sim, "POST", "/faults", { expire_token: bot.account_id });
    await vi.waitFor(() => expect(events).toEqual([bot.account_id]), { timeout: 10_000 });
    const s = (await gateway?.status())?.accounts[0];
    expect(s).toMatchObject({ expired: true, state: "expired" });
    expect(s?.fix).toContain("wxagent login");
  });
});

describe("gateway media against the simulator", () => {
  const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
  let dir: string;
  let seen: AgentInput[];
  const wsFor = (c: Contact) => workspaceDirFor(c, { home: dir });

  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "wx-gw-media-")));
    seen = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Answers "chart" with a PNG from the workspace, "secret" with one outside it. */
  const agent: Agent = {
    name: "files",
    async run(input) {
      seen.push(input);
      if (input.text.includes("chart")) {
        const ws = wsFor(input.contact);
        await mkdir(ws, { recursive: true });
        await writeFile(join(ws, "out.png"), PNG_1PX);
        await writeFile(join(ws, "chart.bin"), PNG_1PX);
        return { text: "Here it is <<FILE:out.png>> <<FILE:chart.bin>>" };
      }
      if (input.text.includes("secret")) {
        await writeFile(join(dir, "out.png"), PNG_1PX);
        return { text: `Here <<FILE:${join(dir, "out.png")}>>` };
      }
      return { text: "got it" };
    },
  };

  const start = () =>
    setup(2, {
      agent,
      media: (deps) =>
        createMediaResolver({
          mediaDir: join(dir, "media"),
          workspaceDirFor: wsFor,
          downloaderFor: (id) => deps.transportOf(id).media,
          notify: deps.notify,
        }),
      dispatch: { workspaceDirFor: wsFor },
    });

  const outbound = async (accountId: string) =>
    (await control(sim, "GET", `/messages?account_id=${accountId}&direction=outbound`)).body.messages as {
      to: string;
      items: { type: string; text?: string; sha256?: string }[];
    }[];

  it("an inbound image reaches the agent as a MediaRef with a path to the exact bytes", async () => {
    const bot = await start();
    await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: "pic@im.wechat",
      image: { name: "photo.png", base64: b64(PNG_1PX) },
    });
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 10_000 });
    const [img] = seen[0]?.media ?? [];
    expect(img).toMatchObject({ kind: "image", mime: "image/png", size: PNG_1PX.length });
    expect(img?.path?.startsWith(join(dir, "media"))).toBe(true);
    expect(sha256(await readFile(img?.path as string))).toBe(sha256(PNG_1PX));
  });

  it("a <<FILE:>> in the contact's workspace arrives as an image with the same sha256, whatever its extension", async () => {
    const bot = await start();
    await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: "u@im.wechat",
      text: "chart",
    });
    await vi.waitFor(
      async () => expect((await outbound(bot.account_id)).flatMap((m) => m.items)).toHaveLength(3),
      { timeout: 10_000 },
    );
    const items = (await outbound(bot.account_id)).flatMap((m) => m.items);
    expect(items[0]).toMatchObject({ type: "text", text: "Here it is" });
    expect(items[1]).toMatchObject({ type: "image", sha256: sha256(PNG_1PX) });
    // chart.bin: the content (PNG) decides the bubble kind, not the extension.
    expect(items[2]).toMatchObject({ type: "image", sha256: sha256(PNG_1PX) });
  });

  it("a <<FILE:>> outside the workspace is refused with a message to the user and nothing uploaded", async () => {
    const bot = await start();
    await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: "u@im.wechat",
      text: "secret",
    });
    await vi.waitFor(async () => expect(await outbound(bot.account_id)).toHaveLength(1), { timeout: 10_000 });
    const items = (await outbound(bot.account_id)).flatMap((m) => m.items);
    expect(items).toEqual([
      expect.objectContaining({
        type: "text",
        text: `Here\n\nI can't send "out.png": it is outside my workspace.`,
      }),
    ]);
    expect(store.inbound.unfinished(bot.account_id)).toEqual([]);
  });
});

describe("quotes by id only (newer WeChat clients)", () => {
  it("restores the quoted message from the store: the contact's own, then one of our replies", async () => {
    const inputs: AgentInput[] = [];
    const echo = createEchoAgent();
    const bot = await setup(2, {
      agent: {
        name: "recording-echo",
        run: (input, io) => {
          inputs.push(input);
          return echo.run(input, io);
        },
      },
    });
    const from = "quoter@im.wechat";
    const list = async (direction: string) =>
      (await control(sim, "GET", `/messages?account_id=${bot.account_id}&direction=${direction}`)).body
        .messages as { message_id: string; items: { text?: string }[] }[];
    await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from,
      text: "the door code is 4711",
    });
    await vi.waitFor(async () => expect(await list("outbound")).toHaveLength(1), { timeout: 5_000 });
    const [mine] = await list("inbound");
    const [reply] = await list("outbound");
    for (const quoted of [mine, reply]) {
      await control(sim, "POST", "/messages", {
        account_id: bot.account_id,
        from,
        text: "what was that?",
        quote: { message_id: quoted?.message_id, id_only: true },
      });
    }
    await vi.waitFor(() => expect(inputs).toHaveLength(3), { timeout: 5_000 });
    expect(inputs[1]?.quote).toEqual({ text: "the door code is 4711" });
    expect(inputs[2]?.quote?.text).toBe(reply?.items[0]?.text);
    expect(inputs[2]?.quote?.text).toContain("the door code is 4711");
  });
});
