/**
 * Idle RSS of the real daemon: `wxagent start --agent echo --no-sim` as its own process, in a
 * temporary `$WXAGENT_HOME` with one simulator account, read from /proc after it has been idle
 * for a few seconds. Runs the compiled CLI (bin/wxagent.js) when dist/ is built, else the source
 * through tsx (whose loader adds memory of its own; the result says which).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface CliRss {
  rssMb: number;
  from: "dist" | "tsx";
  idleMs: number;
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
    const idleMs = 5_000;
    await new Promise((r) => setTimeout(r, idleMs));
    let rssMb: number | undefined;
    try {
      const status = readFileSync(`/proc/${daemon.pid}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      if (kb > 0) rssMb = Math.round((kb / 1024) * 10) / 10;
    } catch {
      // not Linux or already gone
    }
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
    return rssMb === undefined ? undefined : { rssMb, from, idleMs };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
