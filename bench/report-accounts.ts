/**
 * The many-accounts benchmark's outputs (bench/accounts.ts): bench/results/accounts.json and its
 * section of BENCHMARKS.md (which `npm run bench` keeps when it regenerates the file).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Machine } from "./report.js";
import { replaceSection } from "./sections.js";
import { middleBy } from "./targets.js";

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");

export interface AccountsBench {
  bench: "accounts";
  machine: Machine;
  from: "dist" | "tsx";
  accounts: number;
  /** `--max-turns` given to the daemon; null: its default. */
  maxTurns?: number | null;
  /** Spawn to the banner, and to every account's long-poll open at the simulator. */
  bannerMs: number;
  pollsOpenMs: number;
  idleRssMb: number | null;
  peakRssMb: number | null;
  stealPct: number | null;
  /** The machine's 1-minute load average after the rounds (its other users included). */
  loadAvg1m?: number;
  rounds: {
    answered: number;
    unexpected: number;
    /** First message accepted by the simulator → last reply received. */
    allAnsweredSec: number;
    p50Ms: number;
    p99Ms: number;
    simCpuMs: number;
    /** The daemon's CPU (all threads) during the round, including the 100 ms grace after it. */
    gatewayCpuMs: number | null;
  }[];
  targets: { allAnsweredSec: number; rssMb: number; ok: boolean };
}

const HEADING = "## Many accounts";

export function accountsSection(a: AccountsBench): string {
  const median = middleBy(a.rounds, (r) => r.allAnsweredSec);
  const yes = (ok: boolean) => (ok ? "yes" : "**no**");
  const all = a.rounds.every((r) => r.answered === a.accounts && r.unexpected === 0);
  const rows = a.rounds
    .map(
      (r, i) =>
        `| ${i + 1}${i === 0 ? " (first after start)" : ""} | ${r.answered}/${a.accounts} | ${r.allAnsweredSec} s | ${r.p50Ms} / ${r.p99Ms} ms | ${r.unexpected} | ${r.gatewayCpuMs ?? "-"} / ${r.simCpuMs} ms |`,
    )
    .join("\n");
  return `
${HEADING} (\`npm run bench:accounts\`, about a minute)

The real daemon, \`wxagent start --agent echo --no-sim${a.maxTurns ? ` --max-turns ${a.maxTurns}` : ""}\` from ${a.from}, as its own process, in a home
whose store holds ${a.accounts} simulator accounts: one long-poll each, all in one process. The
simulator (realism off) runs in a child process and sends one message to every account at once,
from its owner each; *all answered* is the time from the first message it accepts to the last reply
it receives. Three rounds on one daemon, the first right after start; the target is read on the
median round.

| figure | value | target | met |
| --- | --- | --- | --- |
| ${a.accounts} accounts × 1 message, echo 0 ms: all answered after (median of ${a.rounds.length} rounds) | ${median?.allAnsweredSec ?? "-"} s (rounds: ${a.rounds.map((r) => r.allAnsweredSec).join(", ")}) | ≤ ${a.targets.allAnsweredSec} s | ${yes((median?.allAnsweredSec ?? Number.POSITIVE_INFINITY) <= a.targets.allAnsweredSec)} |
| RSS idle, every long-poll open / peak during the rounds | ${a.idleRssMb ?? "-"} / ${a.peakRssMb ?? "-"} MB | < ${a.targets.rssMb} MB | ${yes(a.peakRssMb !== null && a.peakRssMb < a.targets.rssMb)} |
| every message answered exactly once in every round | ${all} | | ${yes(all)} |
| start: banner / all ${a.accounts} long-polls open | ${a.bannerMs} / ${a.pollsOpenMs} ms | | |

| round | answered | all answered | latency p50 / p99 | unexpected replies | CPU: daemon / simulator |
| --- | --- | --- | --- | --- | --- |
${rows}

The turn bound (\`maxTurns\`, 16 by default) counts agent turns only: a turn hands its slot
back once the agent has answered, and its reply goes out without one. Before that change a turn
held its slot until its reply was sent, so 1,000 one-message turns went 16 at a time, each a send
round trip long: on the same quiet machine minutes apart, the old code gave 2.72 / 1.6 / 1.37 s,
the new 3.02 / 1.28 / 1.19 and 2.27 / 1.29 / 0.99 s; on a loaded machine (load average 7.7) the old
code gave 6.2 / 6.12 / 1.86 s. Round 1 costs more CPU than the others: the sends open new connections
beside the 1,000 held by the long-polls (HTTP/1.1, one request per connection).

Both processes share the machine's cores (and this VM shares its host): when the machine is busy
the times grow, the CPU figures much less; read the two together.

Measured ${a.machine.at} on ${a.machine.nproc} × ${a.machine.cpuModel}, Node ${a.machine.node}; load average ${a.loadAvg1m ?? "-"} after
the rounds, ${a.stealPct ?? "-"} % of the CPU stolen by the hypervisor during them.
`;
}

export async function writeAccountsReport(a: AccountsBench): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, "accounts.json"), `${JSON.stringify(a, null, 2)}\n`);
  await replaceSection(HEADING, accountsSection(a));
  process.stdout.write(
    `${a.accounts} accounts: rounds ${a.rounds.map((r) => `${r.allAnsweredSec} s (${r.answered} answered)`).join(", ")}; RSS idle ${a.idleRssMb} MB, peak ${a.peakRssMb} MB; start ${a.bannerMs} ms, polls open ${a.pollsOpenMs} ms\nwrote bench/results/accounts.json and the accounts section of BENCHMARKS.md\n`,
  );
}
