/**
 * The outputs of `npm run bench:stall`: a table on stdout, bench/results/stall.json and the
 * "Stalls" section of BENCHMARKS.md (`stallSection`, which bench/report.ts also includes when it
 * rewrites the file, so `npm run bench` keeps it).
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Machine } from "./report.js";

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, "results");
export const STALL_JSON = join(resultsDir, "stall.json");
const STALL_HEADING = "## Stalls";
/** Bob's reply under attack may take at most this many times his baseline (issue 14). */
export const TARGET_RATIO = 2;

export interface CaseFigures {
  name: string;
  label: string;
  profile: string;
  rounds: number;
  /** Bob's probes per measurement, `everyMs` apart. */
  probes: number;
  everyMs: number;
  /** Medians over the rounds of the slowest probe of a measurement, ms. */
  baselineMs: number;
  attackMs: number;
  /** Median of the per-round ratios attack ÷ baseline. */
  ratio: number;
  ratioOfMedians: number;
  /** Median of the per-round differences attack − baseline, ms. */
  addedMs: number;
  /** The gateway's longest event-loop delay in a measurement (monitorEventLoopDelay), medians, ms. */
  baseLoopBlockMs: number;
  attackLoopBlockMs: number;
  /** Median length of Mallory's turn, from her message to the last text she was sent, ms. */
  malloryTurnMs: number;
  /** Gateway RSS at the start of an attack measurement (median) and its peak (max over rounds), MB. */
  rssBeforeMb: number;
  rssPeakMb: number;
  timeouts: number;
  rss?: boolean;
}

export interface StallBench {
  bench: "stall";
  machine: Machine;
  command: string;
  roundsMax: number;
  caseBudgetSec: number;
  seconds: number;
  loadAvg1m: { start: number; end: number };
  busyPct: number | null;
  stealPct: number | null;
  cases: CaseFigures[];
}

const verdict = (c: CaseFigures) => (c.ratio <= TARGET_RATIO ? "yes" : "**no**");

export function stallTable(b: StallBench): string {
  const rows = [
    [
      "case",
      "rounds",
      "probes",
      "Bob base ms",
      "Bob attack ms",
      "added ms",
      "ratio",
      "loop block ms",
      "Mallory ms",
      "RSS MB",
      "≤2×",
    ],
    ...b.cases.map((c) => [
      c.name,
      String(c.rounds),
      `${c.probes}×${c.everyMs}`,
      String(c.baselineMs),
      String(c.attackMs),
      String(c.addedMs),
      `×${c.ratio}`,
      `${c.baseLoopBlockMs}→${c.attackLoopBlockMs}`,
      String(c.malloryTurnMs),
      `${c.rssBeforeMb}→${c.rssPeakMb}`,
      `${c.ratio <= TARGET_RATIO ? "yes" : "NO"}${c.timeouts ? ` (${c.timeouts} timeouts)` : ""}`,
    ]),
  ];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i] ?? 0) : x.padStart(widths[i] ?? 0))).join("  "))
    .join("\n");
}

export function stallSection(b: StallBench): string {
  const rows = b.cases
    .map(
      (c) =>
        `| ${c.label} | ${c.rounds} | ${c.baselineMs} | ${c.attackMs} | +${c.addedMs} | ×${c.ratio} (×${c.ratioOfMedians}) | ${verdict(c)} | ${c.baseLoopBlockMs} → ${c.attackLoopBlockMs} | ${c.malloryTurnMs} | ${c.rssBeforeMb} → ${c.rssPeakMb} |`,
    )
    .join("\n");
  const rss = b.cases
    .filter((c) => c.rss)
    .map((c) => `- ${c.label}: ${c.rssBeforeMb} MB before → ${c.rssPeakMb} MB at the peak`)
    .join("\n");
  const worstCase = [...b.cases].sort((x, y) => y.ratio - x.ratio)[0];
  return `
${STALL_HEADING} (\`npm run bench:stall\`)

Can one read-only contact slow everyone else down (issue 14)? The gateway runs in its own process
as \`wxagent start\` wires it (built-in agent, media, transcription where the case says so; delivery
spacing 0), polling the simulator (realism off) over loopback HTTP; the simulator and the contacts
run in a second process, the scripted model (an OpenAI-compatible endpoint whose big answers are
built once, before the run) in a third. Mallory sends a case's input; Bob's probes, each from its
own contact, start right after her message and go on at the interval shown until her turn's
length is covered; a measurement's figure is Bob's slowest probe. Each round measures Bob once
alone and once under attack, in alternating order; the figures are medians over the rounds
(ratio: median of the per-round ratios, in brackets the ratio of the medians; added: median of
the per-round differences). The longest event-loop block is the gateway's own
(monitorEventLoopDelay, its maximum within a measurement), alone → under attack: a block there is
time every other contact waits, whatever the machine's load. RSS is the
gateway process's (tsx loader included): at the start of an attack and its peak (VmHWM, reset
each time, and VmRSS sampled every 20 ms).

| Mallory sends | rounds | Bob alone, ms | Bob under attack, ms | added, ms | ratio | ≤ 2× | longest event-loop block, ms | Mallory's turn, ms | gateway RSS, MB |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows}

Peak RSS of the gateway process during a voice note:

${rss || "- not measured in this run"}

Worst ratio: ×${worstCase?.ratio ?? "-"} (${worstCase?.name ?? "-"}).

Command: \`${b.command}\` (${b.seconds} s; at most ${b.roundsMax} rounds a case, fewer once a case has run
${b.caseBudgetSec} s). Measured ${b.machine.at} on ${b.machine.nproc} × ${b.machine.cpuModel}, Node
${b.machine.node}; load average ${b.loadAvg1m.start} at the start, ${b.loadAvg1m.end} at the end; the cores were
${b.busyPct ?? "-"} % busy, ${b.stealPct ?? "-"} % stolen by the hypervisor. On a loaded machine the baselines
themselves move by tens of milliseconds: read the ratios, which pair each attack with a baseline of
the same moment.
`;
}

/** The stall section of BENCHMARKS.md from bench/results/stall.json, or "" when there is none. */
export function savedStallSection(): string {
  if (!existsSync(STALL_JSON)) return "";
  return stallSection(JSON.parse(readFileSync(STALL_JSON, "utf8")) as StallBench);
}

/**
 * Print the table; a run of every case writes bench/results/stall.json and puts the section into
 * BENCHMARKS.md, a run of some (`partial`, BENCH_CASES) writes bench/results/stall-partial.json only.
 */
export async function writeStallReport(b: StallBench, partial = false): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  if (partial) {
    await writeFile(join(resultsDir, "stall-partial.json"), `${JSON.stringify(b, null, 2)}\n`);
    process.stdout.write(`\n${stallTable(b)}\n\n`);
    process.stdout.write(
      `load average ${b.loadAvg1m.start} → ${b.loadAvg1m.end}, cores ${b.busyPct ?? "-"} % busy, steal ${b.stealPct ?? "-"} %, ${b.seconds} s\n`,
    );
    process.stdout.write(
      "some cases only (BENCH_CASES): wrote bench/results/stall-partial.json, BENCHMARKS.md left as it is\n",
    );
    return;
  }
  await writeFile(STALL_JSON, `${JSON.stringify(b, null, 2)}\n`);
  const mdPath = join(here, "..", "BENCHMARKS.md");
  const md = existsSync(mdPath) ? readFileSync(mdPath, "utf8") : "# Benchmarks\n";
  const start = md.indexOf(`\n${STALL_HEADING}`);
  const next = start < 0 ? -1 : md.indexOf("\n## ", start + 1);
  const section = stallSection(b);
  const updated =
    start < 0
      ? `${md.trimEnd()}\n${section}`
      : `${md.slice(0, start)}${section}${next < 0 ? "" : md.slice(next)}`;
  await writeFile(mdPath, updated);
  process.stdout.write(`\n${stallTable(b)}\n\n`);
  process.stdout.write(
    `load average ${b.loadAvg1m.start} → ${b.loadAvg1m.end}, cores ${b.busyPct ?? "-"} % busy, steal ${b.stealPct ?? "-"} %, ${b.seconds} s\n`,
  );
  process.stdout.write("wrote bench/results/stall.json and the Stalls section of BENCHMARKS.md\n");
}
