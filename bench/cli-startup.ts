/**
 * CLI start-up benchmark (`npm run bench:cli`, about a minute): how long short commands take
 * from `node bin/wxagent.js …` to exit, each run as its own process, as a person at a terminal
 * runs them. The compiled CLI (dist/, built by `npm run build`) in a temporary `$WXAGENT_HOME`
 * with one account and a config.json that sets a model but leaves `gateway` alone (the usual
 * home). `node -e 0` is measured beside it: Node's own start-up, the floor under every command.
 *
 * The cases take turns (one run of each, then the next round), so a burst of load from the
 * machine's other users lands on all of them alike; each figure is the median of the rounds.
 * CPU is the children's user + system time (Linux: the cutime/cstime of this process, in clock
 * ticks), averaged over the rounds. Target: `--help` and `status` under 200 ms.
 *
 * `--runs N` (default 21), `--bin PATH` (another checkout's bin/wxagent.js, to compare).
 * Prints a table, writes bench/results/cli.json and the CLI section of BENCHMARKS.md.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  busyPercent,
  type CliBench,
  machineInfo,
  stealPercent,
  stealSample,
  writeCliReport,
} from "./report.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const runs = Number(flag("--runs") ?? 21);
const bin = resolve(flag("--bin") ?? join(root, "bin", "wxagent.js"));
const TARGET_MS = 200;

if (!existsSync(join(dirname(bin), "..", "dist", "cli", "main.js"))) {
  process.stderr.write(`${bin}: dist/ is missing; run \`npm run build\` first\n`);
  process.exit(1);
}

const CASES: { name: string; args: string[]; target?: number }[] = [
  { name: "node -e 0", args: ["-e", "0"] },
  { name: "wxagent --help", args: [bin, "--help"], target: TARGET_MS },
  { name: "wxagent --version", args: [bin, "--version"] },
  { name: "wxagent status", args: [bin, "status"], target: TARGET_MS },
  { name: "wxagent status --json", args: [bin, "status", "--json"] },
  { name: "wxagent accounts", args: [bin, "accounts"] },
  { name: "wxagent contacts", args: [bin, "contacts"] },
  { name: "wxagent sim --help", args: [bin, "sim", "--help"] },
  { name: "wxagent start --help", args: [bin, "start", "--help"] },
];

/** The children's CPU time so far, in ms (Linux), from this process's /proc/self/stat. */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which may hold spaces) start at field 3; cutime is 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

function once(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; cpuMs?: number; code: number | null }> {
  return new Promise((done) => {
    const cpu0 = childrenCpuMs();
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: "ignore" });
    child.on("exit", (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu1 = childrenCpuMs();
      done({ ms, code, ...(cpu0 !== undefined && cpu1 !== undefined ? { cpuMs: cpu1 - cpu0 } : {}) });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const round1 = (x: number) => Math.round(x * 10) / 10;

const home = mkdtempSync(join(tmpdir(), "wxagent-bench-cli-"));
const env = { ...process.env, WXAGENT_HOME: home, WXAGENT_LOG_LEVEL: "warn" };
try {
  const add = await once(
    [bin, "accounts", "add", "--base-url", "http://127.0.0.1:9", "--token", "bench-token-0123456789"].concat([
      "--account-id",
      "bench@im.bot",
      "--owner",
      "owner@im.wechat",
    ]),
    env,
  );
  if (add.code !== 0) throw new Error("could not add the benchmark's account");
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({
      builtin: { provider: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", model: "m" },
    }),
  );
  for (const c of CASES) for (let i = 0; i < 2; i++) await once(c.args, env); // warm the page cache
  const samples = CASES.map(() => ({ ms: [] as number[], cpuMs: [] as number[], failed: 0 }));
  const load0 = loadavg()[0] ?? 0;
  const cpuBefore = stealSample();
  for (let r = 0; r < runs; r++) {
    for (const [i, c] of CASES.entries()) {
      const s = samples[i];
      if (!s) continue;
      const res = await once(c.args, env);
      s.ms.push(res.ms);
      if (res.cpuMs !== undefined) s.cpuMs.push(res.cpuMs);
      if (res.code !== 0) s.failed += 1;
    }
  }
  const report: CliBench = {
    bench: "cli",
    machine: await machineInfo(),
    bin: bin === join(root, "bin", "wxagent.js") ? "bin/wxagent.js" : bin,
    runs,
    loadAvg1m: round1(Math.max(load0, loadavg()[0] ?? 0)),
    busyPct: busyPercent(cpuBefore) ?? null,
    stealPct: stealPercent(cpuBefore) ?? null,
    cases: CASES.map((c, i) => {
      const s = samples[i] ?? { ms: [], cpuMs: [], failed: 0 };
      const medianMs = round1(median(s.ms));
      return {
        name: c.name,
        medianMs,
        minMs: round1(Math.min(...s.ms)),
        maxMs: round1(Math.max(...s.ms)),
        cpuMs: s.cpuMs.length ? round1(s.cpuMs.reduce((a, b) => a + b, 0) / s.cpuMs.length) : null,
        failed: s.failed,
        ...(c.target ? { targetMs: c.target, ok: medianMs < c.target } : {}),
      };
    }),
  };
  await writeCliReport(report);
} finally {
  rmSync(home, { recursive: true, force: true });
}
