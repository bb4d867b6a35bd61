/**
 * The simulator of `npm run bench:stall`, in its own process (realism off, loopback HTTP), with
 * the contacts' side of a measurement: Mallory's message of a case (built once per case), then
 * Bob's probes (each from its own contact, `bob-0`, `bob-1`, …, so no probe waits behind another
 * one's turn), every reply timestamped with the clock that timestamped the message.
 *
 * Protocol (IPC): parent → `{id, cmd, ...}`; child → `{id, ...}`. Sends `{id: 0, ready}` first.
 */
import { performance } from "node:perf_hooks";
import { type InboundInput, sendInbound } from "../src/simulator/inbound.js";
import { startSimulator } from "../src/simulator/index.js";
import { ensureUser } from "../src/simulator/state.js";
import { malloryMessage } from "./stall-cases.js";

export const MALLORY = "mallory@im.wechat";
const bob = (k: number) => `bob-${k}@im.wechat`;

export interface MeasureRequest {
  cmd: "measure";
  accountId: string;
  /** Distinguishes measurements: probe k says `${tag} p${k}`. */
  tag: string;
  /** The case whose message Mallory sends first; none for a baseline. */
  mallory?: string;
  /** Mallory's turn is over when she has been sent every one of these. */
  done: string[];
  probes: number;
  everyMs: number;
  timeoutMs: number;
}

export interface MeasureAnswer {
  /** Per probe: reply time − the time the simulator took the message, ms (NaN: unanswered). */
  probeMs: number[];
  /** From Mallory's message to the last of her `done` texts, ms (undefined for a baseline). */
  malloryMs?: number;
  timedOut: boolean;
  /** Texts Mallory was sent (the first 120 characters of each), to check a case does what it says. */
  malloryTexts: string[];
}

const running = await startSimulator({ port: 0, realism: false, seed: 14, longPollTimeoutMs: 35_000 });
const sim = running.simulator;
const now = () => performance.now();
const messages = new Map<string, Record<string, unknown>>();

let listen: ((to: string, text: string, at: number) => void) | undefined;
sim.state.listeners.add((event) => {
  if (event.type !== "message.outbound" || !listen) return;
  const d = event.data as { to?: string; items?: { text?: string }[] };
  const at = now();
  for (const item of d.items ?? []) if (typeof item.text === "string") listen(d.to ?? "", item.text, at);
});

function inject(accountId: string, input: Omit<InboundInput, "account_id">): void {
  const account = sim.state.accounts.get(accountId);
  if (!account) throw new Error(`inject failed: unknown account ${accountId}`);
  ensureUser(sim.state, input.from);
  sendInbound(sim.state, account, { account_id: accountId, ...input });
}

async function measure(req: MeasureRequest): Promise<MeasureAnswer> {
  const sentAt: number[] = [];
  const probeMs: number[] = Array.from({ length: req.probes }, () => Number.NaN);
  const pending = new Set(req.done);
  const malloryTexts: string[] = [];
  let malloryMs: number | undefined;
  let start = 0;
  let resolve: () => void = () => {};
  const finished = new Promise<void>((r) => {
    resolve = r;
  });
  const check = () => {
    const probesDone = sentAt.length === req.probes && probeMs.every((x) => !Number.isNaN(x));
    if (probesDone && (req.mallory === undefined || pending.size === 0)) resolve();
  };
  listen = (to, text, at) => {
    if (to === MALLORY && req.mallory !== undefined) {
      malloryTexts.push(text.slice(0, 120));
      for (const d of pending) if (text.includes(d)) pending.delete(d);
      if (pending.size === 0 && malloryMs === undefined) malloryMs = at - start;
    }
    const m = /^re: (\S+) p(\d+)$/.exec(text);
    if (m && m[1] === req.tag) {
      const k = Number(m[2]);
      const sent = sentAt[k];
      if (sent !== undefined && Number.isNaN(probeMs[k])) probeMs[k] = at - sent;
    }
    check();
  };
  const msg = req.mallory === undefined ? undefined : messages.get(req.mallory);
  if (req.mallory !== undefined && !msg) throw new Error(`case ${req.mallory} was not prepared`);
  start = now();
  if (msg) inject(req.accountId, { ...msg, from: MALLORY });
  const probe = (k: number) => {
    sentAt[k] = now();
    inject(req.accountId, { from: bob(k), text: `${req.tag} p${k}` });
  };
  probe(0);
  const timers: NodeJS.Timeout[] = [];
  for (let k = 1; k < req.probes; k++) timers.push(setTimeout(() => probe(k), k * req.everyMs));
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    resolve();
  }, req.timeoutMs);
  await finished;
  clearTimeout(deadline);
  for (const t of timers) clearTimeout(t);
  listen = undefined;
  return { probeMs, ...(malloryMs === undefined ? {} : { malloryMs }), timedOut, malloryTexts };
}

type Request =
  | { id: number; cmd: "account" }
  | { id: number; cmd: "prepare"; cases: string[] }
  | ({ id: number } & MeasureRequest)
  | { id: number; cmd: "close" };

process.on("message", (raw) => {
  const req = raw as Request;
  void (async () => {
    try {
      if (req.cmd === "account") {
        const res = await sim.app.request("/sim/accounts", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ name: "stall" }),
        });
        process.send?.({ id: req.id, account: await res.json() });
      } else if (req.cmd === "prepare") {
        for (const name of req.cases) if (!messages.has(name)) messages.set(name, await malloryMessage(name));
        process.send?.({ id: req.id, prepared: req.cases.length });
      } else if (req.cmd === "measure") {
        process.send?.({ id: req.id, ...(await measure(req)) });
      } else {
        await running.close();
        process.send?.({ id: req.id, closed: true }, () => process.exit(0));
      }
    } catch (err) {
      process.send?.({ id: req.id, error: err instanceof Error ? err.message : String(err) });
    }
  })();
});
process.on("disconnect", () => process.exit(0));

process.send?.({ id: 0, ready: true, url: running.url });
