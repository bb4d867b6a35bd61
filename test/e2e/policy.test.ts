/**
 * "Who may talk to the bot", end to end: the in-process simulator plays WeChat, the real gateway
 * answers, wired as `wxagent start` wires it (SQLite store in a temp home, iLink transport over
 * the simulator's fetch, the access policy from config profiles). What people see is read back
 * from the simulator (GET /sim/messages); what the agent saw, from a recording agent.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Agent, AgentInput } from "../../src/agent/types.js";
import { configSchema } from "../../src/config/index.js";
import { createGateway, createILinkTransport, type Gateway } from "../../src/gateway/index.js";
import {
  approvePairing,
  createAccessPolicy,
  listPairingRequests,
  profileResolver,
} from "../../src/gateway/policy/index.js";
import { createSimulator, type Simulator } from "../../src/simulator/index.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome, openStore } from "../../src/store/index.js";
import type { InboundMessage, Store } from "../../src/store/types.js";
import { runCli } from "../cli/run-cli.js";

type Json = Record<string, unknown>;

interface SimMessage {
  message_id: string;
  direction: "inbound" | "outbound";
  from: string;
  to: string;
  group_id: string | null;
  items: { type: string; text?: string }[];
}

interface Bot {
  id: string;
  name: string;
  owner: string;
}

interface Harness {
  sim: Simulator;
  store: Store;
  home: string;
  gateway: Gateway;
  bots: Bot[];
  /** Every input the agent was given, in order. */
  seen: AgentInput[];
}

const running: Harness[] = [];

afterEach(async () => {
  for (const h of running.splice(0)) {
    await h.gateway.stop({ drainTimeoutMs: 1_000 });
    h.sim.close();
    h.store.close();
    await rm(h.home, { recursive: true, force: true });
  }
});

async function control(sim: Simulator, method: "GET" | "POST", path: string, body?: Json): Promise<Json> {
  const res = await sim.app.request(`/sim${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  if (res.status !== 200) throw new Error(`${method} /sim${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Echoes every input back and keeps it, so a test can tell what reached the agent. */
function recordingAgent(seen: AgentInput[]): Agent {
  return {
    name: "recording",
    async run(input) {
      seen.push(input);
      return { text: `echo: ${input.text}` };
    },
  };
}

/**
 * Bound bot accounts made through the control API, a config (built from their ids, parsed by the
 * real config schema) and a running gateway, as `wxagent start` builds it.
 */
async function startGateway(names: string[], configFor: (ids: string[]) => Json): Promise<Harness> {
  const sim = createSimulator({ realism: false, seed: 7, longPollTimeoutMs: 1_000 });
  const home = await mkdtemp(join(tmpdir(), "wx-e2e-policy-"));
  const paths = ensureHome(home);
  const store = openStore(paths.dbPath);
  const bots: Bot[] = [];
  for (const name of names) {
    const a = await control(sim, "POST", "/accounts", { name });
    const bot = { id: String(a.account_id), name, owner: String(a.owner_user_id) };
    store.accounts.upsert({
      id: bot.id,
      baseUrl: String(a.base_url),
      cdnBaseUrl: String(a.cdn_base_url),
      token: String(a.token),
      ownerUserId: bot.owner,
      name,
      state: "active",
    });
    bots.push(bot);
  }
  const config = configSchema.parse(configFor(bots.map((b) => b.id)));
  const seen: AgentInput[] = [];
  const gateway = createGateway({
    store,
    agent: recordingAgent(seen),
    transportFor: (a) => createILinkTransport(a, { fetch: sim.fetch }),
    accountIds: bots.map((b) => b.id),
    delivery: { spacingMs: 0, typingStartAfterMs: 60_000 },
    dispatch: {
      access: createAccessPolicy({ store: asyncStore(store), profileFor: profileResolver(config) }),
    },
  });
  const h: Harness = { sim, store, home, gateway, bots, seen };
  running.push(h);
  await gateway.start();
  return h;
}

async function newUser(h: Harness, name: string): Promise<string> {
  return String((await control(h.sim, "POST", "/users", { name })).user_id);
}

/** A user writes to a bot (in a group when `groupId` is given); returns the simulator's message id. */
async function write(h: Harness, bot: Bot, from: string, text: string, groupId?: string): Promise<string> {
  const body: Json = { account_id: bot.id, from, text };
  if (groupId) body.group_id = groupId;
  return String((await control(h.sim, "POST", "/messages", body)).message_id);
}

/** What the bot sent to `userId`, as the simulator recorded it. */
async function sentTo(h: Harness, bot: Bot, userId: string): Promise<SimMessage[]> {
  const q = `/messages?account_id=${bot.id}&user_id=${encodeURIComponent(userId)}&direction=outbound`;
  return (await control(h.sim, "GET", q)).messages as SimMessage[];
}

const textsOf = (messages: SimMessage[]) => messages.map((m) => m.items.map((i) => i.text ?? "").join(""));

/** The stored inbound row of a simulator message, once the gateway has finished with it. */
async function settled(h: Harness, bot: Bot, messageId: string): Promise<InboundMessage> {
  let row: InboundMessage | undefined;
  await vi.waitFor(
    () => {
      row = h.store.inbound.list({ accountId: bot.id }).find((m) => m.messageId === messageId);
      expect(row?.state).toMatch(/^(done|refused|failed)$/);
    },
    { timeout: 10_000, interval: 25 },
  );
  return row as InboundMessage;
}

/** Waits until the bot has sent exactly `n` messages to `userId`, and returns their texts. */
async function waitForSent(h: Harness, bot: Bot, userId: string, n: number): Promise<string[]> {
  await vi.waitFor(async () => expect(await sentTo(h, bot, userId)).toHaveLength(n), {
    timeout: 10_000,
    interval: 25,
  });
  return textsOf(await sentTo(h, bot, userId));
}

const agentTexts = (h: Harness) => h.seen.map((i) => `${i.contact.userId}: ${i.text}`);

const CODE = /pairing code: ([A-Z2-9]{6})/;

describe("who may talk to the bot, through the simulator and the real gateway", () => {
  it("an unknown DM gets a pairing code and silence until approved, then is answered", async () => {
    const h = await startGateway(["pairbot"], () => ({ defaults: { dmPolicy: "pairing" } }));
    const bot = h.bots[0] as Bot;
    const stranger = await newUser(h, "Stranger");

    const first = await write(h, bot, stranger, "hello bot");
    const [codeReply] = await waitForSent(h, bot, stranger, 1);
    const code = CODE.exec(codeReply ?? "")?.[1];
    expect(code, codeReply).toBeDefined();
    expect((await settled(h, bot, first)).state).toBe("refused");
    expect(await listPairingRequests(asyncStore(h.store), bot.id)).toEqual([
      expect.objectContaining({ userId: stranger, code, expired: false }),
    ]);

    // Writing again while the code is valid: no second code, no answer.
    const again = await write(h, bot, stranger, "are you there?");
    expect(await settled(h, bot, again)).toMatchObject({ state: "refused" });
    expect((await settled(h, bot, again)).stateReason).toContain("pairing pending");

    const approved = await approvePairing(asyncStore(h.store), code as string);
    expect(approved).toMatchObject({ accountId: bot.id, userId: stranger });

    await write(h, bot, stranger, "now?");
    expect(await waitForSent(h, bot, stranger, 2)).toEqual([codeReply, "echo: now?"]);
    expect(agentTexts(h)).toEqual([`${stranger}: now?`]);
    expect(await listPairingRequests(asyncStore(h.store), bot.id)).toEqual([]);
  });

  it("`wxagent pairing approve CODE` in another process lets the contact in while the gateway runs", async () => {
    const h = await startGateway(["clibot"], () => ({}));
    const bot = h.bots[0] as Bot;
    const stranger = await newUser(h, "Via CLI");

    await write(h, bot, stranger, "hi");
    const [codeReply] = await waitForSent(h, bot, stranger, 1);
    const code = CODE.exec(codeReply ?? "")?.[1] as string;
    expect(code, codeReply).toBeDefined();

    // Lower case, as an operator might retype it: the CLI normalises it.
    const cli = await runCli(["pairing", "approve", code.toLowerCase()], { WXAGENT_HOME: h.home });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`approved ${stranger} on account ${bot.id}`);

    await write(h, bot, stranger, "approved now");
    expect(await waitForSent(h, bot, stranger, 2)).toEqual([codeReply, "echo: approved now"]);
    expect(agentTexts(h)).toEqual([`${stranger}: approved now`]);
  }, 40_000);

  it("a group not on the allowlist is ignored, even when the bot is mentioned", async () => {
    const h = await startGateway(["Wanda"], () => ({
      defaults: { groupPolicy: "allowlist", groups: { allow: ["team@chatroom"] } },
    }));
    const bot = h.bots[0] as Bot;
    const member = await newUser(h, "Member");

    const ignored = await write(h, bot, member, "@Wanda what's the plan?", "other@chatroom");
    expect(await settled(h, bot, ignored)).toMatchObject({
      state: "refused",
      stateReason: "group other@chatroom is not in groups.allow",
    });
    // The same member, addressed in the allowed group, is answered: the silence above was the policy.
    await write(h, bot, member, "@Wanda what's the plan?", "team@chatroom");
    expect(await waitForSent(h, bot, member, 1)).toEqual(["echo: what's the plan?"]);
    expect(h.seen.map((i) => i.contact.groupId)).toEqual(["team@chatroom"]);
  });

  it("an allowed group is answered only when addressed (by name or prefix), the address removed", async () => {
    const h = await startGateway(["Wanda"], () => ({
      defaults: { groupPolicy: "allowlist", groups: { allow: ["team@chatroom"] }, prefixes: ["/ai"] },
    }));
    const bot = h.bots[0] as Bot;
    const [ann, ben] = [await newUser(h, "Ann"), await newUser(h, "Ben")];
    const group = "team@chatroom";

    const chatter = [
      await write(h, bot, ann, "lunch at noon?", group),
      await write(h, bot, ben, "@Wandaful is not the bot", group),
      await write(h, bot, ben, "/aim for twelve", group),
    ];
    for (const id of chatter) expect((await settled(h, bot, id)).state).toBe("refused");

    // WeChat puts U+2005 after a mention.
    await write(h, bot, ann, "@Wanda\u2005summarise the thread", group);
    await write(h, bot, ben, "/ai book a room", group);
    await write(h, bot, ben, "thanks @WANDA, see you", group);

    expect(await waitForSent(h, bot, ann, 1)).toEqual(["echo: summarise the thread"]);
    expect(await waitForSent(h, bot, ben, 2)).toEqual(["echo: book a room", "echo: thanks, see you"]);
    expect(agentTexts(h)).toEqual([
      `${ann}: summarise the thread`,
      `${ben}: book a room`,
      `${ben}: thanks, see you`,
    ]);
    expect(h.seen.every((i) => i.contact.groupId === group)).toBe(true);
    // iLink has no send-to-group: the simulator records the reply to the member who wrote.
    const replies = [...(await sentTo(h, bot, ann)), ...(await sentTo(h, bot, ben))];
    expect(replies.map((m) => [m.to, m.group_id])).toEqual([
      [ann, null],
      [ben, null],
      [ben, null],
    ]);
  });

  it("a flood is limited and the contact is told once; the owner is not limited", async () => {
    const h = await startGateway(["busybot"], () => ({
      defaults: { dmPolicy: "open", rateLimit: { perContact: { count: 3, windowMs: 60_000 } } },
    }));
    const bot = h.bots[0] as Bot;
    const flooder = await newUser(h, "Flooder");

    const ids: string[] = [];
    for (let n = 1; n <= 8; n++) ids.push(await write(h, bot, flooder, `msg ${n}`));
    const rows = [];
    for (const id of ids) rows.push(await settled(h, bot, id));
    expect(rows.map((r) => r.state)).toEqual([
      "done",
      "done",
      "done",
      "refused",
      "refused",
      "refused",
      "refused",
      "refused",
    ]);
    const texts = await waitForSent(h, bot, flooder, 4);
    expect(texts.filter((t) => t.startsWith("echo: "))).toEqual([
      "echo: msg 1",
      "echo: msg 2",
      "echo: msg 3",
    ]);
    expect(texts.filter((t) => !t.startsWith("echo: "))).toEqual([
      expect.stringMatching(
        /^You're sending messages faster than I can answer\. I'll pick up again in \d+ s\.$/,
      ),
    ]);

    // The owner writes past the same limit and is answered every time.
    for (let n = 1; n <= 5; n++) await write(h, bot, bot.owner, `owner ${n}`);
    expect(await waitForSent(h, bot, bot.owner, 5)).toHaveLength(5);
    // By now every notice to the flooder has long been sent: still exactly one.
    expect(await sentTo(h, bot, flooder)).toHaveLength(4);
    expect(agentTexts(h).filter((t) => t.startsWith(flooder))).toEqual(
      [1, 2, 3].map((n) => `${flooder}: msg ${n}`),
    );
  });

  it("profiles apply per account: one process, an open shop bot and a locked-down admin bot", async () => {
    const h = await startGateway(["shop", "admin"], ([shopId, adminId]) => ({
      defaults: { dmPolicy: "disabled" },
      accounts: {
        [shopId as string]: { dmPolicy: "open", groupPolicy: "open", prefixes: ["/ai"] },
        [adminId as string]: { dmPolicy: "allowlist", allowFrom: ["friend@im.wechat"] },
      },
    }));
    const [shop, admin] = h.bots as [Bot, Bot];
    const stranger = await newUser(h, "Customer");
    const friend = "friend@im.wechat";

    const refused = [
      await write(h, admin, stranger, "let me in"),
      await write(h, admin, stranger, "/ai hi", "lobby@chatroom"),
    ];
    await write(h, shop, stranger, "do you ship?");
    await write(h, shop, stranger, "/ai hi", "lobby@chatroom");
    await write(h, admin, friend, "deploy status?");

    expect(await waitForSent(h, shop, stranger, 2)).toEqual(["echo: do you ship?", "echo: hi"]);
    expect(await waitForSent(h, admin, friend, 1)).toEqual(["echo: deploy status?"]);
    expect((await settled(h, admin, refused[0] as string)).stateReason).toBe(
      "sender is not in allowFrom nor approved",
    );
    expect((await settled(h, admin, refused[1] as string)).stateReason).toBe("group messages are disabled");
    expect(await sentTo(h, admin, stranger)).toEqual([]);
    expect(h.seen.map((i) => [i.contact.accountId, i.contact.userId, i.text]).sort()).toEqual(
      [
        [shop.id, stranger, "do you ship?"],
        [shop.id, stranger, "hi"],
        [admin.id, friend, "deploy status?"],
      ].sort(),
    );
  });

  it("a refused message never reaches the agent: a stranger's text and slash commands get silence", async () => {
    const h = await startGateway(["quietbot"], () => ({ defaults: { dmPolicy: "allowlist" } }));
    const bot = h.bots[0] as Bot;
    const stranger = await newUser(h, "Prober");

    // Commands are checked too: an unknown contact must not read /status or reset a session.
    const ids = [
      await write(h, bot, stranger, "hello"),
      await write(h, bot, stranger, "/status"),
      await write(h, bot, stranger, "/help"),
      await write(h, bot, stranger, "/new"),
    ];
    for (const id of ids) {
      expect(await settled(h, bot, id)).toMatchObject({
        state: "refused",
        stateReason: "sender is not in allowFrom nor approved",
      });
    }
    // The owner is answered on the same account, so the gateway was listening all along.
    await write(h, bot, bot.owner, "/status");
    await write(h, bot, bot.owner, "ping");
    expect(await waitForSent(h, bot, bot.owner, 2)).toContain("echo: ping");
    expect(await sentTo(h, bot, stranger)).toEqual([]);
    expect(agentTexts(h)).toEqual([`${bot.owner}: ping`]);
  });
});
