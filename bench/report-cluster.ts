/**
 * The cluster benchmark's outputs (bench/cluster.ts): bench/results/cluster.json and the "More
 * than one machine" section of BENCHMARKS.md (which `npm run bench` keeps when it regenerates the
 * file). A run of some phases only (`--only`) writes bench/results/cluster-partial.json alone.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Machine } from "./report.js";
import { replaceSection } from "./sections.js";

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");
const CLUSTER_JSON = join(resultsDir, "cluster.json");

export interface BurstFigures {
  messages: number;
  answered: number;
  /** Replies to no open message of the burst (a double or a stranger). */
  unexpected: number;
  /** First message accepted by the simulator → last reply received. */
  seconds: number;
  repliesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Every node process's CPU (user + system, all threads) during the burst and its 100 ms grace. */
  nodeCpuMs: number;
  nodeCpuUsPerMessage: number;
  /** The PostgreSQL backends serving the benchmark's database (not the server's shared processes). */
  pgCpuMs: number | null;
  pgCpuUsPerMessage: number | null;
  simCpuMs: number;
  stealPct: number | null;
  /** The machine's CPU in use (anyone's) during the burst, %. */
  busyPct: number | null;
  /** What the nodes logged meanwhile (see LeaseEvents). */
  leaseEvents: LeaseEvents;
}

/**
 * Lease changes a node logged, by kind: `lapsed`, a lease it stopped counting as held because its
 * renewal came too late (the gateway stops polling and sending for that account until it is
 * gained again); `taken` by another node; `released` (handed back: rebalancing, or a stop);
 * `gained`; `abandoned`, a turn whose reply was left to the next holder because the lease went
 * meanwhile; `replayed`, an account gained with unanswered messages to replay.
 */
export type LeaseEvents = Partial<
  Record<"lapsed" | "taken" | "released" | "gained" | "abandoned" | "replayed", number>
>;

export interface ThroughputRun {
  label: string;
  store: "postgres" | "sqlite";
  nodes: number;
  /** Spawn → leases balanced and every long-poll open. */
  readyMs: number;
  bursts: BurstFigures[];
  /** The median burst by replies/s. */
  median: BurstFigures;
  /** Each node's RSS after the bursts. */
  rssMb: number[];
  /**
   * Messages not answered when their burst ended (all answered, 60 s, or 15 s without a reply),
   * and how many were 5 s later.
   */
  unanswered: {
    texts: string[];
    answeredLater: number;
    /** Where such a message stands: at the simulator, and its rows in the store (PostgreSQL). */
    diagnosis?: string[];
  };
}

export interface FailoverKill {
  victim: string;
  /** Accounts it held. */
  accounts: number;
  /** Of those, how many had a reply from a new owner within 30 s. */
  answered: number;
  /** kill -9 → the first reply, on one of its accounts, to a message accepted after the kill. */
  firstReplyMs: number | null;
  /** kill -9 → the last of its accounts having had such a reply. */
  allAnsweredMs: number | null;
  /** A new node started → leases balanced over three again. */
  rebalancedMs: number | null;
  /** What every node (the killed one's earlier lines aside) logged from the kill to the balance. */
  leaseEvents: LeaseEvents;
}

export interface NodeLog {
  node: string;
  killed: boolean;
  /** Lines on stderr besides the stop messages (the nodes log at warn). */
  lines: number;
  /** Of those, the ones logged after its SIGTERM (while it handed its leases back). */
  whileStopping: number;
  /** One line of each distinct message (accounts and times aside), at most 5. */
  sample: string[];
  leaseEvents: LeaseEvents;
}

export interface ClusterBench {
  bench: "cluster";
  machine: Machine;
  from: "dist" | "tsx";
  accounts: number;
  contacts: number;
  perContact: number;
  maxTurns: number | null;
  /** The PostgreSQL server the nodes ran on, and its durability settings. */
  pgServer: { where: string; version: string; fsync: string; synchronousCommit: string } | null;
  throughput: ThroughputRun[];
  failover: {
    leaseTtlMs: number;
    renewMs: number;
    /** Each account's contact writes one message this often (0: none besides the probes). */
    trafficIntervalMs: number;
    accounts: number;
    kills: FailoverKill[];
    firstReplyP50Ms: number | null;
    /** The largest of the kills (with 10 samples p99 is the maximum). */
    firstReplyP99Ms: number | null;
    allAnsweredP50Ms: number | null;
    allAnsweredMaxMs: number | null;
    traffic: {
      sent: number;
      answered: number;
      doubles: number;
      duplicates: number;
      /** Unanswered by the end (at most 20), with the last kill before each was accepted. */
      missing?: {
        text: string;
        account: string;
        afterKill: { kill: number; ms: number; accountWasVictims: boolean } | null;
      }[];
      /** Their rows in the store. */
      diagnosis?: string[];
    } | null;
  } | null;
  memory: {
    accounts: number;
    baseAccounts: number;
    settleMs: number;
    /** Spawn → every account leased and long-polling (both nodes). */
    settledAfterMs: number;
    /** RSS every 5 s from then on (ms since spawn). */
    series: { atMs: number; baseRssMb: number; rssMb: number }[];
    baseRssMb: number;
    rssMb: number;
    kbPerAccount: number;
    /** The same right after every poll opened (before idling). */
    early: { baseRssMb: number; rssMb: number; kbPerAccount: number } | null;
  } | null;
  stealPct: number | null;
  busyPct: number | null;
  loadAvg1m: number;
  seconds: number;
  nodeLogs: NodeLog[];
}

export const CLUSTER_HEADING = "## More than one machine";

const setupName: Record<string, string> = {
  "pg-1": "(a) one node, PostgreSQL",
  "pg-3": "(b) three nodes, one PostgreSQL",
  "sqlite-1": "(c) one node, SQLite",
};
const fmt = (n: number | null | undefined) =>
  n === null || n === undefined ? "-" : n.toLocaleString("en-US");
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** "the median of 3 bursts" / "the slower of 2 bursts" / "1 burst". */
function whichBurst(n: number): string {
  if (n === 1) return "one burst";
  return n % 2
    ? `the median of ${n} bursts`
    : `the lower middle of ${n} bursts${n === 2 ? " (the slower)" : ""}`;
}

function throughputTable(c: ClusterBench): string {
  if (c.throughput.length === 0) return "Throughput: not measured in this run.\n";
  const rows = c.throughput.map((t) => {
    const m = t.median;
    const all = t.bursts.every((b) => b.answered === b.messages && b.unexpected === 0);
    const lapsed = t.bursts.map((b) => b.leaseEvents.lapsed ?? 0);
    const abandoned = t.bursts.map((b) => b.leaseEvents.abandoned ?? 0);
    const lost = t.unanswered.texts.length
      ? ` (${t.unanswered.texts.length} never answered${t.unanswered.answeredLater ? `, ${t.unanswered.answeredLater} of them late` : ""})`
      : "";
    return `| ${setupName[t.label] ?? t.label} | **${fmt(m.repliesPerSec)}** (bursts: ${t.bursts.map((b) => fmt(b.repliesPerSec)).join(", ")}) | ${m.seconds} s | ${fmt(m.p50Ms)} / ${fmt(m.p99Ms)} ms | **${fmt(m.nodeCpuUsPerMessage)}** µs | ${m.pgCpuUsPerMessage === null ? "-" : `${fmt(m.pgCpuUsPerMessage)} µs`} | ${t.store === "sqlite" ? "-" : `${fmt(sum(lapsed))} / ${fmt(sum(abandoned))}`} | ${all ? "yes" : `**no**${lost}`} | ${t.rssMb.join(" / ")} MB | ${m.stealPct ?? "-"} / ${m.busyPct ?? "-"} % |`;
  });
  const m0 = c.throughput[0]?.median;
  return `| setup | replies/s, ${whichBurst(c.throughput[0]?.bursts.length ?? 0)} | that burst took | latency p50 / p99 | CPU per message, node processes | PostgreSQL backends, per message | leases lapsed / turns abandoned, all bursts | every message answered once | RSS per node after | steal / machine busy |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

Each burst: ${fmt(m0?.messages)} messages (${fmt(c.accounts)} accounts × ${c.contacts} contacts × ${c.perContact}), all injected at once.
`;
}

/** Why PostgreSQL is slow here, when the nodes say so (their leases lapsed under the bursts). */
function thrashText(c: ClusterBench): string {
  const pg = c.throughput.filter((t) => t.store === "postgres");
  const lapsed = sum(pg.flatMap((t) => t.bursts.map((b) => b.leaseEvents.lapsed ?? 0)));
  if (lapsed === 0) return "";
  const abandoned = sum(pg.flatMap((t) => t.bursts.map((b) => b.leaseEvents.abandoned ?? 0)));
  const replayed = sum(pg.flatMap((t) => t.bursts.map((b) => b.leaseEvents.replayed ?? 0)));
  const intact = pg.every((t) => t.bursts.every((b) => b.answered === b.messages && b.unexpected === 0));
  return `
**The leases do not hold under a burst.** During the PostgreSQL bursts the nodes logged ${fmt(lapsed)} leases
lapsing on their own holder (\`lease lost … expiring\`: the renewal came back after the lease's local
deadline, TTL − renew/2 after the previous one was sent), ${fmt(abandoned)} turns whose reply was dropped for the next
holder, and ${fmt(replayed)} replays of unanswered messages when the same node took the account back a round
later; ${intact ? "nothing was lost or doubled by it" : "**not every message was answered exactly once** (see the table)"}, but much of the work is done twice and every
lapsed account stops polling for a round. The lease keeper (src/gateway/lease-keeper.ts, \`round()\`)
renews one lease per statement, one after another, on the same pool and event loop the burst is
using: under a burst a round of 100–300 renewals takes longer than the lease leaves it. The failover
phase shows the same during each takeover.
The PostgreSQL figures above include that wasted work (and the idle rounds); the nodes' \`delivery
failed … no longer holds the lease\` errors below are these abandoned turns.
`;
}

/** Messages a burst never got an answer to, with what the store says of them. */
function lostText(c: ClusterBench): string {
  const runs = c.throughput.filter((t) => t.unanswered.texts.length > t.unanswered.answeredLater);
  if (runs.length === 0) return "";
  const n = sum(runs.map((t) => t.unanswered.texts.length - t.unanswered.answeredLater));
  const diag = runs.flatMap((t) => t.unanswered.diagnosis ?? []);
  const failed = diag.filter((d) => /"state":"done"/.test(d) && /"state":"failed"/.test(d)).length;
  return `
**Replies lost.** ${n} message${n > 1 ? "s" : ""} of the PostgreSQL bursts never got an answer (${runs.map((t) => `${setupName[t.label] ?? t.label}: ${t.unanswered.texts.length - t.unanswered.answeredLater}`).join(", ")}).${failed ? ` For ${failed === diag.length ? "each" : `${failed} of them`}, the store holds the inbound message as \`done\` and its reply as \`failed\` after one attempt; the node logged \`send failed; bubble marked failed\` with \`account … is not served by this gateway\` (kind fatal) at that moment. By the code, the reply was recorded under a lease that lapsed and came back to the same node with the same epoch, and its send passed the lease check while the gateway had dropped the account's transport (src/gateway/gateway.ts, \`release\`) and not yet rebuilt it (\`resume\`); the sender (src/gateway/delivery/sender.ts) takes that error as fatal and marks the bubble failed, so nobody sends it.` : ""}

${diag.map((d) => `- \`${d.slice(0, 400).replaceAll("`", "'")}\``).join("\n")}
`;
}

/** The failover traffic's unanswered messages: where they fell, and their rows in the store. */
function failoverLost(f: NonNullable<ClusterBench["failover"]>): string {
  const t = f.traffic;
  if (!t || t.answered >= t.sent) return "";
  const missing = t.missing ?? [];
  const onVictims = missing.filter((m) => m.afterKill?.accountWasVictims).length;
  const byKill = new Map<number, number[]>();
  for (const m of missing)
    if (m.afterKill) byKill.set(m.afterKill.kill, [...(byKill.get(m.afterKill.kill) ?? []), m.afterKill.ms]);
  const when = [...byKill]
    .map(
      ([k, ms]) => `${ms.length} accepted ${fmt(Math.min(...ms))}–${fmt(Math.max(...ms))} ms after kill ${k}`,
    )
    .join(", ");
  const diag = t.diagnosis ?? [];
  const pending = diag.filter((d) => /"state":"done"/.test(d) && /"state":"pending"/.test(d)).length;
  return `
**${fmt(t.sent - t.answered)} messages of the failover traffic were never answered** (by 60 s after the last kill, or 15 s without a new answer). Of the
first ${missing.length}: ${when || "none after a kill"}; ${onVictims} on an account the node killed just before had held.${pending ? ` For ${pending} of the ${diag.length} looked up, the store holds the message as \`done\` and its reply as \`pending\`, recorded and never sent, on an account whose lease is live.` : ""}

${diag.map((d) => `- \`${d.slice(0, 400).replaceAll("`", "'")}\``).join("\n")}
`;
}

function failoverTable(c: ClusterBench): string {
  const f = c.failover;
  if (!f) return "Failover: not measured in this run.\n";
  const kills = f.kills
    .map(
      (k, i) =>
        `| ${i + 1} | ${k.victim} | ${k.accounts} | ${fmt(k.firstReplyMs)} ms | ${k.answered}/${k.accounts} after ${fmt(k.allAnsweredMs)} ms | ${k.rebalancedMs === null ? "**not in 30 s**" : `${fmt(k.rebalancedMs)} ms`} | ${fmt(k.leaseEvents.lapsed ?? 0)} |`,
    )
    .join("\n");
  const t = f.traffic;
  return `| figure | value |
| --- | --- |
| lease TTL / renew | ${fmt(f.leaseTtlMs)} / ${fmt(f.renewMs)} ms |
| kill -9 → first reply by a new owner on an account the killed node held: p50 / p99 (${f.kills.length} kills; with ${f.kills.length} samples p99 is the largest) | **${fmt(f.firstReplyP50Ms)} / ${fmt(f.firstReplyP99Ms)} ms** |
| kill -9 → every account it held answering again: p50 / largest | ${fmt(f.allAnsweredP50Ms)} / ${fmt(f.allAnsweredMaxMs)} ms |
| traffic meanwhile | ${f.trafficIntervalMs ? `each of ${fmt(f.accounts)} accounts' contact writes every ${fmt(f.trafficIntervalMs)} ms (${fmt(Math.round((f.accounts * 1000) / f.trafficIntervalMs))} msg/s in all)` : "none besides the messages after each kill"} |
| traffic and probes: answered / sent (by 60 s after the last kill, or 15 s without a new answer); answered twice; resends the simulator deduplicated | ${t ? `${t.answered < t.sent ? "**" : ""}${fmt(t.answered)} / ${fmt(t.sent)}${t.answered < t.sent ? "**" : ""}; ${t.doubles}; ${t.duplicates}` : "-"} |

| kill | node | accounts it held | first reply by a new owner | its accounts answering again | new node balanced after | leases lapsed meanwhile |
| --- | --- | --- | --- | --- | --- | --- |
${kills}
${failoverLost(f)}`;
}

/** When the small node's RSS fell while idling and the big one's did not: why the two figures differ. */
function reducerText(m: NonNullable<ClusterBench["memory"]>): string {
  const drop = Math.max(...m.series.map((x) => x.baseRssMb)) - m.baseRssMb;
  const bigDrop = Math.max(...m.series.map((x) => x.rssMb)) - m.rssMb;
  if (drop < 5 || bigDrop > drop / 2) return "";
  return `
The ${m.baseAccounts}-account node's RSS fell by ${Math.round(drop * 10) / 10} MB while it idled: V8's memory reducer hands back the young
generation once allocation has stayed low for a while (see CLI start-up). The ${fmt(m.accounts)}-account node (it renews
${fmt(m.accounts)} leases every 2 s) does not, so the settled figure counts that young generation against
the accounts; the one right after the polls opened compares the two nodes in the same state.
`;
}

function memoryTable(c: ClusterBench): string {
  const m = c.memory;
  if (!m) return "Memory: not measured in this run.\n";
  return `| figure | value |
| --- | --- |
| RSS per idle account: (RSS with ${fmt(m.accounts)} − RSS with ${m.baseAccounts}) ÷ ${fmt(m.accounts - m.baseAccounts)}, after ${m.settleMs / 1000} s idle | **${m.kbPerAccount} KB** |
| RSS, ${fmt(m.accounts)} accounts / ${m.baseAccounts} accounts (median of the last 5 samples, 1 s apart) | ${m.rssMb} / ${m.baseRssMb} MB |
| the same right after every poll opened | ${m.early ? `${m.early.kbPerAccount} KB per account (${m.early.rssMb} / ${m.early.baseRssMb} MB)` : "-"} |
| RSS every 5 s from then, ${fmt(m.accounts)} / ${m.baseAccounts} accounts | ${m.series.map((x) => `${x.rssMb} / ${x.baseRssMb}`).join(", ")} MB |
| spawn → every account leased and long-polling | ${fmt(m.settledAfterMs)} ms |
${reducerText(m)}`;
}

function logsText(c: ClusterBench): string {
  const noisy = c.nodeLogs.filter((l) => l.lines > 0);
  if (noisy.length === 0)
    return `Nothing on any node's stderr at warn level or above (${c.nodeLogs.length} nodes).`;
  const distinct = new Map<string, string[]>();
  for (const l of noisy)
    for (const line of l.sample) {
      const text = line.replace(/"time":\d+,?/, "").replace(/[0-9a-f]{12}@im\.(bot|wechat)/g, "…");
      distinct.set(text, [...(distinct.get(text) ?? []), l.node]);
    }
  const lines = [...distinct]
    .slice(0, 6)
    .map(
      ([text, by]) =>
        `- \`${text.slice(0, 300).replaceAll("`", "'")}\` (${by.length} node${by.length > 1 ? "s" : ""})`,
    )
    .join("\n");
  return `On the nodes' stderr at warn level or above: ${noisy.map((l) => `${l.node}${l.killed ? " (killed)" : ""} ${fmt(l.lines)}`).join(", ")} lines (${fmt(sum(noisy.map((l) => l.whileStopping)))} of them while stopping). The distinct messages:\n\n${lines}`;
}

export function clusterSection(c: ClusterBench): string {
  const pg = c.pgServer;
  const bursts = c.throughput[0]?.bursts.length ?? 0;
  return `
${CLUSTER_HEADING} (\`npm run bench:cluster\`, about ${Math.max(1, Math.round(c.seconds / 60))} minutes)

Several \`wxagent start --agent echo --no-sim --spacing-ms 0\` nodes from ${c.from}, each its own process
with its own home, on fresh databases of one PostgreSQL server (issue #17)${pg ? `: ${pg.where}, PostgreSQL ${pg.version}, fsync ${pg.fsync}, synchronous_commit ${pg.synchronousCommit}` : ""}.
The simulator (realism off) runs in a child process; every phase has its own accounts there, stored
straight into the store. The nodes log at info level, so that their lease changes can be counted.

**Throughput.** ${fmt(c.accounts)} accounts × ${c.contacts} contacts, each contact writing ${c.perContact} message${c.perContact > 1 ? "s" : ""} at once; the figure
is the time from the first message the simulator accepts to the last reply it receives (a burst
ends when every message is answered, after 60 s, or once no reply has come for 15 s). A warm-up
burst first (one message per account, not counted), then ${bursts} burst${bursts > 1 ? "s" : ""}; the table shows ${whichBurst(bursts)} by replies/s.
The three-node bursts start once the leases are balanced (100 accounts each). CPU per message: all
node processes (from /proc), and apart from it the PostgreSQL backends serving the benchmark's
database; nodes, server and simulator share the machine. Default lease settings (6000 / 2000 ms).

${throughputTable(c)}${thrashText(c)}${lostText(c)}
**Failover.** Three nodes; one is killed with \`kill -9\` and right after it one message goes into
each account it held. The figure is the time from the kill to the first reply, on one of those
accounts, to a message accepted after the kill: only a node that polled after the kill can have
sent it, so a new owner did. A node is then started in the dead one's place and the leases rebalance
before the next kill. A lease lapses \`leaseTtlMs\` after its last renewal, which came up to \`renewMs\`
before the kill, and the survivors look every \`renewMs\`: expect between TTL − renew and TTL + renew.

${failoverTable(c)}
**Memory per idle account.** Two nodes side by side, each on its own database: one with ${fmt(c.memory?.accounts)} accounts,
one with ${c.memory?.baseAccounts ?? "-"}; RSS from /proc once every account is leased and long-polling, then while both idle.

${memoryTable(c)}
${logsText(c)}

Measured ${c.machine.at} on ${c.machine.nproc} × ${c.machine.cpuModel}, Node ${c.machine.node}, in ${c.seconds} s; ${c.stealPct ?? "-"} % of
the CPU stolen by the hypervisor over the run, the machine ${c.busyPct ?? "-"} % busy (its other users included), load
average ${c.loadAvg1m} at the end. Nodes, PostgreSQL and the simulator share these cores: the three-node
figures show the cost of coordination on one machine, not what three machines give.
`;
}

/** The section from the latest bench/results/cluster.json ("" without one), for `npm run bench`. */
export function savedClusterSection(): string {
  if (!existsSync(CLUSTER_JSON)) return "";
  return clusterSection(JSON.parse(readFileSync(CLUSTER_JSON, "utf8")) as ClusterBench);
}

function summary(c: ClusterBench): string {
  const lines = c.throughput.map(
    (t) =>
      `${(setupName[t.label] ?? t.label).padEnd(34)} ${String(t.median.repliesPerSec).padStart(6)} replies/s (bursts ${t.bursts.map((b) => b.repliesPerSec).join(", ")}), nodes ${t.median.nodeCpuUsPerMessage} µs/message${t.median.pgCpuUsPerMessage === null ? "" : `, PostgreSQL ${t.median.pgCpuUsPerMessage} µs/message`}`,
  );
  const f = c.failover;
  if (f)
    lines.push(
      `failover (TTL ${f.leaseTtlMs} ms, renew ${f.renewMs} ms, ${f.kills.length} kills): first reply by a new owner p50 ${f.firstReplyP50Ms} ms, p99 (= max of ${f.kills.length}) ${f.firstReplyP99Ms} ms; all its accounts p50 ${f.allAnsweredP50Ms} ms, max ${f.allAnsweredMaxMs} ms`,
    );
  const m = c.memory;
  if (m)
    lines.push(
      `memory: ${m.kbPerAccount} KB per idle account (${m.rssMb} MB with ${m.accounts}, ${m.baseRssMb} MB with ${m.baseAccounts}, after ${m.settleMs / 1000} s idle)`,
    );
  lines.push(
    `steal ${c.stealPct ?? "-"} %, machine busy ${c.busyPct ?? "-"} %, load ${c.loadAvg1m}, ${c.seconds} s; stderr lines: ${c.nodeLogs.map((l) => `${l.node} ${l.lines}`).join(", ")}`,
  );
  return lines.join("\n");
}

/** Prints the figures; a full run writes cluster.json and the section, a partial one cluster-partial.json. */
export async function writeClusterReport(c: ClusterBench, full: boolean): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  process.stdout.write(`\n${summary(c)}\n`);
  if (!full) {
    await writeFile(join(resultsDir, "cluster-partial.json"), `${JSON.stringify(c, null, 2)}\n`);
    process.stdout.write(
      "some phases only (--only): wrote bench/results/cluster-partial.json, BENCHMARKS.md left as it is\n",
    );
    return;
  }
  await writeFile(CLUSTER_JSON, `${JSON.stringify(c, null, 2)}\n`);
  await replaceSection(CLUSTER_HEADING, clusterSection(c));
  process.stdout.write("wrote bench/results/cluster.json and the cluster section of BENCHMARKS.md\n");
}
