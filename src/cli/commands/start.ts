import type { Command } from "commander";
import {
  adminUrl,
  createAdminApp,
  createBufferedLogger,
  LogBuffer,
  startAdminServer,
} from "../../admin/index.js";
import type { Config } from "../../config/index.js";
import { createGateway, createILinkTransport, type Gateway } from "../../gateway/index.js";
import { createAccessPolicy, profileResolver } from "../../gateway/policy/index.js";
import { createOpsContext, ensureAdminToken } from "../../ops/index.js";
import { acquireTokenLock, isStoreError, type TokenLock } from "../../store/index.js";
import type { Account } from "../../store/types.js";
import { setLogger } from "../../util/logger.js";
import { type AgentKind, buildAgent, chooseAgent } from "../agents.js";
import { CliError, usage } from "../errors.js";
import { mediaWiring, unlockWiring } from "../gateway-wiring.js";
import { type OpenedHome, openHome } from "../home.js";
import { intOption } from "../options.js";
import { onShutdown } from "../signals.js";
import { type EmbeddedSimulator, startEmbeddedSimulator } from "../sim-embed.js";

export interface StartOptions {
  agent?: AgentKind;
  account?: string[];
  echoDelayMs?: number;
  spacingMs?: number;
  maxTurns?: number;
  dmPolicy?: "open" | "allowlist" | "pairing" | "disabled";
  sim?: boolean;
  simPort?: number;
}

/** How often a running gateway looks for re-logins and new accounts in the store. */
const ACCOUNT_WATCH_MS = 2000;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerStart(program: Command): void {
  program
    .command("start")
    .description("the gateway daemon: one long-poll per account, one agent turn per inbound message")
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
      intOption("--sim-port"),
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
  let home = openHome({ groupCommit: true });
  const realAccounts = home.store.accounts.list().filter((a) => a.state === "active");
  let sim: EmbeddedSimulator | undefined;
  if (opts.sim === true || (opts.sim !== false && realAccounts.length === 0 && !opts.account?.length)) {
    await home.store.close();
    sim = await startEmbeddedSimulator(home, opts.simPort);
    home = sim.home;
  }
  const { store, config, paths } = home;
  const locks = new Map<string, TokenLock>();
  let gateway: Gateway | undefined;
  try {
    const accounts = selectAccounts(home, opts.account);
    if (accounts.length === 0 && opts.account?.length) {
      throw new CliError(
        "no active account among --account: `wxagent status` shows why; `wxagent login` fixes an expired one",
      );
    }
    for (const a of accounts) locks.set(a.id, lockAccount(paths.home, a));

    const choice = await chooseAgent(config, opts.agent);
    const agent = await buildAgent({
      choice,
      config,
      paths,
      store,
      ...(opts.echoDelayMs !== undefined ? { echoDelayMs: opts.echoDelayMs } : {}),
    });
    // The simulator's people are all played by the user at the chat page: answer every one of
    // them unless a policy was asked for (pairing would need `pairing approve` in the sim home).
    const dmPolicy = opts.dmPolicy ?? (sim && !config.defaults?.dmPolicy ? "open" : undefined);
    const profileFor = profileResolver(config, dmPolicy ? { dmPolicy } : {});
    const media = mediaWiring(config, paths, choice);
    gateway = createGateway({
      store,
      agent,
      transportFor: (a) => createILinkTransport(a, media.transport),
      media: media.media,
      accountIds: accounts.map((a) => a.id),
      maxTurns: opts.maxTurns ?? config.gateway.maxTurns,
      delivery: {
        chunkChars: config.gateway.chunkChars,
        spacingMs: opts.spacingMs ?? config.gateway.spacingMs,
        quotaPerToken: config.gateway.quotaPerToken,
        typingStartAfterMs: config.gateway.typingAfterMs,
      },
      dispatch: {
        sendQuota: config.gateway.quotaPerToken,
        ...(config.gateway.turnTimeoutMs ? { turnTimeoutMs: config.gateway.turnTimeoutMs } : {}),
        access: createAccessPolicy({
          store,
          profileFor,
          onPairingRequest: (r) =>
            gateway?.reportHome({
              kind: "pairing-request",
              accountId: r.accountId,
              subject: r.userId,
              text: `pairing request from ${r.userId}: run \`wxagent pairing approve ${r.code}\` (or approve it on the Contacts page)`,
            }),
        }),
        ...media.dispatch,
        unlock: unlockWiring(config, store),
      },
      schedule: {
        graceMs: config.schedule.graceMs,
        warnLeadMs: config.schedule.warnLeadMs,
        language: config.schedule.language,
        limits: {
          maxJobsPerContact: config.schedule.maxJobsPerContact,
          contactMinIntervalMs: config.schedule.contactMinIntervalMs,
          maxBodyChars: 4000,
        },
      },
      home: config.home,
    });
    const gw = gateway;
    gw.on((event) => {
      if (event.type === "expired") {
        process.stderr.write(
          `wxagent: account ${event.accountId} expired (-14): run \`wxagent login\` to scan a new QR code; polling resumes by itself\n`,
        );
      }
    });
    await gw.start();

    // The admin UI and REST API, on loopback behind the token in <home>/admin-token.
    const ops = createOpsContext({
      store,
      paths,
      limits: {
        chunkChars: config.gateway.chunkChars,
        spacingMs: config.gateway.spacingMs,
        quotaPerToken: config.gateway.quotaPerToken,
      },
      mediaAllowHosts: config.media.allowHosts,
      scheduleChanged: () => gw.pokeSchedule(),
    });
    const token = ensureAdminToken(paths);
    const adminApp = createAdminApp({
      ops,
      token,
      config,
      gateway: gw,
      logBuffer,
      ...(sim ? { simulatorUrl: sim.simulator.url } : {}),
    });
    const admin = await startAdminOnPort(adminApp, config.admin.port);
    printBanner({
      admin: adminLine(admin.url, token, paths.adminTokenPath, process.stdout.isTTY === true),
      accounts,
      agentLine: `${choice.kind} (${choice.why})`,
      sim,
      config,
      ...(media.transcriptionHost ? { voiceHost: media.transcriptionHost } : {}),
    });

    const watch = setInterval(() => watchAccounts(home, gw, locks, opts.account), ACCOUNT_WATCH_MS);
    onShutdown(async () => {
      clearInterval(watch);
      process.stderr.write("wxagent: stopping (Ctrl-C again to exit at once)…\n");
      const report = await gw.stop({ drainTimeoutMs: config.gateway.drainTimeoutMs });
      process.stderr.write(`wxagent: stopped ${JSON.stringify(report)}\n`);
      await admin.close();
      ops.close();
      for (const l of locks.values()) l.release();
      await agent.close?.();
      await store.close();
      await sim?.close();
    });
  } catch (err) {
    // A later step failed (the admin port, say): stop what already runs before leaving.
    await gateway?.stop({ drainTimeoutMs: 0 }).catch(() => undefined);
    for (const l of locks.values()) l.release();
    await store.close();
    await sim?.close();
    throw err;
  }
}

function selectAccounts(home: OpenedHome, only: string[] | undefined): Account[] {
  const all = home.store.accounts.list();
  if (only?.length) {
    for (const id of only) {
      if (!all.some((a) => a.id === id)) throw new CliError(`no account "${id}" (see \`wxagent accounts\`)`);
    }
  }
  return all.filter((a) => a.state === "active" && (!only?.length || only.includes(a.id)));
}

function lockAccount(home: string, a: Account): TokenLock {
  try {
    return acquireTokenLock(home, a.id, { token: a.token, command: "wxagent start" });
  } catch (err) {
    if (isStoreError(err, "ACCOUNT_LOCKED")) throw new CliError(err.message);
    throw err;
  }
}

/** Pick up re-logins (an expired account active again) and accounts added while running. */
function watchAccounts(
  home: OpenedHome,
  gw: Gateway,
  locks: Map<string, TokenLock>,
  only: string[] | undefined,
): void {
  const status = gw.status();
  for (const a of home.store.accounts.list()) {
    if (a.state !== "active" || (only?.length && !only.includes(a.id))) continue;
    const polled = status.accounts.find((s) => s.accountId === a.id);
    if (polled && !["expired", "stopped", "not-started"].includes(polled.polling)) continue;
    try {
      if (!locks.has(a.id)) locks.set(a.id, lockAccount(home.paths.home, a));
    } catch (err) {
      process.stderr.write(`wxagent: ${(err as Error).message}\n`);
      continue;
    }
    void gw.resume(a.id).then((ok) => {
      if (ok) process.stderr.write(`wxagent: account ${a.id} is polling again\n`);
    });
  }
}

/** The configured admin port, or any free one when it is taken (a second gateway, say). */
async function startAdminOnPort(app: Parameters<typeof startAdminServer>[0]["app"], port: number) {
  try {
    return await startAdminServer({ app, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || port === 0) throw err;
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
  voiceHost?: string;
}) {
  const lines = ["", "wxagent is running."];
  if (o.sim) {
    lines.push(
      "",
      "  No WeChat account is logged in, so a local simulator plays WeChat:",
      `  ➜ Chat with your bot here:  ${o.sim.chatUrl}`,
      "",
      "  (Connect real WeChat later with `wxagent login`.)",
    );
  }
  lines.push("", `  admin UI  ${o.admin}`);
  if (o.accounts.length === 0)
    lines.push("  account   none yet: log in from the admin UI, or run `wxagent login`");
  lines.push(`  agent     ${o.agentLine}`);
  if (o.agentLine.startsWith("echo")) {
    lines.push(
      '            To answer with a model, add "builtin": {"provider", "baseUrl", "model", "apiKeyEnv"} to config.json,',
    );
    lines.push('            or run Ollama locally (see README, "The built-in agent").');
  }
  if (o.voiceHost) lines.push(`  voice     transcribed by ${o.voiceHost}`);
  for (const a of o.accounts)
    lines.push(`  account   ${a.id}${a.ownerUserId ? ` (owner ${a.ownerUserId})` : ""}`);
  lines.push("", "  Ctrl-C stops it.", "");
  process.stdout.write(`${lines.join("\n")}\n`);
}
