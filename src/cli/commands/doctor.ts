import { accessSync, constants } from "node:fs";
import type { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import type { Config } from "../../config/index.js";
import { storeSetting } from "../../config/store.js";
import type { AccountJson } from "../../ops/json.js";
import { systemSandbox } from "../../shared/sandbox/index.js";
import { messageOf } from "../../shared/wx-error.js";
import { asyncStore } from "../../store/async.js";
import { type HomePaths, homePaths, openStore, resolveHome } from "../../store/index.js";
import { checkAgent } from "../agents.js";
import { lookupHome } from "../home.js";
import { printJson, writeText } from "../options.js";
import { postgresChecks } from "./doctor-postgres.js";
import { accountsJson, pollingText } from "./status.js";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** On a failed check, what fixes it; on a passed one, the next step worth taking. */
  fix?: string;
}

/** Node ≥ 20.19 (`require(esm)` and the engines field of package.json). */
export function nodeCheck(version: string = process.versions.node): Check {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return {
    name: "node",
    ok,
    detail: `Node ${version}`,
    ...(ok ? {} : { fix: "install Node 20.19 or newer" }),
  };
}

/** The home, not created: where it is, or why it cannot be used. */
function homeCheck(): { check: Check; paths?: HomePaths } {
  const home = resolveHome();
  let paths: HomePaths | undefined;
  try {
    paths = lookupHome();
  } catch (err) {
    return {
      check: {
        name: "home",
        ok: false,
        detail: messageOf(err),
        fix: "point WXAGENT_HOME at wxagent's data directory, or unset it for ~/.wxagent",
      },
    };
  }
  if (!paths) {
    return {
      check: {
        name: "home",
        ok: true,
        detail: `${home} (not created yet)`,
        fix: "`npm start` tries wxagent with the simulator; `wxagent login` connects WeChat",
      },
    };
  }
  try {
    accessSync(paths.home, constants.W_OK);
    return { check: { name: "home", ok: true, detail: paths.home }, paths };
  } catch (err) {
    return {
      check: {
        name: "home",
        ok: false,
        detail: `${paths.home}: ${messageOf(err)}`,
        fix: "set WXAGENT_HOME to a directory you can write",
      },
    };
  }
}

/** The database and, per account, what its poller achieves (recorded in the store by whoever polls). */
async function storeChecks(paths: HomePaths, quotaPerToken: number, signal: AbortSignal): Promise<Check[]> {
  const checks: Check[] = [];
  try {
    const store = openStore(paths.dbPath);
    try {
      const accounts = await accountsJson(asyncStore(store), paths.home, quotaPerToken);
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
        if (a.simulated) {
          checks.push(await simulatedAccountCheck(a, signal));
          continue;
        }
        const error = a.poll_failures > 0 && a.last_error ? `; last error: ${a.last_error}` : "";
        checks.push({
          name: `account ${a.account}`,
          ok: a.state === "active" && a.polling !== "failing",
          detail: `${a.state}, polling ${pollingText(a)}${error}`,
          ...(a.fix ? { fix: a.fix } : {}),
        });
      }
    } finally {
      void store.close();
    }
  } catch (err) {
    checks.push({
      name: "database",
      ok: false,
      detail: messageOf(err),
      fix: "check permissions of the file, or move it aside to start afresh",
    });
  }
  return checks;
}

/** Which store the settings name, or the check that says they are wrong. */
function storeCheck(configPath: string): "sqlite" | "postgres" | Check {
  try {
    return storeSetting(configPath).kind;
  } catch (err) {
    return {
      name: "store",
      ok: false,
      detail: (err as Error).message,
      fix: 'set "store" to "sqlite" or a postgres:// URL',
    };
  }
}

/** Every check `wxagent doctor` runs, in order; each says what is wrong and how to fix it. */
export async function runChecks(signal: AbortSignal): Promise<Check[]> {
  const checks: Check[] = [nodeCheck()];
  const home = homeCheck();
  checks.push(home.check);
  if (!home.check.ok) return checks;

  const paths = home.paths ?? homePaths(resolveHome());
  let config: Config | undefined;
  try {
    const { loadConfig } = await import("../../config/load.js");
    config = loadConfig(paths.configPath);
    checks.push({ name: "config", ok: true, detail: paths.configPath });
  } catch (err) {
    checks.push({
      name: "config",
      ok: false,
      detail: messageOf(err),
      fix: err instanceof ConfigError ? "correct the keys named above" : "check the file",
    });
  }

  const store = storeCheck(paths.configPath);
  if (typeof store === "object") checks.push(store);
  else if (store === "postgres") {
    const s = storeSetting(paths.configPath);
    if (s.kind === "postgres") checks.push(...(await postgresChecks(s.url, s.from)));
  } else if (home.paths) {
    checks.push(...(await storeChecks(home.paths, config?.gateway.quotaPerToken ?? 10, signal)));
  }
  if (config) checks.push(...(await checkAgent(config, paths, signal)));
  checks.push(await checkSandbox(config?.agent ?? (config?.builtin ? "builtin" : undefined)));
  return checks;
}

/**
 * An account of a simulator: its session lives in the simulator's memory. Once the simulator is
 * gone the account is dead for good, and the next `wxagent start` forgets it by itself.
 */
async function simulatedAccountCheck(a: AccountJson, signal: AbortSignal): Promise<Check> {
  const { simulatorGone } = await import("../../ops/simulator.js");
  const gone = a.poller ? undefined : await simulatorGone({ id: a.account, baseUrl: a.base_url }, { signal });
  const where = `simulated on ${a.base_url}`;
  if (gone) {
    return {
      name: `account ${a.account}`,
      ok: true,
      detail: `${where}; ${gone}`,
      fix: "`npm start` (or `wxagent start`) forgets it and starts a new simulator when no other account is logged in",
    };
  }
  const error = a.poll_failures > 0 && a.last_error ? `; last error: ${a.last_error}` : "";
  return {
    name: `account ${a.account}`,
    ok: a.state === "active" && a.polling !== "failing",
    detail: `${a.state}, ${where}, polling ${pollingText(a)}${error}`,
    ...(a.fix ? { fix: a.fix } : {}),
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

/** Longer than any one check's own deadline (the ACP agent: 5 min to start, 1 min to answer). */
export const DOCTOR_BACKSTOP_MS = 10 * 60_000;

export function defineDoctor(cmd: Command): void {
  cmd
    .option("--json", "print {ok, checks: [{name, ok, detail, fix}]}")
    .action(async (opts: { json?: boolean }) => {
      // A backstop only: each check has its own deadline, and the ACP agent's first start may
      // need minutes (npx downloading it; cancelling that download breaks npx's copy).
      const checks = await runChecks(AbortSignal.timeout(DOCTOR_BACKSTOP_MS));
      if (opts.json) {
        printJson({
          ok: checks.every((c) => c.ok),
          checks: checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, fix: c.fix ?? null })),
        });
      } else {
        for (const c of checks) {
          writeText(`${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}\n`);
          if (!c.ok && c.fix) writeText(`    fix: ${c.fix}\n`);
          else if (c.ok && c.fix) writeText(`    next: ${c.fix}\n`);
        }
      }
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
