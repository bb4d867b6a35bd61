/**
 * The real `wxagent` command line as a child process (from source through tsx, so no build is
 * needed), in a temporary `$WXAGENT_HOME`, against a simulator listening on loopback.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { PgTestDb } from "../../src/store/postgres-server.test-util.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAIN = join(root, "src", "cli", "main.ts");
const run = promisify(execFile);

export interface CliHome {
  home: string;
  env: NodeJS.ProcessEnv;
  remove(): void;
}

// Any free port for the admin UI, so parallel test files never collide on 8791; the default
// per-contact and per-account rate limits (10 and 120 a minute) would refuse a test burst.
const unlimited = { count: 100_000, windowMs: 60_000 };
export const BURST_CONFIG = {
  admin: { port: 0 },
  defaults: { dmPolicy: "open", rateLimit: { perContact: unlimited, perAccount: unlimited } },
};

/** `wxagent start` as the suites run it: the echo agent, no embedded simulator, no spacing, anyone may write. */
export const ECHO_START_ARGS: readonly string[] = [
  "--agent",
  "echo",
  "--no-sim",
  "--spacing-ms",
  "0",
  "--dm-policy",
  "open",
];

/**
 * The admin UI line of `wxagent start`'s banner when stdout is a pipe: its URL and the file that
 * holds its token (the token itself is never printed there). Undefined without one.
 */
export function adminFromBanner(stdout: string): { url: string; tokenPath: string } | undefined {
  const m = /admin UI\s+(http:\/\/127\.0\.0\.1:\d+)\/ +\(the token is in (\S+):/.exec(stdout);
  return m?.[1] && m[2] ? { url: m[1], tokenPath: m[2] } : undefined;
}

/** Poll `check` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A fresh home whose store is `db` (emptied first; `WXAGENT_STORE`), or SQLite in the home when
 * none. On PostgreSQL every `start` is a node with a 3 s lease, renewed each second: a node
 * started after a `kill -9` takes the account over once the dead one's lease lapses.
 */
export async function storeHome(db: PgTestDb | undefined): Promise<CliHome> {
  if (!db) return tempHome();
  await db.reset();
  const home = tempHome({ ...BURST_CONFIG, cluster: { leaseTtlMs: 3_000, renewMs: 1_000 } });
  home.env.WXAGENT_STORE = db.url;
  return home;
}

/** A fresh `$WXAGENT_HOME` with `config` as its config.json (default: for bursts of test traffic). */
export function tempHome(config: Record<string, unknown> = BURST_CONFIG): CliHome {
  const home = mkdtempSync(join(tmpdir(), "wxagent-cli-"));
  writeFileSync(join(home, "config.json"), `${JSON.stringify(config)}\n`);
  return {
    home,
    env: { ...process.env, WXAGENT_HOME: home, WXAGENT_LOG_LEVEL: "warn", NO_COLOR: "1" },
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** Run one command to completion. Never throws on a non-zero exit: the caller asserts the code. */
export async function wxagent(
  h: CliHome,
  args: string[],
  timeoutMs = 30_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", MAIN, ...args], {
      cwd: root,
      env: h.env,
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** `wxagent accounts add` for a simulator bot (no QR): what every CLI-level suite starts with. */
export function addSimAccount(
  h: CliHome,
  simUrl: string,
  bot: { token: string; account_id: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return wxagent(h, [
    "accounts",
    "add",
    "--base-url",
    simUrl,
    "--cdn-base-url",
    `${simUrl}/c2c`,
    "--token",
    bot.token,
    "--account-id",
    bot.account_id,
  ]);
}

export interface Daemon {
  proc: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  stdout(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/** `wxagent start …` in the background; resolves once it printed its banner (or exited). */
export async function startDaemon(
  h: CliHome,
  args: readonly string[],
  readyTimeoutMs = 30_000,
): Promise<Daemon> {
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN, "start", ...args], {
    cwd: root,
    env: h.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    proc.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const daemon: Daemon = { proc, stderr: () => err, stdout: () => out, exited };
  const deadline = Date.now() + readyTimeoutMs;
  while (!out.includes("wxagent is running")) {
    if (proc.exitCode !== null || proc.signalCode !== null) return daemon;
    if (Date.now() > deadline) throw new Error(`wxagent start not ready after ${readyTimeoutMs} ms:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return daemon;
}

/** SIGKILL and wait for the exit (the crash case: no handler runs). */
export async function kill9(d: Daemon): Promise<void> {
  if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill("SIGKILL");
  await d.exited;
}

/** SIGTERM (graceful stop), then SIGKILL after `graceMs`. Returns the exit code. */
export async function stopDaemon(d: Daemon, graceMs = 15_000): Promise<number | string> {
  if (d.proc.exitCode !== null || d.proc.signalCode !== null) return d.exited;
  d.proc.kill("SIGTERM");
  const timer = setTimeout(() => d.proc.kill("SIGKILL"), graceMs);
  const code = await d.exited;
  clearTimeout(timer);
  return code;
}
