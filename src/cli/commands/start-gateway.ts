/**
 * The gateway `wxagent start` runs: the chosen agent, the contacts' profiles (simulated accounts
 * answer everyone), media, and `createGateway`'s options from config.json and the start flags.
 */
// Direct imports, not the barrels: an echo gateway loads only what it runs (bench/cli-rss.ts).
import type { Agent } from "../../agent/types.js";
import type { Config } from "../../config/index.js";
import { createGateway, type Gateway, type GatewayLeases } from "../../gateway/gateway.js";
import { createILinkTransport } from "../../gateway/ilink-transport.js";
import { createAccessPolicy } from "../../gateway/policy/access.js";
import { profileResolver, type ResolvedProfile, resolveProfile } from "../../gateway/policy/profile.js";
import { type AsyncStore, toAsyncStore } from "../../store/async.js";
import type { Account, Store } from "../../store/types.js";
import { createLogger, errText, type Logger } from "../../util/logger.js";
import { type AgentChoice, type AgentKind, buildAgent, chooseAgent } from "../agents.js";
import { type MediaWiring, mediaWiring, migrateWorkspaces, unlockWiring } from "../gateway-wiring.js";
import type { OpenedHome } from "../home.js";

/** The start flags that shape the gateway. */
export interface GatewayFlags {
  agent?: AgentKind;
  echoDelayMs?: number;
  spacingMs?: number;
  maxTurns?: number;
  dmPolicy?: "open" | "allowlist" | "pairing" | "disabled";
}

export interface StartedGateway {
  choice: AgentChoice;
  agent: Agent;
  profileFor: (accountId: string) => ResolvedProfile;
  media: MediaWiring;
  /** Made, not started. */
  gateway: Gateway;
}

/** What `buildGateway` needs of the opened home; its store is SQLite's synchronous one or an async one. */
export type GatewayHome = Pick<OpenedHome, "config" | "paths"> & { store: Store | AsyncStore };

/**
 * Chooses and builds the agent (its workspaces migrated first), then makes the gateway for
 * `accounts`; with `leases` (a node of several), for the accounts whose leases it gains.
 */
export async function buildGateway(
  home: GatewayHome,
  flags: GatewayFlags,
  accounts: Account[],
  leases?: GatewayLeases,
): Promise<StartedGateway> {
  const { config, paths } = home;
  const store = toAsyncStore(home.store);
  const log = createLogger("cli:start");
  const choice = await chooseAgent(config, flags.agent);
  await migrateWorkspaces(store, paths, choice, log);
  const agent = await buildAgent({
    choice,
    config,
    paths,
    store,
    ...(flags.echoDelayMs !== undefined ? { echoDelayMs: flags.echoDelayMs } : {}),
  });
  const profileFor = simulatorAwareProfiles(config, store, accounts, flags.dmPolicy, log);
  const media = mediaWiring(config, paths, choice);
  const gateway: Gateway = createGateway({
    store,
    agent,
    transportFor: (a) => createILinkTransport(a, media.transport),
    media: media.media,
    languageFor: (id) => profileFor(id).language,
    // A node of several starts with none: each is started as its lease is gained.
    accountIds: leases ? [] : accounts.map((a) => a.id),
    maxTurns: flags.maxTurns ?? config.gateway.maxTurns,
    delivery: {
      chunkChars: config.gateway.chunkChars,
      spacingMs: flags.spacingMs ?? config.gateway.spacingMs,
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
          gateway.reportHome({
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
    ...(leases ? { leases } : {}),
  });
  return { choice, agent, profileFor, media, gateway };
}

/**
 * The simulator's people are all played by the user at the chat page: on a simulated account
 * answer every one of them, in direct chats and in groups (when @-mentioned), unless the config
 * or `--dm-policy` says otherwise. Real accounts keep their configured policies.
 */
export function simulatorAwareProfiles(
  config: Config,
  store: Pick<AsyncStore, "accounts">,
  accounts: Account[],
  dmPolicy: GatewayFlags["dmPolicy"],
  log: Logger,
): (accountId: string) => ResolvedProfile {
  const real = profileResolver(config, dmPolicy ? { dmPolicy } : {});
  // Asked several times per message, synchronously: whether an account is simulated is known
  // from the accounts the gateway starts with (an id is the simulator's or WeChat's for good).
  // One not among them (added while running, or leased by a node) counts as real until a store
  // read, started by the first ask, says otherwise; a read that finds no account, or fails, is
  // tried again at the next ask.
  const isSimulated = new Map<string, boolean>(accounts.map((a) => [a.id, a.simulated === true]));
  const reading = new Set<string>();
  const readAccount = (accountId: string): void => {
    if (reading.has(accountId)) return;
    reading.add(accountId);
    store.accounts.get(accountId).then(
      (account) => {
        reading.delete(accountId);
        if (account) isSimulated.set(accountId, account.simulated === true);
      },
      (err: unknown) => {
        reading.delete(accountId);
        log.warn({ accountId, err: errText(err) }, "could not read whether the account is simulated");
      },
    );
  };
  const simulated = new Map<string, ResolvedProfile>();
  return (accountId) => {
    const known = simulated.get(accountId);
    if (known) return known;
    const sim = isSimulated.get(accountId);
    if (sim === undefined) readAccount(accountId);
    if (!sim) return real(accountId);
    const own = config.accounts?.[accountId];
    const p = resolveProfile(config, accountId, {
      dmPolicy: dmPolicy ?? ((own?.dmPolicy ?? config.defaults?.dmPolicy) ? undefined : "open"),
      ...((own?.groupPolicy ?? config.defaults?.groupPolicy) ? {} : { groupPolicy: "open" as const }),
    });
    simulated.set(accountId, p);
    return p;
  };
}
