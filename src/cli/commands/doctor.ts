import { accessSync, constants } from "node:fs";
import type { Command } from "commander";
import { ConfigError, loadConfig } from "../../config/index.js";
import { expiredReason } from "../../gateway/poller.js";
import { simulatorGone } from "../../ops/simulator.js";
import { systemSandbox } from "../../shared/sandbox/index.js";
import { ensureHome, homePaths, liveTokenLock, openStore, resolveHome } from "../../store/index.js";
import type { Account } from "../../store/types.js";
import { checkAgent } from "../agents.js";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** Every check `wxagent doctor` runs, in order; each says what is wrong and how to fix it. */
export async function runChecks(signal: AbortSignal): Promise<Check[]> {
  const checks: Check[] = [];
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  checks.push({
    name: "node",
    ok: major > 20 || (major === 20 && minor >= 19),
    detail: `Node ${process.versions.node}`,
    fix: "install Node 20.19 or newer",
  });

  const home = resolveHome();
  try {
    ensureHome(home);
    accessSync(home, constants.W_OK);
    checks.push({ name: "home", ok: true, detail: home });
  } catch (err) {
    checks.push({
      name: "home",
      ok: false,
      detail: `${home}: ${(err as Error).message}`,
      fix: "set WXAGENT_HOME to a writable directory",
    });
    return checks;
  }
  const paths = homePaths(home);

  let config: ReturnType<typeof loadConfig> | undefined;
  try {
    config = loadConfig(paths.configPath);
    checks.push({ name: "config", ok: true, detail: paths.configPath });
  } catch (err) {
    checks.push({
      name: "config",
      ok: false,
      detail: (err as Error).message,
      fix: err instanceof ConfigError ? "correct the keys named above" : "check the file",
    });
  }

  try {
    const store = openStore(paths.dbPath);
    try {
      const accounts = store.accounts.list();
      checks.push({ name: "database", ok: true, detail: `${paths.dbPath} (${accounts.length} accounts)` });
      if (accounts.length === 0) {
        checks.push({
          name: "accounts",
          ok: true,
          detail: "no WeChat account yet (npm start runs the simulator)",
          fix: "run `wxagent login` to connect WeChat",
        });
      }
      for (const a of accounts) {
        const lock = liveTokenLock(home, a.token || a.id);
        const polling = lock ? `, polled by pid ${lock.pid}` : "";
        if (a.simulated) {
          checks.push(await simulatedAccountCheck(a, polling, signal));
          continue;
        }
        checks.push({
          name: `account ${a.id}`,
          ok: a.state === "active",
          detail: `${a.state}${a.stateReason ? `: ${a.stateReason}` : ""}${polling}`,
          ...(a.state === "active" ? {} : { fix: "run `wxagent login` to scan a new QR code" }),
        });
      }
    } finally {
      store.close();
    }
  } catch (err) {
    checks.push({
      name: "database",
      ok: false,
      detail: (err as Error).message,
      fix: "check permissions of the file, or move it aside to start afresh",
    });
  }

  if (config) checks.push(...(await checkAgent(config, paths, signal)));
  checks.push(await checkSandbox(config?.agent ?? (config?.builtin ? "builtin" : undefined)));
  return checks;
}

/**
 * An account of a simulator: its session lives in the simulator's memory. Once the simulator is
 * gone the account is dead for good, and the next `wxagent start` forgets it by itself.
 */
async function simulatedAccountCheck(a: Account, polling: string, signal: AbortSignal): Promise<Check> {
  const gone = polling ? undefined : await simulatorGone(a, { signal });
  const where = `simulated on ${a.baseUrl}`;
  if (gone) {
    return {
      name: `account ${a.id}`,
      ok: true,
      detail: `${where}; ${gone}`,
      fix: "`npm start` (or `wxagent start`) forgets it and starts a new simulator when no other account is logged in",
    };
  }
  const active = a.state === "active";
  return {
    name: `account ${a.id}`,
    ok: active,
    detail: `${a.state}, ${where}${polling}`,
    ...(active ? {} : { fix: a.stateReason ?? expiredReason(a) }),
  };
}

/**
 * The OS sandbox of run_command and ACP agents, proven by running a trivial command in it.
 * Missing is a failure when an agent that runs commands is configured, a note otherwise.
 */
export async function checkSandbox(agent: string | undefined): Promise<Check> {
  const s = await systemSandbox();
  if (s.available) {
    const { memory, processes } = s.sandbox.enforced;
    const limits = [memory ? "memory" : "", processes ? "processes" : ""].filter(Boolean).join(", ");
    const held = limits ? `limits held: ${limits}` : "no memory or process limit here";
    const unheld =
      !processes && process.platform === "linux"
        ? " (the process limit does not hold for root without a writable pids cgroup: run the gateway as an ordinary user)"
        : "";
    return {
      name: "sandbox",
      ok: true,
      detail: `${s.sandbox.description}: a test command ran sandboxed; ${held}${unheld}`,
    };
  }
  const runsCommands = agent === "builtin" || agent === "acp";
  return {
    name: "sandbox",
    ok: !runsCommands,
    detail: `${s.reason}: run_command is refused for every contact but the owner`,
    fix: s.fix,
  };
}

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("a checklist of what is wrong and how to fix it")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const checks = await runChecks(AbortSignal.timeout(30_000));
      if (opts.json) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      else {
        for (const c of checks) {
          process.stdout.write(`${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}\n`);
          if (!c.ok && c.fix) process.stdout.write(`    fix: ${c.fix}\n`);
          else if (c.ok && c.fix) process.stdout.write(`    next: ${c.fix}\n`);
        }
      }
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
