/**
 * The gateway's targets (issue #20) read off the rounds of `npm run bench`: each figure is the
 * median of the rounds, and every round's value is kept beside it.
 */
import type { AccountsBench } from "./report-accounts.js";

// biome-ignore lint/suspicious/noExplicitAny: a round's results are free-form JSON (bench/round.ts)
export type Round = Record<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: bench/wal.ts's results, free-form JSON
export type WalRound = Record<string, any>;

export interface Target {
  figure: string;
  /** One value per round (null where that round could not measure it). */
  runs: (number | null)[];
  median: number | null;
  unit: string;
  /** As the issue writes it, e.g. "≥ 5,000". */
  target: string;
  ok: boolean;
  /** The figure the issue measured before the work (same machine class), for the table. */
  before?: string;
}

/** The middle item by `key` (of an odd count; the lower middle otherwise). */
export function middleBy<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

/** The median of the numbers (the mean of the two middle ones for an even count); null if none. */
export function medianOf(values: (number | null | undefined)[]): number | null {
  const xs = values
    .filter((v): v is number => typeof v === "number" && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  const m = xs.length % 2 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
  return Math.round(m * 100) / 100;
}

function target(
  figure: string,
  runs: (number | null | undefined)[],
  unit: string,
  goal: { atLeast?: number; below?: number; atMost?: number },
  before?: string,
): Target {
  const median = medianOf(runs);
  const fmt = (n: number) => n.toLocaleString("en-US");
  const text =
    goal.atLeast !== undefined
      ? `≥ ${fmt(goal.atLeast)}`
      : goal.atMost !== undefined
        ? `≤ ${fmt(goal.atMost)}`
        : `< ${fmt(goal.below as number)}`;
  const ok =
    median !== null &&
    (goal.atLeast === undefined || median >= goal.atLeast) &&
    (goal.below === undefined || median < goal.below) &&
    (goal.atMost === undefined || median <= goal.atMost);
  return {
    figure,
    runs: runs.map((r) => (typeof r === "number" ? r : null)),
    median,
    unit,
    target: text,
    ok,
    ...(before ? { before } : {}),
  };
}

const p99At = (round: Round, contacts: number): number | undefined =>
  (round.latencyVsLoad as { contacts: number; p99Ms: number }[] | undefined)?.find(
    (p) => p.contacts === contacts,
  )?.p99Ms;

/** #20's table, in its order. `accounts` is the latest `npm run bench:accounts` (its own three rounds). */
export function gatewayTargets(
  rounds: Round[],
  wals: WalRound[],
  accounts: AccountsBench | undefined,
): Target[] {
  const t: Target[] = [
    target(
      "replies/s, burst of 200 contacts × 10 messages, echo 0 ms, warm (median of three bursts after two warm-ups)",
      rounds.map((r) => r.burst?.repliesPerSec),
      "replies/s",
      { atLeast: 5000 },
      "3,822",
    ),
    target(
      "the same burst, the first load after start (cold)",
      rounds.map((r) => r.coldBurst?.repliesPerSec),
      "replies/s",
      { atLeast: 3000 },
      "1,547",
    ),
    target(
      "p99 added latency, steady 800 msg/s (400 contacts × 2 msg/s)",
      rounds.map((r) => p99At(r, 400)),
      "ms",
      { below: 20 },
      "132",
    ),
    target(
      "p99 added latency, steady 1,600 msg/s (800 contacts × 2 msg/s)",
      rounds.map((r) => p99At(r, 800)),
      "ms",
      { below: 40 },
      "185",
    ),
    target(
      "gateway CPU per message, all its threads, GC included (warm bursts and steady runs)",
      rounds.map((r) => r.cpu?.gatewayCpuUsPerMessage),
      "µs",
      { below: 300 },
      "624",
    ),
  ];
  for (const phase of ["burst", "steady", "isolated"] as const) {
    const what = {
      burst: "a burst of 200 contacts × 5",
      steady: "a steady 200 msg/s from 100 contacts",
      isolated: "one message at a time (each alone through the gateway: the worst case)",
    }[phase];
    t.push(
      target(
        `WAL written per message, ${what}`,
        wals.map((w) =>
          w[phase]?.walBytesPerMessage === undefined ? null : w[phase].walBytesPerMessage / 1024,
        ),
        "KB",
        { below: 20 },
        "~100",
      ),
    );
  }
  t.push(
    target(
      "idle RSS of `wxagent start --agent echo` (one account, idle 30 s, from dist)",
      rounds.map((r) => r.rss?.cliIdleMb),
      "MB",
      { below: 80 },
      "109",
    ),
  );
  if (accounts) {
    const all = accounts.rounds.every((r) => r.answered === accounts.accounts && r.unexpected === 0);
    const answered = target(
      `${accounts.accounts.toLocaleString("en-US")} accounts in one process, one message each, echo 0 ms: all answered after (\`npm run bench:accounts\`, its three rounds)`,
      accounts.rounds.map((r) => r.allAnsweredSec),
      "s",
      { atMost: 2 },
      "not measured",
    );
    t.push({ ...answered, ok: answered.ok && all });
    t.push(
      target(
        "the same: peak RSS during those rounds",
        [accounts.peakRssMb],
        "MB",
        { below: 300 },
        "not measured",
      ),
    );
  }
  return t;
}

const cell = (n: number | null) => (n === null ? "-" : String(Math.round(n * 100) / 100));

/** The markdown table of the targets. */
export function targetsTable(targets: Target[]): string {
  const rows = targets.map(
    (t) =>
      `| ${t.figure} | ${t.before ?? ""} | **${cell(t.median)}** ${t.unit}${t.runs.length > 1 ? ` (runs: ${t.runs.map(cell).join(", ")})` : ""} | ${t.target} | ${t.ok ? "yes" : "**no**"} |`,
  );
  return `| figure | before (#20) | median of the rounds | target | met |\n| --- | --- | --- | --- | --- |\n${rows.join("\n")}`;
}

/** The same for a terminal. */
export function targetsText(targets: Target[]): string {
  const w = Math.max(...targets.map((t) => t.figure.length));
  return targets
    .map(
      (t) =>
        `${t.figure.padEnd(w)}  ${cell(t.median).padStart(8)} ${t.unit.padEnd(9)} ${t.target.padEnd(8)} ${t.ok ? "met" : "NOT met"}  runs ${t.runs.map(cell).join(", ")}`,
    )
    .join("\n");
}
