/**
 * What `wxagent mcp` opens before serving: the home, its config and store, the operations context
 * and, for accounts no other process polls, a local poller. Beside a running `wxagent start` the
 * gateway keeps polling its accounts; this process reads the same store and sends through the same
 * delivery rules. Alone, it polls them itself so wait_for_messages has something to wait for. On
 * a PostgreSQL store it never polls: the gateway nodes do, and it reads what they store.
 */
import { loadConfig } from "../config/index.js";
import { storeSetting } from "../config/store.js";
import type { DeliveryLimits } from "../gateway/delivery/index.js";
import { resolveProfile } from "../gateway/policy/profile.js";
import type { FetchLike } from "../ilink/client.js";
import { createOpsContext, type OpsContext } from "../ops/context.js";
import { type LocalPolling, startLocalPolling } from "../ops/polling.js";
import { type AsyncStore, asyncStore } from "../store/async.js";
import { ensureHome, type HomePaths, resolveHome } from "../store/home.js";
import { openStore } from "../store/sqlite.js";
import { createLogger, type Logger } from "../util/logger.js";

export interface McpRuntimeOptions {
  /** Data directory (default `$WXAGENT_HOME`, else `~/.wxagent`). */
  home?: string;
  /** Poll accounts that no other process polls (default true). */
  poll?: boolean;
  /** Overrides of the config file's delivery settings. */
  limits?: Partial<DeliveryLimits>;
  /** For iLink and QR-login calls (tests); default the global fetch. */
  fetch?: FetchLike;
  /** Written into the poller lock files (default "wxagent mcp"). */
  command?: string;
  logger?: Logger;
}

export interface McpRuntime {
  ctx: OpsContext;
  paths: HomePaths;
  /** The local poller, when polling is on. */
  polling: LocalPolling | undefined;
  /** Stop polling, abort sends and logins in flight, close the store. Idempotent. */
  close(): Promise<void>;
}

export async function openMcpRuntime(options: McpRuntimeOptions = {}): Promise<McpRuntime> {
  const paths = ensureHome(options.home ?? resolveHome());
  const config = loadConfig(paths.configPath);
  const setting = storeSetting(paths.configPath);
  // On PostgreSQL the gateway nodes poll every account (by lease): this process only reads and sends.
  const shared = setting.kind === "postgres";
  const store: AsyncStore = shared
    ? await (await import("../store/postgres.js")).openPostgresStore(setting.url, { maxConnections: 4 })
    : asyncStore(openStore(paths.dbPath));
  const logger = options.logger ?? createLogger("mcp");
  const g = config.gateway;
  const ctx = createOpsContext({
    store,
    paths,
    limits: {
      spacingMs: g.spacingMs,
      chunkChars: g.chunkChars,
      quotaPerToken: g.quotaPerToken,
      ...options.limits,
    },
    logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    mediaAllowHosts: config.media.allowHosts,
    languageFor: (id) => resolveProfile(config, id).language,
  });
  const polling =
    options.poll === false || shared
      ? undefined
      : startLocalPolling(ctx, { command: options.command ?? "wxagent mcp" });
  let closing: Promise<void> | undefined;
  return {
    ctx,
    paths,
    polling,
    close() {
      closing ??= (async () => {
        await polling?.stop();
        ctx.close();
        // Sends cut short by the abort above stay pending in the store; wait for them to settle.
        await ctx.delivery.idle();
        await store.close();
      })();
      return closing;
    },
  };
}
