/**
 * The benchmark's outputs: a table on stdout, bench/results/bench.json, a latency-vs-load chart
 * (bench/results/latency.svg, no dependencies) and BENCHMARKS.md (with the media benchmark's
 * figures when bench/results/media.json exists, and the CLI start-up figures when
 * bench/results/cli.json does, the stall figures when bench/results/stall.json does, and the
 * cluster figures when bench/results/cluster.json does; `npm run bench:cli`, `npm run bench:stall`
 * and `npm run bench:cluster` rewrite their sections alone).
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AccountsBench, accountsSection } from "./report-accounts.js";
import { savedClusterSection } from "./report-cluster.js";
import { replaceSection } from "./sections.js";
import { savedStallSection } from "./stall-report.js";
import { targetsTable, targetsText } from "./targets.js";

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, "results");

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  at: string;
}

export async function machineInfo(): Promise<Machine> {
  let model = cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) model = line.split(":")[1]?.trim() ?? model;
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    nproc: availableParallelism(),
    cpuModel: model,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    at: new Date().toISOString(),
  };
}

/**
 * The machine's CPU time by kind from /proc/stat (Linux), in clock ticks: `steal` is time the
 * hypervisor gave this VM's vCPUs to someone else, `idle` time nobody used.
 */
export function stealSample(): { steal: number; idle: number; total: number } | undefined {
  try {
    const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return {
      steal: f[7] ?? 0,
      idle: (f[3] ?? 0) + (f[4] ?? 0),
      total: f.slice(0, 8).reduce((a, b) => a + b, 0),
    };
  } catch {
    return undefined;
  }
}

/** The share of the machine's CPU time stolen since `since`, %. */
export function stealPercent(since: ReturnType<typeof stealSample>): number | undefined {
  const now = stealSample();
  if (!since || !now || now.total === since.total) return undefined;
  return Math.round((1000 * (now.steal - since.steal)) / (now.total - since.total)) / 10;
}

/** The share of the machine's CPU time in use (by anyone: other processes too) since `since`, %. */
export function busyPercent(since: ReturnType<typeof stealSample>): number | undefined {
  const now = stealSample();
  if (!since || !now || now.total === since.total) return undefined;
  return Math.round(1000 * (1 - (now.idle - since.idle) / (now.total - since.total))) / 10;
}

interface Point {
  contacts: number;
  offeredPerSec?: number;
  p50Ms: number;
  p99Ms: number;
}

/** p50 and p99 added latency against offered load, as a small self-contained SVG. */
export function latencySvg(points: Point[]): string {
  const W = 640;
  const H = 360;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const xs = points.map((p) => p.offeredPerSec ?? p.contacts);
  const maxX = Math.max(...xs) * 1.05;
  // Log scale: the knee of the curve spans milliseconds to seconds.
  const maxY = 10 ** Math.ceil(Math.log10(Math.max(10, ...points.map((p) => p.p99Ms))));
  const x = (v: number) => m.l + (v / maxX) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (Math.log10(Math.max(1, v)) / Math.log10(maxY)) * (H - m.t - m.b);
  const line = (key: "p50Ms" | "p99Ms") =>
    points
      .map((p, i) => `${i === 0 ? "M" : "L"}${x(xs[i] as number).toFixed(1)},${y(p[key]).toFixed(1)}`)
      .join(" ");
  const dots = (key: "p50Ms" | "p99Ms", color: string) =>
    points
      .map(
        (p, i) =>
          `<circle cx="${x(xs[i] as number).toFixed(1)}" cy="${y(p[key]).toFixed(1)}" r="3.5" fill="${color}"><title>${p.contacts} contacts, ${xs[i]} msg/s: ${key.slice(0, 3)} ${p[key]} ms</title></circle>`,
      )
      .join("");
  const yTicks = Array.from({ length: Math.log10(maxY) + 1 }, (_, i) => 10 ** i)
    .map(
      (v) =>
        `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
    )
    .join("");
  const xTicks = points
    .map(
      (p, i) =>
        `<text x="${x(xs[i] as number)}" y="${H - m.b + 18}" text-anchor="middle">${xs[i]}</text><text x="${x(xs[i] as number)}" y="${H - m.b + 32}" text-anchor="middle" fill="#888">${p.contacts}c</text>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">wxagent gateway: added latency vs load (echo 0 ms, spacing 0)</text>
${yTicks}
<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>
<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>
${xTicks}
<text x="${W / 2}" y="${H - 4}" text-anchor="middle">offered load, messages/s (contacts × 2 msg/s)</text>
<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">added latency, ms (log scale)</text>
<path d="${line("p50Ms")}" fill="none" stroke="#2a7" stroke-width="2"/>${dots("p50Ms", "#2a7")}
<path d="${line("p99Ms")}" fill="none" stroke="#d43" stroke-width="2"/>${dots("p99Ms", "#d43")}
<text x="${W - m.r - 90}" y="${m.t + 4}" fill="#2a7">● p50</text><text x="${W - m.r - 45}" y="${m.t + 4}" fill="#d43">● p99</text>
</svg>
`;
}

// biome-ignore lint/suspicious/noExplicitAny: the results object is free-form JSON
type Results = Record<string, any>;

function table(r: Results): string {
  const rows: [string, string][] = [
    ["added latency p50 / p99, burst (queueing included)", `${r.burst.p50Ms} / ${r.burst.p99Ms} ms`],
    [
      `added latency p50 / p99, steady ${r.steady.offeredPerSec} msg/s from 200 contacts`,
      `${r.steady.p50Ms} / ${r.steady.p99Ms} ms`,
    ],
    ["500 contacts × 1 message, echo 1000 ms: all answered after", `${r.slowAgent.allAnsweredSec} s`],
    ["RSS peak of the bench process under load", `${r.rss.loadedPeakMb} MB`],
    [
      "one-message-at-a-time loop, same burst",
      `${r.sequential.repliesPerSec} replies/s (gateway ×${r.sequential.ratio})`,
    ],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const lines = rows.map(([a, b]) => `${a.padEnd(w0)}  ${b}`);
  const curve = r.latencyVsLoad
    .map(
      (p: Results) =>
        `  ${String(p.contacts).padStart(4)} contacts  ${String(p.offeredPerSec).padStart(5)} msg/s  p50 ${String(p.p50Ms).padStart(6)} ms  p99 ${String(p.p99Ms).padStart(7)} ms  answered ${p.answered}/${p.messages}`,
    )
    .join("\n");
  return `targets, median of ${r.rounds} rounds:\n${targetsText(r.targets)}\n\nthe median round:\n${lines.join("\n")}\n\nlatency vs load (the median round):\n${curve}\n`;
}

/** "7079 MiB/s (90 % of openssl)" from one of media.json's AES entries. */
function aesCell(a: Results | undefined): string {
  if (!a) return "n/a";
  const pct = a.ratio === undefined || a.ratio === null ? "" : ` (${Math.round(a.ratio * 100)} % of openssl)`;
  return `${Math.round(a.bytesPerSec / 2 ** 20)} MiB/s${pct}`;
}

function markdown(
  r: Results,
  media: Results | undefined,
  cli: CliBench | undefined,
  accounts: AccountsBench | undefined,
): string {
  const m = r.machine;
  const curve = r.latencyVsLoad
    .map(
      (p: Results) =>
        `| ${p.contacts} | ${p.offeredPerSec} | ${p.p50Ms} | ${p.p99Ms} | ${p.answered}/${p.messages} |`,
    )
    .join("\n");
  const mediaSection = media
    ? `
## Media (\`npx tsx bench/media.ts\`)

| figure | value | target |
| --- | --- | --- |
| AES-128-ECB encrypt, 1 MiB blocks into one reused buffer (as \`openssl speed\` works) | ${aesCell(media.aes.encryptIntoReusedBuffer)} | ≥ 80 % of openssl |
| AES-128-ECB decrypt, the same | ${aesCell(media.aes.decryptIntoReusedBuffer)} | ≥ 80 % of openssl |
| encrypt / decrypt, a new 1 MiB buffer per call (\`encryptAesEcb\`) | ${aesCell(media.aes.encrypt)} / ${aesCell(media.aes.decrypt)} | |
| block cipher in use | ${media.aes.path === "native" ? "the native/aes-ecb addon (OpenSSL in place)" : "node:crypto (the addon is not built)"} | |
| ${Math.round(media.transfer.fileBytes / 1e6)} MB upload / download over loopback | ${Math.round(media.transfer.upload.ms)} ms / ${Math.round(media.transfer.download.ms)} ms | |
| client RSS growth, worst phase | ${Math.round(media.transfer.maxRssGrowthBytes / 1e6)} MB | < ${Math.round(media.transfer.rssGrowthTargetBytes / 1e6)} MB |

Measured ${media.at} (see bench/media.ts for how each figure is taken, and bench/results/media.json).
`
    : "";
  return `# Benchmarks

All figures come from \`npm run bench\` (gateway, after \`npm run build\`: the idle and
many-accounts figures run the compiled CLI), \`npx tsx bench/media.ts\` (media) and
\`npm run bench:cli\` (CLI start-up) on the machine below. They are regenerated by those commands;
raw numbers are in \`bench/results/\`.

**Machine:** ${m.nproc} cores (${m.cpuModel}), ${m.memoryGb} GB RAM, ${m.platform}, Node ${m.node}. Run at ${m.at}.

## Gateway (\`npm run bench\`, about 4 minutes)

The gateway runs as \`wxagent start\` builds it: SQLite store on disk (WAL), the iLink transport
over loopback HTTP, delivery with spacing 0, the echo agent, \`maxTurns\` ${r.gateway.maxTurns} (the CLI default;
${r.gateway.maxTurnsSlowAgent} for the 1000 ms agent, one turn per contact, as \`wxagent start --max-turns ${r.gateway.maxTurnsSlowAgent}\`). The
simulator runs with realism off (no send quota, no throttle) in a child process, which also
generates the load and timestamps each message twice with one clock: when the simulator accepts
the user's message and when it receives the reply. *Added latency* is the difference minus the
echo agent's delay.

The benchmark runs ${r.rounds} rounds, each in fresh processes (bench/round.ts, then bench/wal.ts), so
every round has its own cold start; each target figure below is the median of the rounds, and
every round's value is listed. CPU stolen by the hypervisor, burst / steady runs, per round:
${(r.stealPctByRound as ({ burst: number | null; steady: number | null } | null)[]).map((x) => (x ? `${x.burst ?? "-"} / ${x.steady ?? "-"} %` : "-")).join("; ")}.

### Targets

${targetsTable(r.targets)}

Reading the rows: *before* is the issue's measurement on an AMD EPYC 2-core VM (#20). The cold
burst runs while V8 still compiles both processes' hot paths (the simulator's child starts cold
too), on background threads that compete for the two cores. The WAL rows count whole 1 KiB pages
(plus a 24-byte frame header) appended per commit: a commit writes every page it touched, and a
message touches about ten b-trees (the inbound and outbound tables and their indexes, the contact,
its context token, the cursor and the account), so a message that commits alone costs 20 to 30
frames while a burst shares them (bench/wal.ts prints the frames by table and index). CPU per
message is read with \`BENCH_PROF=<dir> npm run bench\`, which writes a CPU profile of the
gateway's event loop during the warm bursts.

### The median round (by warm burst)

| figure | value |
| --- | --- |
| added latency p50 / p99, steady ${r.steady.offeredPerSec} msg/s from 200 contacts; median of ${r.steadyP99Runs?.length ?? 1} runs by p99 | ${r.steady.p50Ms} / ${r.steady.p99Ms} ms${r.steadyP99Runs ? ` (p99 of the runs: ${r.steadyP99Runs.join(", ")})` : ""} |
| the warm bursts of this round, replies/s | ${(r.burstRuns ?? []).join(", ")} |
| added latency p50 / p99 inside the burst (waiting behind the burst included) | ${r.burst.p50Ms} / ${r.burst.p99Ms} ms |
| 500 contacts × 1 message, echo 1000 ms: all answered after (target ≤ 2 s) | ${r.slowAgent.allAnsweredSec} s |
| RSS of the idle \`wxagent start\` process 5 s after start (30 s in the targets) | ${r.rss.cliEarlyMb ?? "-"} MB |
| RSS of the benchmark process, gateway started and idle, after GC (tsx loader included) | ${r.rss.idleMb} MB |
| RSS peak of the benchmark process under the loads above | ${r.rss.loadedPeakMb} MB |
| the same burst through a one-message-at-a-time loop (poll → handle → send) | ${r.sequential.repliesPerSec} replies/s |
| gateway ÷ one-at-a-time | ×${r.sequential.ratio} |
| every message answered exactly once, in every round | ${r.everyMessageOnce} |
| busy share of the gateway's event loop during the burst | ${r.cpu?.gatewayElu ?? "-"} |
| gateway CPU per burst: event-loop thread / all other threads | ${r.cpu?.burstGatewayThreadsCpuMs ? `${r.cpu.burstGatewayThreadsCpuMs.main} / ${r.cpu.burstGatewayThreadsCpuMs.others} ms` : "-"} |
| simulator + load generator CPU during the burst (its own process) | ${r.cpu?.burstSimCpuMs ?? "-"} ms for ${r.burst.messages} messages |
| SQLite WAL file after all the steady runs (kept under about 64 MiB by the checkpoint thread) | ${r.cpu?.walMbAfterSteady ?? "-"} MB |
| SQL statements / commits per message: burst, steady, one at a time (bench/wal.ts, ${r.wal?.pageSize ?? "-"} B pages) | ${r.wal ? `${r.wal.burst.statementsPerMessage} / ${r.wal.burst.commitsPerMessage}, ${r.wal.steady.statementsPerMessage} / ${r.wal.steady.commitsPerMessage}, ${r.wal.isolated.statementsPerMessage} / ${r.wal.isolated.commitsPerMessage}` : "-"} |
| longest event-loop blocks of the gateway in the steady runs, p99 / max | ${r.cpu ? `${r.cpu.loopBlockMs.p99} / ${r.cpu.loopBlockMs.max} ms` : "-"} |

With a 1000 ms agent the one-at-a-time loop needs 500 × 1 s = 500 s for the 500 contacts of
row 4 by construction; it was not run. With the 0 ms agent of row 1 it does nothing but poll and
send, one request at a time (no store, no dedup, no quota, nothing survives a crash), so its rate
is the HTTP round trip. The gateway records every message and bubble before it answers (about ten
SQLite writes a message; the writes of a turn commit together at its end when something waits for
them, within 20 ms otherwise) and runs up to \`maxTurns\` turns at once.

Reading the CPU rows: the gateway and the simulator (with its load generator) share the machine's
cores. Per message of the burst, the gateway spends the CPU above and the simulator its figure
divided by the message count; 2,000 replies/s on 2 cores leaves 1 ms of CPU per message for both
together.

Warm and cold: right after start V8 still compiles the hot paths, on background threads that
compete with both processes for the two cores (about 1 s of CPU across them during the first
bursts, 0.1 to 0.2 s per burst once warm). The cold row is the burst a restarted gateway meets
when it replays its backlog; the warm row, one that has been up for a while.

Noise: on a shared VM the hypervisor hands part of the vCPUs' time to other guests (the steal row).
Runs with steal above about 10 % are slower and have a longer latency tail, so each target figure
is the median of the rounds, and every round is listed beside it.

### Latency against load

The median round. Each contact writes 2 messages per second for 3 seconds; echo 0 ms.

| contacts | offered msg/s | p50 ms | p99 ms | answered |
| --- | --- | --- | --- | --- |
${curve}

![added latency vs load](bench/results/latency.svg)
${mediaSection}${cli ? cliSection(cli) : ""}${accounts ? accountsSection(accounts) : ""}${savedStallSection()}${savedClusterSection()}`;
}

export async function writeReports(r: Results): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  const mediaPath = join(resultsDir, "media.json");
  const media = existsSync(mediaPath) ? (JSON.parse(readFileSync(mediaPath, "utf8")) as Results) : undefined;
  const cliPath = join(resultsDir, "cli.json");
  const cli = existsSync(cliPath) ? (JSON.parse(readFileSync(cliPath, "utf8")) as CliBench) : undefined;
  const accountsPath = join(resultsDir, "accounts.json");
  const accounts = existsSync(accountsPath)
    ? (JSON.parse(readFileSync(accountsPath, "utf8")) as AccountsBench)
    : undefined;
  const out = { bench: "gateway", ...r, ...(media ? { media } : {}) };
  await writeFile(join(resultsDir, "bench.json"), `${JSON.stringify(out, null, 2)}\n`);
  await writeFile(join(resultsDir, "latency.svg"), latencySvg(r.latencyVsLoad));
  await writeFile(join(here, "..", "BENCHMARKS.md"), markdown(r, media, cli, accounts));
  process.stdout.write(`\n${table(r)}\n`);
  process.stdout.write(`machine: ${r.machine.nproc} × ${r.machine.cpuModel}, node ${r.machine.node}\n`);
  process.stdout.write("wrote bench/results/bench.json, bench/results/latency.svg, BENCHMARKS.md\n");
}

/** What `npm run bench:cli` measures (bench/cli-startup.ts), as bench/results/cli.json holds it. */
export interface CliBench {
  bench: "cli";
  machine: Machine;
  bin: string;
  runs: number;
  loadAvg1m: number;
  busyPct: number | null;
  stealPct: number | null;
  cases: {
    name: string;
    medianMs: number;
    minMs: number;
    maxMs: number;
    cpuMs: number | null;
    failed: number;
    targetMs?: number;
    ok?: boolean;
  }[];
}

const CLI_HEADING = "## CLI start-up";

function cliSection(c: CliBench): string {
  const rows = c.cases
    .map(
      (x) =>
        `| \`${x.name}\` | ${x.medianMs} | ${x.minMs} / ${x.maxMs} | ${x.cpuMs ?? "-"} | ${x.targetMs ? `< ${x.targetMs} ms: ${x.ok ? "yes" : "**no**"}` : ""} |`,
    )
    .join("\n");
  return `
${CLI_HEADING} (\`npm run bench:cli\`)

Each command as its own process, \`node ${c.bin} …\` to exit, from dist/, in a home with one
account and a config.json that sets a model; the cases take turns for ${c.runs} rounds. Wall time
is the median of the rounds; CPU is the process's user + system time, averaged. \`node -e 0\` is
Node's own start-up, under every command. Each command loads only its own module (the gateway,
the admin UI, the simulator, the config schema and pino stay unloaded where unused), so
\`--help\` costs commander on top of Node, and \`status\` the SQLite store. \`start --help\` still
loads the gateway: its options and its body are one module.

| command | wall ms, median | min / max | CPU ms | target |
| --- | --- | --- | --- | --- |
${rows}

Measured ${c.machine.at} on ${c.machine.nproc} × ${c.machine.cpuModel}, Node ${c.machine.node}. The cores
were ${c.busyPct ?? "-"} % busy meanwhile (this benchmark keeps about one busy; the rest is the machine's other
users, load average ${c.loadAvg1m}), ${c.stealPct ?? "-"} % stolen by the hypervisor. On a busier machine every row,
\`node -e 0\` included, grows alike: read a command against \`node -e 0\` of the same run.
`;
}

/** Print the CLI figures, write bench/results/cli.json, and put their section into BENCHMARKS.md. */
export async function writeCliReport(c: CliBench): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, "cli.json"), `${JSON.stringify(c, null, 2)}\n`);
  await replaceSection(CLI_HEADING, cliSection(c));
  const width = Math.max(...c.cases.map((x) => x.name.length));
  for (const x of c.cases) {
    const target = x.targetMs ? `  (target < ${x.targetMs} ms: ${x.ok ? "met" : "NOT met"})` : "";
    process.stdout.write(
      `${x.name.padEnd(width)}  median ${String(x.medianMs).padStart(6)} ms  min ${x.minMs}  max ${x.maxMs}  cpu ${x.cpuMs ?? "-"} ms${x.failed ? `  FAILED ${x.failed}×` : ""}${target}\n`,
    );
  }
  process.stdout.write(
    `machine ${c.busyPct ?? "-"} % busy, load ${c.loadAvg1m}, steal ${c.stealPct ?? "-"} %; wrote bench/results/cli.json and the CLI section of BENCHMARKS.md\n`,
  );
}
