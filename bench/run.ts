/**
 * The gateway benchmark (`npm run bench`, about 4 minutes on 2 cores). Runs BENCH_ROUNDS (default
 * 3) rounds, each in fresh processes so that every round has its own cold start:
 *  - bench/round.ts: the gateway as `wxagent start` builds it; the burst right after start
 *    (cold), the warm bursts, the steady latency curve, the slow agent, the one-at-a-time loop and
 *    the idle RSS of a real `wxagent start`;
 *  - bench/wal.ts: write volume and SQL statements per message (checkpoints off).
 * Then the many-accounts benchmark (bench/accounts.ts, its own three rounds; BENCH_ACCOUNTS=0
 * skips it and reuses its latest results) and the cluster benchmark (bench/cluster.ts, several
 * nodes on PostgreSQL, about 4 minutes more; BENCH_CLUSTER=0 skips it and keeps its section). Every target figure is the median of the rounds, with
 * each round's value beside it; the other figures come from the median round (by warm burst).
 * Writes bench/results/bench.json (every round), latency.svg and BENCHMARKS.md.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { machineInfo, writeReports } from "./report.js";
import type { AccountsBench } from "./report-accounts.js";
import { gatewayTargets, middleBy, type Round, type WalRound } from "./targets.js";

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Runs a bench script as its own process (under the same tsx loader), with `env` added. */
function runScript(script: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, join(here, script), ...args], {
      env: { ...process.env, ...env },
      // Their tables go to stderr: stdout is the summary below.
      stdio: ["ignore", 2, 2],
    });
    p.once("error", reject);
    p.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`bench/${script} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

const tmp = mkdtempSync(join(tmpdir(), "wxagent-bench-rounds-"));
const rounds: Round[] = [];
const wals: WalRound[] = [];
try {
  for (let n = 1; n <= ROUNDS; n++) {
    log(`\n== round ${n} of ${ROUNDS}: the gateway …`);
    const out = join(tmp, `round-${n}.json`);
    await runScript("round.ts", [], { BENCH_OUT: out });
    rounds.push(JSON.parse(readFileSync(out, "utf8")) as Round);
    log(`== round ${n} of ${ROUNDS}: write volume (bench/wal.ts) …`);
    const walOut = join(tmp, `wal-${n}.json`);
    await runScript("wal.ts", [], { BENCH_OUT: walOut });
    wals.push(JSON.parse(readFileSync(walOut, "utf8")) as WalRound);
  }
  if (process.env.BENCH_ACCOUNTS !== "0") {
    log("\n== many accounts (bench/accounts.ts) …");
    await runScript("accounts.ts", [], {});
  }
  if (process.env.BENCH_CLUSTER !== "0") {
    log("\n== more than one machine (bench/cluster.ts) …");
    await runScript("cluster.ts", [], {});
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const accountsPath = join(here, "results", "accounts.json");
const accounts = existsSync(accountsPath)
  ? (JSON.parse(readFileSync(accountsPath, "utf8")) as AccountsBench)
  : undefined;
// The other figures come from one whole round: the median one by warm burst, with its WAL round.
const middle = middleBy(
  rounds.map((round, i) => ({ round, wal: wals[i] as WalRound })),
  (r) => r.round.burst.repliesPerSec as number,
);
const targets = gatewayTargets(rounds, wals, accounts);
await writeReports({
  ...middle.round,
  machine: await machineInfo(),
  wal: middle.wal,
  targets,
  rounds: rounds.length,
  everyMessageOnce: rounds.every((r) => r.everyMessageOnce === true),
  stealPctByRound: rounds.map((r) => r.cpu?.stealPct ?? null),
  allRounds: rounds,
  allWalRounds: wals,
});
process.exit(0);
