/**
 * Idle RSS of the real daemon: `wxagent start --agent echo --no-sim` as its own process, in a
 * temporary `$WXAGENT_HOME` with one simulator account, read from /proc 5 s after start and again
 * once it has been idle for 30 s. The two differ by V8's young generation: start-up (module
 * loading) grows it to its 16 MB cap, and V8's memory reducer hands it back once allocation has
 * stayed low for a while (measured: 16 MB of new space at 5 s, 1 MB at 30 s). The settled figure
 * is the one a daemon shows for most of its life. Runs the compiled CLI (bin/wxagent.js) when dist/ is built, else the source
 * through tsx (whose loader adds memory of its own; the result says which). `npx tsx bench/cli-rss.ts [runs]`
 * prints it alone.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface CliRss {
  /** After `idleMs` (30 s) of idling. */
  rssMb: number;
  /** 5 s after start. */
  rssEarlyMb?: number;
  from: "dist" | "tsx";
  idleMs: number;
}

function rssOf(pid: number | undefined): number | undefined {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return kb > 0 ? Math.round((kb / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined; // not Linux or already gone
  }
}

export function cliArgs(): { args: string[]; from: "dist" | "tsx" } {
  if (existsSync(join(root, "dist", "cli", "main.js")))
    return { args: [join(root, "bin", "wxagent.js")], from: "dist" };
  return { args: ["--import", "tsx", join(root, "src", "cli", "main.ts")], from: "tsx" };
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { cwd: root, env, stdio: "ignore" });
    p.once("exit", (code) => resolve(code ?? 1));
  });
}

export async function measureCliIdleRss(account: {
  base_url: string;
  cdn_base_url: string;
  token: string;
  account_id: string;
}): Promise<CliRss | undefined> {
  const home = mkdtempSync(join(tmpdir(), "wxagent-bench-cli-"));
  const env = { ...process.env, WXAGENT_HOME: home, WXAGENT_LOG_LEVEL: "warn" };
  const { args, from } = cliArgs();
  try {
    const added = await run(
      [
        ...args,
        "accounts",
        "add",
        "--base-url",
        account.base_url,
        "--cdn-base-url",
        account.cdn_base_url,
        "--token",
        account.token,
        "--account-id",
        account.account_id,
      ],
      env,
    );
    if (added !== 0) return undefined;
    const daemon = spawn(process.execPath, [...args, "start", "--agent", "echo", "--no-sim"], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    daemon.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!out.includes("wxagent is running") && Date.now() < deadline && daemon.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    const earlyMs = 5_000;
    const idleMs = Number(process.env.BENCH_RSS_IDLE_MS ?? 30_000);
    await new Promise((r) => setTimeout(r, earlyMs));
    const rssEarlyMb = rssOf(daemon.pid);
    await new Promise((r) => setTimeout(r, Math.max(0, idleMs - earlyMs)));
    const rssMb = rssOf(daemon.pid);
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
    return rssMb === undefined
      ? undefined
      : { rssMb, ...(rssEarlyMb === undefined ? {} : { rssEarlyMb }), from, idleMs };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// Run directly (`npx tsx bench/cli-rss.ts [runs]`): the figure alone, against a simulator in this process.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { startSimulator } = await import("../src/simulator/index.js");
  const running = await startSimulator({ port: 0, realism: false, seed: 7 });
  const res = await running.simulator.app.request("/sim/accounts", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: "rss" }),
  });
  const account = (await res.json()) as Parameters<typeof measureCliIdleRss>[0];
  for (let i = 0; i < Number(process.argv[2] ?? 3); i++) {
    process.stdout.write(`${JSON.stringify(await measureCliIdleRss(account))}\n`);
  }
  await running.close();
  process.exit(0);
}
