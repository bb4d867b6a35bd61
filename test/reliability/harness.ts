/**
 * Shared parts of the reliability suites: an in-process simulator and gateway (real SQLite on
 * disk, or a real PostgreSQL database with the account leased to the gateway as a node would
 * hold it; the iLink transport over the simulator's in-process fetch, the echo agent), and the
 * checks every suite makes on what the users saw in `GET /sim/messages`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEchoAgent } from "../../src/agent/echo.js";
import type { Agent } from "../../src/agent/types.js";
import {
  createGateway,
  createILinkTransport,
  type Gateway,
  type GatewayOptions,
} from "../../src/gateway/index.js";
import { simBotAccount } from "../../src/gateway/sim-account.test-util.js";
import { createSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.js";
import { control, newBot, type TestBot } from "../../src/simulator/testkit.js";
import { type AsyncStore, asyncStore } from "../../src/store/async.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import type { PgTestDb } from "../../src/store/postgres-server.test-util.js";
import { openStore } from "../../src/store/sqlite.js";

export interface SimMessage {
  message_id: string;
  direction: "inbound" | "outbound";
  from: string;
  to: string;
  client_id?: string;
  create_time_ms: number;
  items: { type: string; text?: string }[];
}

export interface Rig {
  sim: Simulator;
  /** The store the gateway runs on (SQLite's wrapped, or PostgreSQL's). */
  store: AsyncStore;
  gateway: Gateway;
  bot: TestBot;
  dir: string;
  close(): Promise<void>;
}

/** The node id the rig's gateway holds its lease as, on PostgreSQL. */
const RIG_NODE = "rig-node";

export async function startRig(o: {
  sim?: SimulatorOptions;
  simConfig?: Record<string, unknown>;
  agent?: Agent;
  gateway?: Partial<GatewayOptions>;
  /** Run on this PostgreSQL database (emptied first) instead of a SQLite file. */
  db?: PgTestDb;
}): Promise<Rig> {
  const sim = createSimulator({ seed: 1, longPollTimeoutMs: 1_000, ...o.sim });
  if (o.simConfig) {
    const res = await control(sim, "POST", "/config", o.simConfig);
    if (res.status !== 200) throw new Error(`sim config refused: ${JSON.stringify(res.body)}`);
  }
  const dir = mkdtempSync(join(tmpdir(), "wxagent-rel-"));
  const bot = await newBot(sim);
  const account = simBotAccount(bot);
  let store: AsyncStore;
  let leases: GatewayOptions["leases"];
  if (o.db) {
    await o.db.reset();
    const pg = await openPostgresStore(o.db.url);
    await pg.accounts.upsert(account);
    // The account leased to this gateway as `wxagent start` leases it, for longer than any suite
    // runs: every cursor move, reply record and send is fenced by the epoch, as on a cluster.
    const epoch = await pg.leases.acquireOrRenew(RIG_NODE, bot.account_id, 10 * 60_000);
    if (epoch === null) throw new Error("the rig could not lease its account");
    const fenced = pg.fenced({ nodeId: RIG_NODE, accountId: bot.account_id, epoch });
    leases = {
      owns: (id) => id === bot.account_id,
      storeFor: (id) => (id === bot.account_id ? fenced : undefined),
    };
    store = pg;
  } else {
    const sqlite = openStore(join(dir, "wxagent.db"), { groupCommit: true }); // as `wxagent start` opens it
    sqlite.accounts.upsert(account);
    store = asyncStore(sqlite);
  }
  const gateway = createGateway({
    store,
    agent: o.agent ?? createEchoAgent(),
    transportFor: (account) => createILinkTransport(account, { fetch: sim.fetch }),
    maxTurns: 16,
    ...(leases ? { leases } : {}),
    ...o.gateway,
  });
  await gateway.start();
  return {
    sim,
    store,
    gateway,
    bot,
    dir,
    async close() {
      await gateway.stop({ drainTimeoutMs: 1_000 });
      sim.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const contactId = (i: number) => `rel-${i}@im.wechat`;
export const textOf = (from: string, n: number) => `${from} #${n}`;

/** Every message of a burst: `perContact` rounds over `contacts` users, as `{from, text}`. */
export function burst(contacts: number, perContact: number): { from: string; text: string }[] {
  const out = [];
  for (let n = 0; n < perContact; n++)
    for (let i = 0; i < contacts; i++) out.push({ from: contactId(i), text: textOf(contactId(i), n) });
  return out;
}

/** A user writes to the bot; returns the simulator's message id. */
export async function inject(sim: Simulator, accountId: string, from: string, text: string): Promise<string> {
  const res = await control(sim, "POST", "/messages", { account_id: accountId, from, text });
  if (res.status !== 200) throw new Error(`inject refused: ${JSON.stringify(res.body)}`);
  return res.body.message_id as string;
}

export async function outbound(sim: Simulator, accountId: string): Promise<SimMessage[]> {
  const res = await control(sim, "GET", `/messages?account_id=${accountId}&direction=outbound`);
  return res.body.messages as SimMessage[];
}

/**
 * What each contact saw: the echo replies to its burst messages (texts `<from> #<n>`), in arrival
 * order. Other bubbles (the "reply anything to continue" note, replies to nudges) are ignored.
 */
export function repliesByContact(messages: SimMessage[], contacts: number): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (let i = 0; i < contacts; i++) by.set(contactId(i), []);
  for (const m of messages) {
    const text = m.items[0]?.text;
    const list = by.get(m.to);
    if (list && text?.startsWith(`${m.to} #`)) list.push(text);
  }
  return by;
}

/** Problems in `by`: a reply missing, doubled or out of order. Empty when every contact is right. */
export function deliveryProblems(by: Map<string, string[]>, perContact: number): string[] {
  const problems: string[] = [];
  for (const [from, texts] of by) {
    const want = Array.from({ length: perContact }, (_, n) => textOf(from, n));
    if (texts.length === want.length && texts.every((t, i) => t === want[i])) continue;
    const seen = new Map<string, number>();
    for (const t of texts) seen.set(t, (seen.get(t) ?? 0) + 1);
    const missing = want.filter((t) => !seen.has(t));
    const doubled = [...seen].filter(([, c]) => c > 1).map(([t]) => t);
    const order = missing.length === 0 && doubled.length === 0 ? " (out of order)" : "";
    problems.push(
      `${from}: ${texts.length}/${perContact}${order}${missing.length ? ` missing ${missing.slice(0, 3).join(", ")}` : ""}${doubled.length ? ` doubled ${doubled.slice(0, 3).join(", ")}` : ""}`,
    );
  }
  return problems;
}

/** How many burst replies are still missing (doubles are not counted here). */
export function missingCount(by: Map<string, string[]>, perContact: number): number {
  let n = 0;
  for (const texts of by.values()) n += perContact - new Set(texts).size;
  return n;
}

/** A small seeded PRNG (mulberry32) so every random choice of a suite repeats for its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Wait until every burst message has its reply, playing the users: when no bubble arrived for
 * `quietMs` and some replies are missing, each such contact writes a nudge (the rest of its
 * replies wait in the outbox for exactly that: the context-token quota). Throws at the deadline
 * with what is missing. Returns the number of nudges written.
 */
export async function answerAll(
  sim: Simulator,
  accountId: string,
  contacts: number,
  perContact: number,
  o: { timeoutMs: number; quietMs?: number },
): Promise<{ nudges: number }> {
  const quietMs = o.quietMs ?? 1_500;
  let nudges = 0;
  let lastCount = -1;
  let quietSince = Date.now();
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const out = await outbound(sim, accountId);
    const by = repliesByContact(out, contacts);
    if (missingCount(by, perContact) === 0) return { nudges };
    if (Date.now() > deadline)
      throw new Error(`not all answered: ${deliveryProblems(by, perContact).join("; ")}`);
    await new Promise((r) => setTimeout(r, 250));
    if (out.length !== lastCount) {
      lastCount = out.length;
      quietSince = Date.now();
      continue;
    }
    if (Date.now() - quietSince < quietMs) continue;
    for (const [from, texts] of by) {
      if (new Set(texts).size < perContact) {
        nudges++;
        await inject(sim, accountId, from, `nudge ${nudges}`);
      }
    }
    quietSince = Date.now();
  }
}
