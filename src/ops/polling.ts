/**
 * Polling for a process that runs without `wxagent start` (`wxagent mcp` alone): for every active
 * account no other process holds the poller lock for, take the lock and run the gateway's poller
 * with no agent. Messages land in the store (with their context tokens, and the contact's outbox
 * released) for the MCP client to read; they are marked done so a gateway started later does not
 * answer them as if they were new. Accounts polled elsewhere are left alone and looked at again
 * every few seconds (the other process may stop).
 */
import { createILinkTransport } from "../gateway/ilink-transport.js";
import { Poller } from "../gateway/poller.js";
import { messageOf } from "../shared/wx-error.js";
import { acquireTokenLock, type TokenLock } from "../store/lock.js";
import type { Account, InboundMessage } from "../store/types.js";
import type { OpsContext } from "./context.js";

export const RECHECK_MS = 5_000;
export const DONE_REASON = "received by `wxagent mcp` (no agent running): read it with recent_messages";

interface Running {
  token: string;
  poller: Poller;
  lock: TokenLock;
}

export interface LocalPolling {
  /** Accounts this process polls now. */
  polledHere(): string[];
  /** Look at the accounts again (start new ones, stop expired or removed ones). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalPollingOptions {
  /** Shown in the lock file to whoever finds the account taken. */
  command?: string;
  recheckMs?: number;
}

export function startLocalPolling(ctx: OpsContext, options: LocalPollingOptions = {}): LocalPolling {
  const log = ctx.logger.child({ part: "local-poller" });
  const running = new Map<string, Running>();
  const command = options.command ?? "wxagent mcp";
  let stopped = false;

  const stopOne = async (id: string, r: Running): Promise<void> => {
    running.delete(id);
    await r.poller.stopPulling();
    if (r.poller.status().state !== "expired") await r.poller.notifyStop();
    r.lock.release();
  };

  /** Messages the poller stored: marked done, their contact's outbox released, waiters woken. */
  const received = async (messages: readonly InboundMessage[]): Promise<void> => {
    try {
      for (const m of messages) {
        await ctx.store.inbound.setState(m.id, "done", DONE_REASON);
        const target = {
          accountId: m.accountId,
          userId: m.fromUserId,
          ...(m.contextToken ? { contextToken: m.contextToken } : {}),
        };
        // Starts recording the token at once; sending the contact's outbox goes on behind it.
        ctx.delivery.onInbound(target, ctx.signal).catch((err: unknown) => {
          log.warn({ accountId: m.accountId, err: messageOf(err) }, "outbox release failed");
        });
      }
    } finally {
      // Stored they are, whatever became of the marks: wait_for_messages returns them.
      ctx.inbox.notify();
    }
  };

  const startOne = (account: Account): void => {
    let lock: TokenLock;
    try {
      lock = acquireTokenLock(ctx.paths.home, account.id, { token: account.token, command });
    } catch (err) {
      // Another process (a running gateway) polls it: we read the store and send, nothing more.
      log.debug({ accountId: account.id, err: messageOf(err) }, "account polled elsewhere");
      return;
    }
    const transport = createILinkTransport(account, {
      ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
      logger: log.child({ accountId: account.id }),
    });
    const poller = new Poller({
      accountId: account.id,
      store: ctx.store,
      transport,
      now: ctx.now,
      logger: log,
      onMessages: (messages) => {
        // The callback is synchronous: the messages are marked done behind it (they stay pending
        // in the store when that fails, and a gateway started later answers them).
        void received(messages).catch((err: unknown) => {
          log.warn({ accountId: account.id, err: messageOf(err) }, "marking received messages done failed");
        });
      },
      onExpired: () => {
        // The poller stopped itself; free the lock so a re-login elsewhere can poll.
        const r = running.get(account.id);
        if (r) void stopOne(account.id, r);
      },
    });
    running.set(account.id, { token: account.token, poller, lock });
    // What a crash (or an interrupted send) left pending goes out now, with its recorded client_id.
    ctx.delivery.resumePending(account.id, ctx.signal).catch((err: unknown) => {
      log.warn({ accountId: account.id, err: messageOf(err) }, "resuming pending sends failed");
    });
    poller.start();
    log.info({ accountId: account.id }, "polling (no other process polls this account)");
  };

  const refresh = async (): Promise<void> => {
    if (stopped) return;
    const accounts = new Map((await ctx.store.accounts.list()).map((a) => [a.id, a]));
    if (stopped) return;
    for (const [id, r] of [...running]) {
      const a = accounts.get(id);
      if (a?.state !== "active" || a.token !== r.token) await stopOne(id, r);
    }
    for (const a of accounts.values()) {
      if (!stopped && a.state === "active" && !running.has(a.id)) startOne(a);
    }
  };

  // A look that fails (the store unreachable a moment) is logged; the next one comes within recheckMs.
  const look = (): void => {
    void refresh().catch((err: unknown) =>
      log.warn({ err: messageOf(err) }, "looking at the accounts failed"),
    );
  };
  const unsubscribe = ctx.onAccountSaved(look);
  const timer = setInterval(look, options.recheckMs ?? RECHECK_MS);
  timer.unref();
  look();

  return {
    polledHere: () => [...running.keys()],
    refresh,
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      await Promise.all([...running].map(([id, r]) => stopOne(id, r)));
    },
  };
}
