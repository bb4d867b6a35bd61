/**
 * Many accounts in one gateway (`npm run bench:accounts`, about a minute): the real daemon,
 * `wxagent start --agent echo --no-sim`, as its own process in a temporary `$WXAGENT_HOME` whose
 * store holds N simulator accounts (default 1,000), each polled by its own long-poll. The
 * simulator (realism off) runs in a child process (bench/sim-child.ts) and sends one message to
 * every account at once, from its owner; the figure is the time from the first message
 * the simulator accepts to the last reply it receives. Three such rounds on the same daemon: the
 * first right after start (every account's first turn), then two more; the target is read on the
 * median. RSS from /proc: idle (every long-poll open, nothing else happening) and the peak during
 * the rounds (sampled every 25 ms).
 *
 * `--accounts N`, `--max-turns N`; BENCH_PROF=<dir> writes the daemon's CPU profile there (node --cpu-prof).
 * Prints the figures, writes bench/results/accounts.json and its section of BENCHMARKS.md.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { cliArgs } from "./cli-rss.js";
import { cpuMs, rssMb } from "./procfs.js";
import { machineInfo, stealPercent, stealSample } from "./report.js";
import { type AccountsBench, writeAccountsReport } from "./report-accounts.js";
import { SimChild, storedAccount } from "./sim-client.js";
import { middleBy } from "./targets.js";

process.env.WXAGENT_LOG_LEVEL ??= "warn";
const { openStore } = await import("../src/store/sqlite.js");

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const N = Number(flag("--accounts") ?? 1000);
/** `--max-turns N`: passed to `wxagent start` (default: the CLI's own default). */
const maxTurns = flag("--max-turns");
const ROUNDS = 3;
const TARGET_SEC = 2;
const TARGET_RSS_MB = 300;
const log = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const child = new SimChild();
await child.ready;
log(`making ${N} simulator accounts …`);
const accounts = await child.accounts(N);
const home = mkdtempSync(join(tmpdir(), "wxagent-bench-accounts-"));
const store = openStore(join(home, "wxagent.db"));
for (const a of accounts) {
  store.accounts.upsert(storedAccount(a));
}
await store.close();

const { args, from } = cliArgs();
const prof = process.env.BENCH_PROF;
let daemon: ChildProcess | undefined;
try {
  log(`starting \`wxagent start --agent echo --no-sim\` (from ${from}) with ${N} accounts …`);
  const t0 = performance.now();
  daemon = spawn(
    process.execPath,
    [
      ...(prof ? ["--cpu-prof", "--cpu-prof-dir", prof] : []),
      ...args,
      "start",
      "--agent",
      "echo",
      "--no-sim",
      "--admin-port",
      "0",
      ...(maxTurns ? ["--max-turns", maxTurns] : []),
    ],
    { env: { ...process.env, WXAGENT_HOME: home }, stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  daemon.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const pid = daemon.pid;
  await until("the banner", 60_000, () => {
    if (daemon?.exitCode !== null) throw new Error(`the daemon exited (${daemon?.exitCode})`);
    return out.includes("wxagent is running");
  });
  const bannerMs = Math.round(performance.now() - t0);
  await until(`${N} open long-polls`, 60_000, async () => (await child.openPolls()) >= N);
  const pollsOpenMs = Math.round(performance.now() - t0);
  await sleep(3000);
  const idleRssMb = rssMb(pid);

  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid) ?? 0);
  }, 25);
  const ids = accounts.map((a) => a.account_id);
  const rounds: AccountsBench["rounds"] = [];
  const steal = stealSample();
  for (let n = 1; n <= ROUNDS; n++) {
    // Every poll back in place before the next round: the round measures answers, not reconnects.
    await until(`${N} open long-polls`, 30_000, async () => (await child.openPolls()) >= N);
    const cpuBefore = cpuMs(pid);
    const a = await child.spread({ accountIds: ids, tag: `accounts${n}` });
    const cpuAfter = cpuMs(pid);
    const lat = [...a.latenciesMs].sort((x, y) => x - y);
    const at = (p: number) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)] ?? Number.NaN;
    rounds.push({
      answered: a.answered,
      unexpected: a.unexpected,
      allAnsweredSec: Math.round((a.lastOutMs - a.firstInMs) / 10) / 100,
      p50Ms: Math.round(at(0.5)),
      p99Ms: Math.round(at(0.99)),
      simCpuMs: a.simCpuMs,
      gatewayCpuMs: cpuBefore === undefined || cpuAfter === undefined ? null : cpuAfter - cpuBefore,
    });
    log(`round ${n}: ${JSON.stringify(rounds.at(-1))}`);
  }
  clearInterval(sampler);
  const median = middleBy(rounds, (r) => r.allAnsweredSec);
  const result: AccountsBench = {
    bench: "accounts",
    machine: await machineInfo(),
    from,
    accounts: N,
    maxTurns: maxTurns ? Number(maxTurns) : null,
    bannerMs,
    pollsOpenMs,
    idleRssMb: idleRssMb ?? null,
    peakRssMb: peak || null,
    stealPct: stealPercent(steal) ?? null,
    loadAvg1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
    rounds,
    targets: {
      allAnsweredSec: TARGET_SEC,
      rssMb: TARGET_RSS_MB,
      ok:
        rounds.every((r) => r.answered === N && r.unexpected === 0) &&
        (median?.allAnsweredSec ?? Number.POSITIVE_INFINITY) <= TARGET_SEC &&
        peak > 0 &&
        peak < TARGET_RSS_MB,
    },
  };
  await writeAccountsReport(result);
} finally {
  daemon?.kill("SIGTERM");
  if (daemon && daemon.exitCode === null) await new Promise((r) => daemon?.once("exit", r));
  await child.close();
  rmSync(home, { recursive: true, force: true });
}
process.exit(0);
