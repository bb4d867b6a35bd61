import type { Command } from "commander";
// Direct imports, not the barrels: an echo gateway loads only what it runs (bench/cli-rss.ts).
import { createBufferedLogger, LogBuffer } from "../../admin/log-buffer.js";
import { adminUrl, type FetchApp, startAdminServer } from "../../admin/server.js";
import type { Config } from "../../config/index.js";
import type { Gateway } from "../../gateway/gateway.js";
import type { ResolvedProfile } from "../../gateway/policy/profile.js";
import { createHistoryPruner, type HistoryPruner } from "../../gateway/retention.js";
import { ensureAdminToken } from "../../ops/token.js";
import type { AsyncStore } from "../../store/async.js";
import type { Account } from "../../store/types.js";
import { createLogger, setLogger } from "../../util/logger.js";
import { type AccountWatch, watchAccounts } from "../account-watch.js";
import { lazyAdmin } from "../admin-lazy.js";
import { CliError, usage } from "../errors.js";
import { retentionFrom } from "../gateway-wiring.js";
import { type OpenedHome, openHome } from "../home.js";
import { intOption, listenError, portOption, writeText } from "../options.js";
import { onShutdown } from "../signals.js";
import type { EmbeddedSimulator } from "../sim-embed.js";
import { forgetGoneSimulatorAccounts, retireOldSimHome } from "../sim-home.js";
import { type ClusterNode, clusterNode } from "./start-cluster.js";
import { buildGateway, type GatewayFlags } from "./start-gateway.js";

export interface StartOptions extends GatewayFlags {
  account?: string[];
  sim?: boolean;
  simPort?: number;
  adminPort?: number;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function defineStart(cmd: Command): void {
  cmd
    .option(
      "--agent <kind>",
      "echo | builtin | acp (default: config, else built-in when a model is found, else echo)",
    )
    .option("--account <id>", "only this account (repeatable)", collect)
    .option("--echo-delay-ms <ms>", "the echo agent's delay (benchmarks)", intOption("--echo-delay-ms"))
    .option(
      "--spacing-ms <ms>",
      "least gap between bubbles to one contact (default 1000)",
      intOption("--spacing-ms"),
    )
    .option("--max-turns <n>", "bound on agent turns running at once", intOption("--max-turns", 1))
    .option("--dm-policy <policy>", "open | allowlist | pairing | disabled, for every account")
    .option("--sim", "run against the embedded simulator even when accounts exist")
    .option("--no-sim", "never start the embedded simulator")
    .option(
      "--sim-port <port>",
      "port of the embedded simulator (default 8790, else any free port)",
      portOption("--sim-port"),
    )
    .option(
      "--admin-port <port>",
      "port of the admin UI and REST API (default: config admin.port, 8791; 0 = any free port)",
      portOption("--admin-port"),
    )
    .action(async (opts: StartOptions) => {
      if (opts.agent && !["echo", "builtin", "acp"].includes(opts.agent)) {
        throw usage(`--agent must be echo, builtin or acp (got "${opts.agent}")`);
      }
      if (opts.dmPolicy && !["open", "allowlist", "pairing", "disabled"].includes(opts.dmPolicy)) {
        throw usage(`--dm-policy must be open, allowlist, pairing or disabled (got "${opts.dmPolicy}")`);
      }
      await runStart(opts);
    });
}

async function runStart(opts: StartOptions): Promise<void> {
  // Every component logs through this one logger: stderr, plus the admin UI's Logs page.
  const logBuffer = new LogBuffer();
  setLogger(createBufferedLogger(logBuffer));
  const home = await openHome({ groupCommit: true });
  const { store, config, paths } = home;
  const say = (line: string) => process.stderr.write(`wxagent: ${line}\n`);
  let sim: EmbeddedSimulator | undefined;
  let gateway: Gateway | undefined;
  let pruner: HistoryPruner | undefined;
  let watch: AccountWatch | undefined;
  let node: ClusterNode | undefined;
  try {
    if (home.postgres) {
      if (opts.sim === true) {
        throw usage(
          `--sim runs the embedded simulator, whose accounts live only as long as this process: not on a shared PostgreSQL store (${home.postgres.where}). Run \`wxagent sim\` and add its account with \`wxagent accounts add\`, or start without --sim`,
        );
      }
      node = clusterNode(home.postgres.store, config.cluster, opts.account, say);
    } else {
      await tidySimulatedAccounts(home, say);
      sim = await startSimulatorIfWanted(home, opts, () => watch?.check());
    }
    const accounts = await selectAccounts(home, opts.account);
    if (accounts.length === 0 && opts.account?.length) {
      throw new CliError(
        "no active account among --account: `wxagent status` shows why; `wxagent login` fixes an expired one",
      );
    }

    const built = await buildGateway(home, opts, accounts, node?.leases);
    const { choice, agent, profileFor, media } = built;
    gateway = built.gateway;
    const gw = gateway;
    if (!node) {
      const w = watchAccounts({ store, home: paths.home, gateway: gw, only: opts.account, say });
      watch = w;
      for (const a of accounts) w.lock(a);
    }
    sayExpiries(gw, store, say);
    await gw.start();
    node?.start(gw);
    pruner = startPruner(home);
    const prune = pruner;
    const { token, adminApp, admin } = await startAdmin({
      home,
      gateway: gw,
      // A QR login in the admin UI is polled the moment it is saved (on PostgreSQL: by the node
      // whose share it falls in, at the next lease round).
      onAccountSaved: () => watch?.check(),
      profileFor,
      logBuffer,
      sim,
      adminPort: opts.adminPort,
    });
    printBanner({
      admin: adminLine(admin.url, token, paths.adminTokenPath, process.stdout.isTTY === true),
      accounts,
      agentLine: `${choice.kind} (${choice.why})`,
      sim,
      config,
      ...(node && home.postgres ? { node: { id: node.nodeId, where: home.postgres.where } } : {}),
      ...(media.transcriptionHost ? { voiceHost: media.transcriptionHost } : {}),
    });

    watch?.start();
    const w = watch;
    const n = node;
    onShutdown(async () => {
      w?.stop();
      process.stderr.write("wxagent: stopping (Ctrl-C again to exit at once)…\n");
      await prune.stop();
      const report = await gw.stop({ drainTimeoutMs: config.gateway.drainTimeoutMs });
      // After the drain: what this node leaves unfinished is replayed by the next holder.
      await n?.stop();
      process.stderr.write(`wxagent: stopped ${JSON.stringify(report)}\n`);
      await admin.close();
      adminApp.close();
      w?.release();
      await agent.close?.();
      if (sim) await retireEmbeddedAccounts(store, sim.simulator.url);
      await store.close();
      await sim?.close();
    });
  } catch (err) {
    // A later step failed (the admin port, say): stop what already runs before leaving.
    await pruner?.stop();
    watch?.stop();
    await gateway?.stop({ drainTimeoutMs: 0 }).catch(() => undefined);
    await node?.stop();
    watch?.release();
    if (sim) await retireEmbeddedAccounts(store, sim.simulator.url);
    await store.close();
    await sim?.close();
    throw err;
  }
}

/**
 * The embedded simulator, with `--sim`, or when there is no active account and no `--account`
 * (`--no-sim`: never). In the same home as every other account: the CLI in another terminal sees
 * this session.
 */
async function startSimulatorIfWanted(
  home: OpenedHome,
  opts: StartOptions,
  onAccount: () => void,
): Promise<EmbeddedSimulator | undefined> {
  const active = (await home.store.accounts.list()).filter((a) => a.state === "active");
  const wanted = opts.sim === true || (opts.sim !== false && active.length === 0 && !opts.account?.length);
  if (!wanted) return undefined;
  // Loaded only here: a gateway with accounts of its own never holds the simulator.
  const { startEmbeddedSimulator } = await import("../sim-embed.js");
  return startEmbeddedSimulator(home.store, { port: opts.simPort, onAccount });
}

/** An account whose session expired is named on stderr, with whether polling resumes. */
function sayExpiries(gateway: Gateway, store: AsyncStore, say: (line: string) => void): void {
  gateway.on((event) => {
    if (event.type !== "expired") return;
    store.accounts.get(event.accountId).then(
      (account) => {
        const resumes = account?.simulated ? "" : "; polling resumes by itself";
        say(`account ${event.accountId}: ${event.reason}${resumes}`);
      },
      () => say(`account ${event.accountId}: ${event.reason}`),
    );
  });
}

/** Retire `<home>/sim/` of an older wxagent, and forget simulated accounts whose simulator is gone. */
async function tidySimulatedAccounts(home: OpenedHome, say: (line: string) => void): Promise<void> {
  const old = retireOldSimHome(home.paths.home);
  if (old?.kind === "removed")
    say(`removed ${old.dir}: the simulator's session now lives in ${home.paths.home}`);
  if (old?.kind === "moved") {
    say(
      `moved ${old.dir} to ${old.to}: the simulator's session now lives in ${home.paths.home}; the files of earlier simulated chats are kept there (delete the folder when you no longer need them)`,
    );
  }
  for (const f of await forgetGoneSimulatorAccounts(home.store, home.paths.home)) {
    say(`forgot simulated account ${f.accountId}: ${f.why} (its chats went with it)`);
  }
}

/** The embedded simulator stops with this process: its accounts say so until the next start forgets them. */
async function retireEmbeddedAccounts(store: AsyncStore, simUrl: string): Promise<void> {
  try {
    for (const a of await store.accounts.list()) {
      if (a.simulated && a.baseUrl === simUrl && a.state !== "disabled") {
        await store.accounts.setState(
          a.id,
          "disabled",
          "its simulator stopped with `wxagent start`; the next `npm start` makes a new one and forgets this account",
        );
      }
    }
  } catch {
    // The store may already be unusable when a start fails early: nothing to mark then.
  }
}

/** The history pruner of config.json's `history`, started. */
function startPruner(home: OpenedHome): HistoryPruner {
  const pruner = createHistoryPruner({
    store: home.store,
    mediaDir: home.paths.mediaDir,
    logger: createLogger("retention"),
    ...retentionFrom(home.config.history),
  });
  pruner.start();
  return pruner;
}

/**
 * The admin UI and REST API, on loopback behind the token in <home>/admin-token; built on the
 * first request (cli/admin-lazy.ts).
 */
async function startAdmin(o: {
  home: OpenedHome;
  gateway: Gateway;
  onAccountSaved: () => void;
  profileFor: (accountId: string) => ResolvedProfile;
  logBuffer: LogBuffer;
  sim: EmbeddedSimulator | undefined;
  adminPort: number | undefined;
}) {
  const { store, config, paths } = o.home;
  const token = ensureAdminToken(paths);
  const adminApp = lazyAdmin({
    ops: {
      store,
      paths,
      limits: {
        chunkChars: config.gateway.chunkChars,
        spacingMs: config.gateway.spacingMs,
        quotaPerToken: config.gateway.quotaPerToken,
      },
      mediaAllowHosts: config.media.allowHosts,
      // An account this node serves: sends join the gateway's queue for the contact.
      gatewayDelivery: (id) => o.gateway.deliveryFor(id),
      scheduleChanged: () => o.gateway.pokeSchedule(),
      languageFor: (id) => o.profileFor(id).language,
    },
    onAccountSaved: o.onAccountSaved,
    app: {
      token,
      config,
      gateway: o.gateway,
      logBuffer: o.logBuffer,
      ...(o.sim ? { simulatorUrl: o.sim.simulator.url } : {}),
    },
  });
  const admin = await startAdminOnPort(adminApp, o.adminPort ?? config.admin.port, o.adminPort !== undefined);
  return { token, adminApp, admin };
}

async function selectAccounts(home: OpenedHome, only: string[] | undefined): Promise<Account[]> {
  const all = await home.store.accounts.list();
  if (only?.length) {
    for (const id of only) {
      if (!all.some((a) => a.id === id)) throw new CliError(`no account "${id}" (see \`wxagent accounts\`)`);
    }
  }
  return all.filter((a) => a.state === "active" && (!only?.length || only.includes(a.id)));
}

/**
 * The configured admin port, or any free one when it is taken (a second gateway, say); a port
 * asked for with `--admin-port` is that port or a clear error.
 */
async function startAdminOnPort(app: FetchApp, port: number, exact: boolean) {
  try {
    return await startAdminServer({ app, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || port === 0 || exact) {
      throw listenError(err, port, "--admin-port");
    }
    return startAdminServer({ app, port: 0 });
  }
}

/**
 * The banner's admin line. On a terminal, the one-click link with the token; anywhere else
 * (a service manager, `> log`, a pipe) stdout ends up in files and journals that outlive the
 * session, so only the URL and where the token is.
 */
export function adminLine(baseUrl: string, token: string, tokenPath: string, terminal: boolean): string {
  if (terminal) return adminUrl(baseUrl, token);
  return `${baseUrl}/  (the token is in ${tokenPath}: open ${baseUrl}/?token=<token> once to log in)`;
}

function printBanner(o: {
  admin: string;
  accounts: Account[];
  agentLine: string;
  sim: EmbeddedSimulator | undefined;
  config: Config;
  /** On PostgreSQL: this node and the store it shares. */
  node?: { id: string; where: string };
  voiceHost?: string;
}) {
  const lines = ["", "wxagent is running."];
  if (o.node) {
    lines.push(
      "",
      `  node      ${o.node.id}, one of the nodes sharing ${o.node.where}`,
      "            It polls its share of the accounts; `wxagent status` shows which node polls which.",
    );
  }
  if (o.sim) {
    const alone = o.accounts.every((a) => a.simulated);
    lines.push(
      "",
      alone
        ? "  No WeChat account is logged in, so a local simulator plays WeChat:"
        : "  A local simulator plays WeChat beside your accounts:",
      `  ➜ Chat with your bot here:  ${o.sim.chatUrl}`,
      "",
      `  In a group made on that page, write @${o.sim.account.name ?? "wxagent"} to address the bot.`,
      "  (Connect real WeChat with `wxagent login`: this gateway polls the new account at once.)",
    );
  }
  lines.push("", `  admin UI  ${o.admin}`);
  if (o.accounts.length === 0)
    lines.push("  account   none yet: log in from the admin UI, or run `wxagent login`");
  else if (o.node) lines.push(`  accounts  ${o.accounts.length} active, shared among the live nodes`);
  lines.push(`  agent     ${o.agentLine}`);
  if (o.agentLine.startsWith("echo")) {
    lines.push(
      '            To answer with a model, add "builtin": {"provider", "baseUrl", "model", "apiKeyEnv"} to config.json,',
    );
    lines.push('            or run Ollama locally (see README, "The built-in agent").');
  }
  if (o.voiceHost) lines.push(`  voice     transcribed by ${o.voiceHost}`);
  for (const a of o.node ? [] : o.accounts)
    lines.push(
      `  account   ${a.id}${a.ownerUserId ? ` (owner ${a.ownerUserId})` : ""}${a.simulated ? " on the simulator" : ""}`,
    );
  lines.push("", "  Ctrl-C stops it.", "");
  writeText(`${lines.join("\n")}\n`);
}
