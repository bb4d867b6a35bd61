/**
 * The benchmark's load generator: the simulator on a loopback port (realism off) in its own
 * process, so its work is not charged to the gateway's CPU or RSS. It injects user messages when
 * the parent asks (a burst, or paced at a steady rate) and timestamps, with the same clock, the
 * moment the simulator accepts each user message and the moment it receives the reply. The
 * difference is the latency the gateway adds (the echo agent's delay is subtracted by the parent).
 *
 * Protocol (IPC, one JSON object per message): parent → `{id, cmd, ...}`; child → `{id, ...}`.
 */
import { performance } from "node:perf_hooks";
import { sendInbound } from "../src/simulator/inbound.js";
import { startSimulator } from "../src/simulator/index.js";
import { ensureUser } from "../src/simulator/state.js";

interface RunRequest {
  id: number;
  cmd: "run";
  accountId: string;
  /** Distinguishes runs: every text is `${tag} ${contact} #${n}`. */
  tag: string;
  contacts: number;
  perContact: number;
  /** 0: burst (all at once); otherwise one message every `intervalMs / contacts` ms, round robin. */
  intervalMs: number;
  timeoutMs: number;
  /** End the run early once no reply has come for this long (default: wait out `timeoutMs`). */
  idleMs?: number;
  /** Instead of `accountId`: one message from its owner to each of these accounts, all at once. */
  accountIds?: string[];
  /**
   * With `accountIds`: instead, each account's `contacts` contacts write `perContact` messages
   * each, all at once (texts `${tag} a${account} ${contact} #${n}`).
   */
  perAccount?: boolean;
}

type Request =
  | { id: number; cmd: "account" }
  | { id: number; cmd: "accounts"; count: number }
  | { id: number; cmd: "polls"; accountIds?: string[] }
  | RunRequest
  | TrafficRequest
  | AfterRequest
  | { id: number; cmd: "traffic-stop"; timeoutMs: number }
  | { id: number; cmd: "answered"; texts: string[] }
  | { id: number; cmd: "close" };

/**
 * Failover traffic (bench/cluster.ts): from now on, each account's contact `steady@im.wechat`
 * writes one message every `intervalMs` (staggered over the interval; 0: none), texts
 * `${tag} ${account} #${n}`, until `traffic-stop`.
 */
interface TrafficRequest {
  id: number;
  cmd: "traffic";
  accountIds: string[];
  intervalMs: number;
  tag: string;
}

/**
 * Right after a node was killed at `sinceMs` (wall clock, performance.timeOrigin + now(), ms): one
 * message into each of `accountIds` (the accounts it held) from `probe@im.wechat`, then waits until
 * each of them has had a reply to a message accepted at or after `sinceMs` (which only a node that
 * polled after the kill can have sent), or `timeoutMs`.
 */
interface AfterRequest {
  id: number;
  cmd: "after";
  accountIds: string[];
  sinceMs: number;
  timeoutMs: number;
}

export interface AfterAnswer {
  id: number;
  accounts: number;
  /** Accounts that had such a reply within the timeout. */
  answered: number;
  /** The first such reply on any of them, and the last account's first one (wall clock, ms). */
  firstAtMs: number | null;
  allAtMs: number | null;
}

export interface TrafficAnswer {
  id: number;
  /** Traffic and probe messages injected, and those answered (once each) by the end of the wait. */
  sent: number;
  answered: number;
  /** Replies to a message already answered, or to none of ours; resends the simulator deduplicated. */
  doubles: number;
  duplicates: number;
  /** Messages still unanswered at the end (at most 20): text, account, acceptance (wall clock, ms). */
  missing: { text: string; account: string; atMs: number }[];
}

export interface RunAnswer {
  id: number;
  sent: number;
  answered: number;
  /** Per answered message: reply time − accept time (ms). */
  latenciesMs: number[];
  firstInMs: number;
  lastOutMs: number;
  /** Replies whose text was not an open message of this run (a double or a stranger). */
  unexpected: number;
  /** CPU the simulator process (simulator + load generator) used during the run, ms. */
  simCpuMs: number;
  /** Texts of messages still unanswered at the end (at most 20). */
  missing: string[];
}

const running = await startSimulator({ port: 0, realism: false, seed: 7, longPollTimeoutMs: 35_000 });
const sim = running.simulator;
const now = () => performance.now();
/** Wall clock with sub-millisecond resolution, comparable across processes. */
const wallMs = () => performance.timeOrigin + performance.now();

// The parent gone (killed, crashed): no simulator left behind.
process.on("disconnect", () => process.exit(0));

let current:
  | {
      req: RunRequest;
      inAt: Map<string, number>;
      latencies: number[];
      firstIn: number;
      lastOut: number;
      unexpected: number;
      total: number;
      done: () => void;
    }
  | undefined;

sim.state.listeners.add((event) => {
  const run = current;
  if (!run) return;
  const items = (event.data as { items?: { text?: string }[] }).items;
  const text = items?.[0]?.text;
  if (typeof text !== "string" || !text.startsWith(`${run.req.tag} `)) return;
  if (event.type === "message.inbound") {
    const t = now();
    run.inAt.set(text, t);
    if (run.firstIn === 0) run.firstIn = t;
  } else if (event.type === "message.outbound") {
    const t = now();
    const at = run.inAt.get(text);
    if (at === undefined || at < 0) {
      run.unexpected++;
      return;
    }
    run.inAt.set(text, -1); // answered: a second reply with this text is a double
    run.latencies.push(t - at);
    run.lastOut = t;
    if (run.latencies.length === run.total) run.done();
  }
});

/**
 * One user message, as WeChat's server would take it from the user's phone. The load generator
 * stands for the users, whose typing costs this machine nothing, so it calls the simulator's inbound
 * path directly instead of through POST /sim/messages (a Request object per message there). Only the
 * gateway's own traffic, getupdates and sendmessage, goes over HTTP.
 */
function inject(accountId: string, from: string, text: string): void {
  const account = sim.state.accounts.get(accountId);
  if (!account) throw new Error(`inject failed: unknown account ${accountId}`);
  ensureUser(sim.state, from);
  sendInbound(sim.state, account, { account_id: accountId, from, text });
}

async function run(req: RunRequest): Promise<RunAnswer> {
  const cpuBefore = process.cpuUsage();
  const total =
    (req.accountIds?.length ?? 1) * (req.perAccount || !req.accountIds ? req.contacts * req.perContact : 1);
  const finished = new Promise<void>((resolve) => {
    current = {
      req,
      inAt: new Map(),
      latencies: [],
      firstIn: 0,
      lastOut: 0,
      unexpected: 0,
      total,
      done: resolve,
    };
  });
  const contact = (i: number) => `bench-${i}@im.wechat`;
  const textOf = (i: number, n: number) => `${req.tag} ${contact(i)} #${n}`;
  if (req.accountIds && req.perAccount) {
    const ids = req.accountIds;
    for (let n = 0; n < req.perContact; n++)
      ids.forEach((accountId, a) => {
        for (let i = 0; i < req.contacts; i++)
          inject(accountId, contact(i), `${req.tag} a${a} ${contact(i)} #${n}`);
      });
  } else if (req.accountIds) {
    // From each account's owner: the one contact a new account answers without pairing.
    req.accountIds.forEach((accountId, i) => {
      const owner = sim.state.accounts.get(accountId)?.owner_user_id ?? contact(0);
      inject(accountId, owner, `${req.tag} account ${i}`);
    });
  } else if (req.intervalMs === 0) {
    for (let n = 0; n < req.perContact; n++)
      for (let i = 0; i < req.contacts; i++) inject(req.accountId, contact(i), textOf(i, n));
  } else {
    // Paced: message k is due at k × (interval / contacts) ms from the start.
    const stepMs = req.intervalMs / req.contacts;
    const start = now();
    let k = 0;
    while (k < total) {
      const due = Math.floor((now() - start) / stepMs) + 1;
      for (; k < Math.min(due, total); k++)
        inject(
          req.accountId,
          contact(k % req.contacts),
          textOf(k % req.contacts, Math.floor(k / req.contacts)),
        );
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  let idleTimer: NodeJS.Timeout | undefined;
  const idle =
    req.idleMs === undefined
      ? new Promise<void>(() => {})
      : new Promise<void>((resolve) => {
          const startedAt = now();
          idleTimer = setInterval(() => {
            const last = Math.max(startedAt, current?.lastOut ?? 0);
            if (now() - last > (req.idleMs as number)) resolve();
          }, 250);
        });
  let timeout: NodeJS.Timeout | undefined;
  await Promise.race([finished, idle, new Promise((r) => (timeout = setTimeout(r, req.timeoutMs)))]);
  clearInterval(idleTimer);
  clearTimeout(timeout);
  // A short grace period catches doubles that arrive right after the last reply.
  await new Promise((r) => setTimeout(r, 100));
  const c = current;
  current = undefined;
  if (!c) throw new Error("no run in progress");
  return {
    id: req.id,
    sent: total,
    answered: c.latencies.length,
    latenciesMs: c.latencies,
    firstInMs: c.firstIn,
    lastOutMs: c.lastOut,
    unexpected: c.unexpected,
    missing: [...c.inAt]
      .filter(([, at]) => at >= 0)
      .slice(0, 20)
      .map(([text]) => text),
    simCpuMs: Math.round(
      (() => {
        const u = process.cpuUsage(cpuBefore);
        return (u.user + u.system) / 1000;
      })(),
    ),
  };
}

// ---- failover traffic (bench/cluster.ts) ----------------------------------------------------

let traffic:
  | {
      tag: string;
      /** Text → account and acceptance time (wall clock); `answered` once replied. */
      inAt: Map<string, { account: string; atMs: number; answered: boolean }>;
      sent: number;
      answered: number;
      doubles: number;
      duplicates: number;
      timer?: NodeJS.Timeout;
      probes: number;
      wait?: { sinceMs: number; victims: Set<string>; first: Map<string, number>; done: () => void };
    }
  | undefined;

sim.state.listeners.add((event) => {
  const t = traffic;
  if (!t) return;
  if (event.type === "message.duplicate") {
    t.duplicates++;
    return;
  }
  const m = event.data as { account_id?: string; items?: { text?: string }[] };
  const text = m.items?.[0]?.text;
  if (typeof text !== "string" || !text.startsWith(`${t.tag} `) || !m.account_id) return;
  if (event.type === "message.inbound") {
    t.inAt.set(text, { account: m.account_id, atMs: wallMs(), answered: false });
  } else if (event.type === "message.outbound") {
    const at = wallMs();
    const inbound = t.inAt.get(text);
    if (!inbound || inbound.answered) {
      t.doubles++;
      return;
    }
    inbound.answered = true;
    t.answered++;
    const w = t.wait;
    if (w && inbound.atMs >= w.sinceMs && w.victims.has(m.account_id) && !w.first.has(m.account_id)) {
      w.first.set(m.account_id, at);
      if (w.first.size === w.victims.size) w.done();
    }
  }
});

function startTraffic(req: TrafficRequest): void {
  if (traffic?.timer) clearInterval(traffic.timer);
  const t: NonNullable<typeof traffic> = {
    tag: req.tag,
    inAt: new Map(),
    sent: 0,
    answered: 0,
    doubles: 0,
    duplicates: 0,
    probes: 0,
  };
  traffic = t;
  if (req.intervalMs <= 0 || req.accountIds.length === 0) return;
  // Message k is due at k × (interval / accounts) ms from the start, round robin over the accounts.
  const stepMs = req.intervalMs / req.accountIds.length;
  const start = now();
  let k = 0;
  t.timer = setInterval(() => {
    const due = Math.floor((now() - start) / stepMs) + 1;
    for (; k < due; k++) {
      const a = k % req.accountIds.length;
      inject(
        req.accountIds[a] as string,
        "steady@im.wechat",
        `${req.tag} ${a} #${Math.floor(k / req.accountIds.length)}`,
      );
      t.sent++;
    }
  }, 5);
}

async function after(req: AfterRequest): Promise<AfterAnswer> {
  const t = traffic;
  if (!t) throw new Error("after: no traffic running (send traffic first)");
  const victims = new Set(req.accountIds);
  const first = new Map<string, number>();
  const finished = new Promise<void>((resolve) => {
    t.wait = { sinceMs: req.sinceMs, victims, first, done: resolve };
  });
  const p = t.probes++;
  req.accountIds.forEach((accountId, i) => {
    inject(accountId, "probe@im.wechat", `${t.tag} probe${p} ${i}`);
    t.sent++;
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise((r) => (timer = setTimeout(r, req.timeoutMs)))]);
  clearTimeout(timer);
  t.wait = undefined;
  const times = [...first.values()];
  return {
    id: req.id,
    accounts: victims.size,
    answered: first.size,
    firstAtMs: times.length ? Math.min(...times) : null,
    allAtMs: times.length === victims.size ? Math.max(...times) : null,
  };
}

/**
 * Stops the traffic and waits until every message of it is answered, or `timeoutMs`, or 15 s
 * without a new answer (what is left by then is stuck).
 */
async function stopTraffic(id: number, timeoutMs: number): Promise<TrafficAnswer> {
  const t = traffic;
  if (!t) throw new Error("traffic-stop: no traffic running");
  clearInterval(t.timer);
  const deadline = now() + timeoutMs;
  let seen = t.answered;
  let progressAt = now();
  while (t.answered < t.sent && now() < deadline && now() - progressAt < 15_000) {
    await new Promise((r) => setTimeout(r, 50));
    if (t.answered !== seen) {
      seen = t.answered;
      progressAt = now();
    }
  }
  // A short grace period catches doubles that arrive right after the last reply.
  await new Promise((r) => setTimeout(r, 500));
  traffic = undefined;
  const missing = [...t.inAt]
    .filter(([, m]) => !m.answered)
    .slice(0, 20)
    .map(([text, m]) => ({ text, account: m.account, atMs: Math.round(m.atMs) }));
  return { id, sent: t.sent, answered: t.answered, doubles: t.doubles, duplicates: t.duplicates, missing };
}

async function newAccount(name: string): Promise<unknown> {
  const res = await sim.app.request("/sim/accounts", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  return res.json();
}

process.on("message", (raw) => {
  const req = raw as Request;
  void (async () => {
    try {
      if (req.cmd === "account") {
        process.send?.({ id: req.id, account: await newAccount(`bench-${req.id}`) });
      } else if (req.cmd === "accounts") {
        const accounts: unknown[] = [];
        for (let i = 0; i < req.count; i++) accounts.push(await newAccount(`bench-${req.id}-${i}`));
        process.send?.({ id: req.id, accounts });
      } else if (req.cmd === "polls") {
        // Accounts (of `accountIds`, or all) with a long-poll held open right now.
        let open = 0;
        if (req.accountIds) {
          for (const id of req.accountIds) if ((sim.state.accounts.get(id)?.waiters.size ?? 0) > 0) open++;
        } else {
          for (const a of sim.state.accounts.values()) if (a.waiters.size > 0) open++;
        }
        process.send?.({ id: req.id, open });
      } else if (req.cmd === "traffic") {
        startTraffic(req);
        process.send?.({ id: req.id, started: true });
      } else if (req.cmd === "after") {
        process.send?.(await after(req));
      } else if (req.cmd === "answered") {
        // Which of these texts the simulator has received as a reply by now (any time, any run).
        // And which are still waiting in their bot's queue, never acknowledged by a poll's cursor.
        const want = new Set(req.texts);
        const seen = new Set<string>();
        const queued = new Set<string>();
        for (const m of sim.state.messages) {
          const item = m.items[0];
          const text = item && "text" in item ? item.text : undefined;
          if (typeof text !== "string" || !want.has(text)) continue;
          if (m.direction === "outbound") seen.add(text);
          else if (sim.state.accounts.get(m.account_id)?.queue.some((d) => d.message_id === m.message_id))
            queued.add(text);
        }
        process.send?.({ id: req.id, answered: [...seen], queued: [...queued] });
      } else if (req.cmd === "traffic-stop") {
        process.send?.(await stopTraffic(req.id, req.timeoutMs));
      } else if (req.cmd === "run") {
        process.send?.(await run(req));
      } else {
        await running.close();
        process.send?.({ id: req.id, closed: true }, () => process.exit(0));
      }
    } catch (err) {
      process.send?.({ id: req.id, error: err instanceof Error ? err.message : String(err) });
    }
  })();
});

process.send?.({ id: 0, ready: true, url: running.url });
