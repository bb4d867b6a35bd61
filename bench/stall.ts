/**
 * Stall benchmark (`npm run bench:stall`, issue 14): how much a read-only contact's worst input
 * slows another contact's reply, and the gateway's peak RSS meanwhile.
 *
 * Four processes: the gateway (bench/stall-gateway.ts, as `wxagent start` wires it, so its RSS is
 * its own), the simulator with the contacts (bench/stall-sim.ts), the scripted model with its big
 * answers pre-built (bench/stall-model.ts), and this one (the fake transcriber, the RSS sampler).
 *
 * Per case, paired rounds: Bob's reply time once with nothing else going on (baseline) and once
 * right after Mallory's message of the case (attack), the order alternating. A measurement sends
 * Bob's probes, each from its own contact, from the moment Mallory's message is in until her
 * turn's measured length (a warm-up attack) is covered; its figure is the slowest probe. The
 * case's figures are the medians of the baselines, of the attacks and of the per-round ratios.
 *
 * Env: BENCH_CASES (comma-separated names, default all), BENCH_ROUNDS (default 25),
 * BENCH_CASE_SECONDS (a case stops after its round that passes this, default 18; at least 7 rounds),
 * BENCH_GATEWAY_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_GATEWAY_LOG (its log
 * level, default error), BENCH_DEBUG (print what a timed-out measurement saw).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { type FakeTranscriber, type StallAccount, startFakeTranscriber } from "../test/security/stall-kit.js";
import { busyPercent, machineInfo, stealPercent, stealSample } from "./report.js";
import { type Profile, profileConfig, STALL_CASES, type StallCase } from "./stall-cases.js";
import { type CaseFigures, type StallBench, writeStallReport } from "./stall-report.js";
import { RssWatch } from "./stall-rss.js";
import type { MeasureAnswer, MeasureRequest } from "./stall-sim.js";

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const CASE_BUDGET_MS = Number(process.env.BENCH_CASE_SECONDS ?? 18) * 1000;
const MIN_ROUNDS = Math.min(7, ROUNDS);
const MAX_PROBES = 10;
const PROBE_EVERY_MS = 50;
const wanted = process.env.BENCH_CASES?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const cases = STALL_CASES.filter((c) => !wanted || wanted.includes(c.name));
if (wanted) {
  const unknown = wanted.filter((w) => !STALL_CASES.some((c) => c.name === w));
  if (unknown.length)
    throw new Error(
      `unknown BENCH_CASES: ${unknown.join(", ")} (known: ${STALL_CASES.map((c) => c.name).join(", ")})`,
    );
}

// ---- children ----------------------------------------------------------------------------------

class Child {
  readonly proc: ChildProcess;
  readonly #waiting = new Map<number, (a: Record<string, unknown>) => void>();
  #next = 1;
  readonly ready: Promise<Record<string, unknown>>;

  constructor(file: string, env: Record<string, string> = {}, nodeArgs: string[] = []) {
    this.proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", join(here, file)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, WXAGENT_LOG_LEVEL: "error", ...env },
    });
    this.ready = new Promise((resolve, reject) => {
      this.#waiting.set(0, resolve);
      this.proc.once("exit", (code) => reject(new Error(`${file} exited (${code})`)));
    });
    this.proc.on("message", (raw) => {
      const a = raw as Record<string, unknown>;
      const id = typeof a.id === "number" ? a.id : 0;
      const done = this.#waiting.get(id);
      this.#waiting.delete(id);
      done?.(a);
    });
  }

  call(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, (a) => (a.error ? reject(new Error(String(a.error))) : resolve(a)));
      this.proc.send({ ...cmd, id });
    });
  }

  /** Ask it to close (answered by `{closed}`), killed if it does not within 5 s. */
  async close(): Promise<void> {
    const exited = new Promise<void>((r) => {
      if (this.proc.exitCode !== null) r();
      else this.proc.once("exit", () => r());
    });
    this.#waiting.set(0, () => {});
    this.proc.send({ cmd: "close", id: this.#next++ });
    const t = setTimeout(() => this.proc.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(t);
  }
}

// ---- figures -----------------------------------------------------------------------------------

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
/** The slowest probe (an unanswered one counts as the measurement's timeout). */
const worst = (a: MeasureAnswer, timeoutMs: number) =>
  Math.max(...a.probeMs.map((x) => (Number.isNaN(x) ? timeoutMs : x)));

// ---- the run -----------------------------------------------------------------------------------

const MEASURE_TIMEOUT_MS = 30_000;

async function runCase(c: StallCase, sim: Child, accountId: string, gateway: Child): Promise<CaseFigures> {
  const rss = new RssWatch(gateway.proc.pid as number);
  /** The gateway's longest event-loop delay since the last call, ms. */
  const lag = async () => (await gateway.call({ cmd: "lag" })).maxMs as number;
  let n = 0;
  const measure = (o: Partial<MeasureRequest> & { probes: number; everyMs: number }) =>
    sim.call({
      cmd: "measure",
      accountId,
      tag: `${c.name}-${n++}`,
      done: c.done,
      timeoutMs: MEASURE_TIMEOUT_MS,
      ...o,
    }) as Promise<unknown> as Promise<MeasureAnswer>;
  // Warm-up: one attack, which also says how long Mallory's turn lasts, so the probes cover it.
  const warm = await measure({ mallory: c.name, probes: 1, everyMs: PROBE_EVERY_MS });
  if (warm.timedOut) {
    throw new Error(
      `case ${c.name}: Mallory's turn did not end with ${JSON.stringify(c.done)}; she was sent ${JSON.stringify(warm.malloryTexts)}`,
    );
  }
  const turnMs = warm.malloryMs ?? 0;
  const probes = Math.max(1, Math.min(MAX_PROBES, Math.ceil(turnMs / PROBE_EVERY_MS) + 1));
  const everyMs = probes === MAX_PROBES ? Math.ceil(turnMs / (MAX_PROBES - 1)) : PROBE_EVERY_MS;
  const base: number[] = [];
  const attack: number[] = [];
  const ratios: number[] = [];
  const added: number[] = [];
  const baseLag: number[] = [];
  const attackLag: number[] = [];
  const malloryMs: number[] = [];
  const rssBefore: number[] = [];
  const rssPeak: number[] = [];
  let timeouts = 0;
  const timedOut = (m: MeasureAnswer) => {
    timeouts++;
    if (process.env.BENCH_DEBUG)
      process.stderr.write(
        `  ${c.name}: timed out: probes ${JSON.stringify(m.probeMs)}, Mallory was sent ${JSON.stringify(m.malloryTexts)}\n`,
      );
  };
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    if (round >= MIN_ROUNDS && performance.now() - started > CASE_BUDGET_MS) break;
    let b = Number.NaN;
    let a = Number.NaN;
    for (const kind of round % 2 === 0 ? ["attack", "base"] : ["base", "attack"]) {
      if (kind === "base") {
        await lag();
        const m = await measure({ probes, everyMs });
        baseLag.push(await lag());
        if (m.timedOut) timedOut(m);
        b = worst(m, MEASURE_TIMEOUT_MS);
      } else {
        await lag();
        const before = rss.start();
        const m = await measure({ mallory: c.name, probes, everyMs });
        const peak = rss.stop();
        attackLag.push(await lag());
        if (m.timedOut) timedOut(m);
        a = worst(m, MEASURE_TIMEOUT_MS);
        if (m.malloryMs !== undefined) malloryMs.push(m.malloryMs);
        rssBefore.push(before);
        rssPeak.push(peak);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    base.push(b);
    attack.push(a);
    ratios.push(a / b);
    added.push(a - b);
  }
  return {
    name: c.name,
    label: c.label,
    profile: c.profile,
    rounds: base.length,
    probes,
    everyMs,
    baselineMs: r1(median(base)),
    attackMs: r1(median(attack)),
    ratio: r2(median(ratios)),
    ratioOfMedians: r2(median(attack) / median(base)),
    addedMs: r1(median(added)),
    baseLoopBlockMs: r1(median(baseLag)),
    attackLoopBlockMs: r1(median(attackLag)),
    malloryTurnMs: r1(median(malloryMs)),
    rssBeforeMb: r1(median(rssBefore)),
    rssPeakMb: r1(Math.max(...rssPeak)),
    timeouts,
    ...(c.rss ? { rss: true } : {}),
  };
}

async function runProfile(
  profile: Profile,
  list: StallCase[],
  ctx: { sim: Child; account: StallAccount; modelBaseUrl: string; stt: FakeTranscriber },
): Promise<CaseFigures[]> {
  const home = mkdtempSync(join(tmpdir(), "wxagent-bench-stall-"));
  const gw = new Child(
    "stall-gateway.ts",
    {
      WXAGENT_LOG_LEVEL: process.env.BENCH_GATEWAY_LOG ?? "error",
      STALL_GATEWAY: JSON.stringify({
        home,
        account: ctx.account,
        modelBaseUrl: ctx.modelBaseUrl,
        ...(profile === "transcription" ? { transcriptionBaseUrl: ctx.stt.baseUrl } : {}),
        config: profileConfig(profile),
      }),
    },
    process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean) ?? [],
  );
  try {
    await gw.ready;
    // Every probe contact says hello once, so no measurement pays for a first contact.
    await ctx.sim.call({
      cmd: "measure",
      accountId: ctx.account.id,
      tag: `hello-${profile}`,
      done: [],
      probes: MAX_PROBES,
      everyMs: 5,
      timeoutMs: MEASURE_TIMEOUT_MS,
    });
    const out: CaseFigures[] = [];
    for (const c of list) {
      const t0 = performance.now();
      const f = await runCase(c, ctx.sim, ctx.account.id, gw);
      out.push(f);
      process.stderr.write(
        `  ${c.name}: ×${f.ratio} (${f.baselineMs} → ${f.attackMs} ms, ${f.rounds} rounds, ${Math.round((performance.now() - t0) / 1000)} s)\n`,
      );
    }
    return out;
  } finally {
    await gw.close();
    rmSync(home, { recursive: true, force: true });
  }
}

const t0 = performance.now();
const steal0 = stealSample();
const load0 = loadavg()[0] ?? 0;
const model = new Child("stall-model.ts");
const sim = new Child("stall-sim.ts");
const stt = await startFakeTranscriber();
try {
  const modelBaseUrl = (await model.ready).baseUrl as string;
  await sim.ready;
  const acc = (await sim.call({ cmd: "account" })).account as Record<string, string>;
  const account: StallAccount = {
    id: acc.account_id as string,
    baseUrl: acc.base_url as string,
    cdnBaseUrl: acc.cdn_base_url as string,
    token: acc.token as string,
    ownerUserId: acc.owner_user_id as string,
  };
  await sim.call({ cmd: "prepare", cases: cases.map((c) => c.name) });
  const figures: CaseFigures[] = [];
  const profiles = [...new Set(cases.map((c) => c.profile))];
  for (const p of profiles) {
    process.stderr.write(`gateway profile ${p}:\n`);
    figures.push(
      ...(await runProfile(
        p,
        cases.filter((c) => c.profile === p),
        { sim, account, modelBaseUrl, stt },
      )),
    );
  }
  const order = new Map(cases.map((c, i) => [c.name, i]));
  figures.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  const bench: StallBench = {
    bench: "stall",
    machine: await machineInfo(),
    command: `${wanted ? `BENCH_CASES=${wanted.join(",")} ` : ""}${process.env.BENCH_ROUNDS ? `BENCH_ROUNDS=${ROUNDS} ` : ""}npm run bench:stall`,
    roundsMax: ROUNDS,
    caseBudgetSec: CASE_BUDGET_MS / 1000,
    seconds: Math.round((performance.now() - t0) / 1000),
    loadAvg1m: { start: r2(load0), end: r2(loadavg()[0] ?? 0) },
    busyPct: busyPercent(steal0) ?? null,
    stealPct: stealPercent(steal0) ?? null,
    cases: figures,
  };
  await writeStallReport(bench, wanted !== undefined);
} finally {
  await sim.close().catch(() => {});
  model.proc.kill();
  await stt.close();
}
