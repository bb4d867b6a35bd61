/**
 * What every operation runs over: the store, the home paths, an SDK client per account, the
 * gateway's delivery (so sends keep the same record-before-send, quota and outbox rules as the
 * gateway), a wake-up signal for new inbound messages, and the QR logins in progress.
 */

import {
  createDelivery,
  DEFAULT_DELIVERY_LIMITS,
  type Delivery,
  type DeliveryLimits,
  type OutboundTransport,
} from "../gateway/delivery/index.js";
import { createILinkTransport, type ILinkTransport } from "../gateway/ilink-transport.js";
import { expiredReason } from "../gateway/poller.js";
import type { FetchLike, ILinkClient } from "../ilink/client.js";
import type { Lang } from "../shared/i18n.js";
import { messageOf } from "../shared/wx-error.js";
import { type AsyncStore, toAsyncStore } from "../store/async.js";
import type { HomePaths } from "../store/home.js";
import type { Account, Store } from "../store/types.js";
import { createLogger, errText, type Logger } from "../util/logger.js";
import { OpsError } from "./errors.js";
import { InboxSignal } from "./inbox.js";
import { LoginRegistry } from "./login-registry.js";

export interface OpsContext {
  /** The store behind the async interface (SQLite wrapped, PostgreSQL as it is). */
  store: AsyncStore;
  paths: HomePaths;
  /** The SDK client of a stored account (cached per token). */
  clientFor(account: Account): ILinkClient;
  /** The context's own delivery (its queue per contact; polling mode sends through it too). */
  delivery: Delivery;
  /** The delivery a send to this account goes through: the process's gateway's while it serves the account, else `delivery`. */
  deliveryFor(accountId: string): Delivery;
  /** Sends allowed per context token (config `gateway.quotaPerToken`). */
  quotaPerToken: number;
  /** Wakes `wait_for_messages` when this process stores an inbound message. */
  inbox: InboxSignal;
  logins: LoginRegistry;
  /** Called after a QR login saved an account (the local poller picks it up). */
  onAccountSaved(listener: (accountId: string) => void): () => void;
  accountSaved(accountId: string): void;
  /** For QR login and iLink calls; default the global fetch. */
  fetch?: FetchLike;
  /** Config `media.allowHosts`: the CDN hosts the media URL policy trusts besides the account's own. */
  mediaAllowHosts?: readonly string[];
  /** A job was added or cancelled: the gateway in this process looks at the store now. */
  scheduleChanged?: () => void;
  /** Aborted by `close()`: sends and logins in flight stop. */
  signal: AbortSignal;
  now(): number;
  logger: Logger;
  close(): void;
}

export interface OpsContextOptions {
  /** A SQLite store (wrapped with `toAsyncStore`) or an async one. */
  store: Store | AsyncStore;
  paths: HomePaths;
  /** Delivery tuning, usually from config `gateway` (spacing, chunk size, quota). */
  limits?: Partial<DeliveryLimits>;
  fetch?: FetchLike;
  /** Config `media.allowHosts` (see OpsContext). */
  mediaAllowHosts?: readonly string[];
  /** The context's own delivery; default: a new one over iLink transports of the store. */
  delivery?: Delivery;
  /**
   * The running gateway's delivery for an account it serves (`gateway.deliveryFor`): the admin UI
   * and REST API of `wxagent start` send through it, so one per-contact queue orders every send.
   */
  gatewayDelivery?: (accountId: string) => Delivery | undefined;
  /** Called after a job is added or cancelled (the running gateway's `pokeSchedule`). */
  scheduleChanged?: () => void;
  /** The language of the delivery's own notes to an account's contacts (`resolveProfile(config, id).language`). */
  languageFor?: (accountId: string) => Lang;
  now?: () => number;
  logger?: Logger;
}

export function createOpsContext(options: OpsContextOptions): OpsContext {
  const { paths } = options;
  const store = toAsyncStore(options.store);
  const logger = options.logger ?? createLogger("ops");
  const now = options.now ?? Date.now;
  const abort = new AbortController();
  const limits: DeliveryLimits = { ...DEFAULT_DELIVERY_LIMITS, ...options.limits };
  const transports = new Map<string, { token: string; transport: ILinkTransport }>();

  const transportOf = (account: Account): ILinkTransport => {
    const cached = transports.get(account.id);
    if (cached && cached.token === account.token) return cached.transport;
    const transport = createILinkTransport(account, {
      ...(options.fetch ? { fetch: options.fetch } : {}),
      logger: logger.child({ part: "ilink", accountId: account.id }),
    });
    transports.set(account.id, { token: account.token, transport });
    return transport;
  };
  const accountOrThrow = async (accountId: string): Promise<Account> => {
    const account = await store.accounts.get(accountId);
    if (!account) {
      throw new OpsError(
        "UNKNOWN_ACCOUNT",
        `account ${accountId} is not in the store; run \`wxagent login\``,
      );
    }
    return account;
  };

  /**
   * Delivery asks for an account's transport synchronously, the store answers asynchronously: each
   * call looks the account up first (a new login's token gets a new transport; an account that is
   * gone fails the send with UNKNOWN_ACCOUNT, inside the send attempt as a sync lookup did).
   */
  const transportFor = (accountId: string): OutboundTransport => {
    const current = async () => transportOf(await accountOrThrow(accountId));
    return {
      sendText: async (args) => (await current()).sendText(args),
      sendFile: async (args) => (await current()).sendFile(args),
      typing: async (args) => (await current()).typing(args),
    };
  };
  const expire = async (accountId: string): Promise<void> => {
    const reason = expiredReason(await store.accounts.get(accountId));
    logger.error({ accountId }, `account ${accountId}: ${reason}`);
    await store.accounts.setState(accountId, "expired", reason);
  };

  const delivery =
    options.delivery ??
    createDelivery({
      store,
      transport: transportFor,
      limits,
      logger: logger.child({ part: "delivery" }),
      onSessionExpired: (accountId) => {
        // The callback is synchronous: the account is marked expired behind it (the bubbles stay pending).
        void expire(accountId).catch((err: unknown) =>
          logger.error({ accountId, err: errText(err) }, "could not record the expired session"),
        );
      },
      ...(options.languageFor ? { languageFor: options.languageFor } : {}),
    });

  const savedListeners = new Set<(accountId: string) => void>();
  const logins = new LoginRegistry({ logger: logger.child({ part: "login" }), now });

  return {
    store,
    paths,
    clientFor: (account) => transportOf(account).client,
    delivery,
    deliveryFor: (accountId) => options.gatewayDelivery?.(accountId) ?? delivery,
    quotaPerToken: limits.quotaPerToken,
    inbox: new InboxSignal(),
    logins,
    onAccountSaved(listener) {
      savedListeners.add(listener);
      return () => savedListeners.delete(listener);
    },
    accountSaved(accountId) {
      for (const l of savedListeners) {
        try {
          l(accountId);
        } catch (err) {
          logger.warn({ accountId, err: messageOf(err) }, "account-saved listener threw");
        }
      }
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.mediaAllowHosts ? { mediaAllowHosts: options.mediaAllowHosts } : {}),
    ...(options.scheduleChanged ? { scheduleChanged: options.scheduleChanged } : {}),
    signal: abort.signal,
    now,
    logger,
    close() {
      abort.abort(new Error("operations closed"));
      logins.close();
    },
  };
}
