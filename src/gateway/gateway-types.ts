/** Types of the gateway's public surface: its options, the Gateway itself, status, events, the stop report. */
import type { Agent } from "../agent/types.js";
import type { Lang } from "../shared/i18n.js";
import type { AsyncStore as Store } from "../store/async.js";
import type { Account, AccountState, InboundMessage, Store as SyncStore } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import type { PendingAsk } from "./asks.js";
import type { Clock, Delivery, DeliveryLimits, OutboundTransport } from "./delivery/index.js";
import type { DispatchEvent, DispatchOptions } from "./dispatcher.js";
import type { HomeEvent, HomeEventKind, HomeSettings } from "./home.js";
import type { BackoffOptions, PollerState, PollerStatus } from "./poller.js";
import type { DeliveryPort } from "./ports.js";
import type { ScheduleEvent, SchedulerOptions } from "./schedule/scheduler.js";
import type { GatewayTransport } from "./transport.js";

export type { Account, Store };

export interface AccountStatus {
  accountId: string;
  name?: string;
  /** The store's state: `active`, `expired` (needs `wxagent login`), `disabled`. */
  state: AccountState;
  polling: PollerState | "not-started";
  expired: boolean;
  /** What to do about a non-active account, e.g. "session expired (-14): run `wxagent login` …". */
  fix?: string;
  lastInboundAtMs?: number;
  lastPollAtMs?: number;
  /** Turns waiting for a slot or for their conversation's previous turn. */
  queueDepth: number;
  runningTurns: number;
  /** Inbound messages not answered yet, in the store (includes queued and running): `trafficFacts().queue`. */
  unfinished: number;
  consecutiveFailures: number;
  lastError?: string;
  /** Sends left under the context-token quota, per contact that has a token (of the 50 seen last). */
  sendsLeft: { userId: string; left: number }[];
}

export interface GatewayStatus {
  running: boolean;
  maxTurns: number;
  runningTurns: number;
  accounts: AccountStatus[];
}

export type GatewayEvent =
  | DispatchEvent
  | ScheduleEvent
  | { type: "expired"; accountId: string; reason: string }
  | { type: "poller-started"; accountId: string }
  | { type: "poller-stopped"; accountId: string };

export interface StopReport {
  /** Turns aborted at the drain deadline (or waiting on an ask); they are replayed at next start. */
  abortedTurns: number;
  /** Turns queued but never started; still unfinished in the store. */
  leftQueued: number;
  /** Inbound messages unfinished in the store after stop (replayed at next start). */
  unfinished: number;
}

/** What the gateway needs of a poller (the `Poller` class). */
export interface PollerLike {
  readonly accountId: string;
  readonly running: boolean;
  status(): PollerStatus;
  stopPulling(): Promise<void>;
  notifyStop(): Promise<void>;
}

export interface DeliveryDeps {
  store: Store;
  transport: (accountId: string) => OutboundTransport;
  /** Aborted at the end of stop(): sends in flight stop, their bubbles stay pending. */
  signal: AbortSignal;
  onSessionExpired: (accountId: string, error: string) => void;
  logger: Logger;
}

export interface MediaDeps {
  transportOf(accountId: string): GatewayTransport;
  /** One text bubble to the message's sender (recorded in the outbox like every send). */
  notify(message: InboundMessage, text: string): Promise<void>;
  /** The language the account speaks to its contacts in. */
  languageFor(accountId: string): Lang;
}

/**
 * Several gateway nodes on one database (PostgreSQL): this node polls an account, and sends for
 * it, only while it holds the account's lease (`LeaseKeeper`). Without it every account is this
 * gateway's.
 */
export interface GatewayLeases {
  /** Holds the lease now: looked at before every poll and every send attempt. */
  owns(accountId: string): boolean;
  /** The store as the lease's holder writes it (cursor moves and sends fenced by its epoch). */
  storeFor(accountId: string): Store | undefined;
}

export interface GatewayOptions {
  /** The store: PostgreSQL's, or SQLite's (a synchronous `openStore` one is wrapped with `asyncStore`). */
  store: Store | SyncStore;
  agent: Agent;
  /** The transport of one account (iLink: `createILinkTransport(account)`). Called again after re-login. */
  transportFor: (account: Account) => GatewayTransport;
  /** Delivery tuning: chunk size, spacing, quota, retry and throttle delays, typing, clock. */
  delivery?: Partial<DeliveryLimits> & { clock?: Clock };
  /** Replace delivery entirely (tests, another platform). Default: `createDelivery` over the transports. */
  deliveryPort?: (deps: DeliveryDeps) => DeliveryPort;
  /** Only these accounts (default: every active account). */
  accountIds?: string[];
  maxTurns?: number;
  backoff?: Partial<BackoffOptions>;
  /** Dispatch tuning: backlog bound, flood bound, text cut, timeouts, quota (see DispatchOptions). */
  dispatch?: Omit<
    DispatchOptions,
    "store" | "agent" | "delivery" | "logger" | "onEvent" | "maxTurns" | "languageFor" | "owns" | "onLeft"
  >;
  notifyTimeoutMs?: number;
  /**
   * Build the inbound-media hook from the gateway's own parts (e.g. `media/createMediaResolver`
   * with `downloaderFor: (id) => deps.transportOf(id).media` and
   * `notify: deps.notify`). Default: no download (agents see media descriptions only).
   */
  media?: (deps: MediaDeps) => NonNullable<DispatchOptions["resolveMedia"]>;
  /**
   * Scheduled jobs (on by default, over the gateway's own delivery; off with a custom
   * `deliveryPort`): window, warning, grace and language settings. `false` turns it off.
   */
  schedule?:
    | false
    | Omit<
        SchedulerOptions,
        | "store"
        | "deliver"
        | "record"
        | "runPrompt"
        | "clock"
        | "logger"
        | "serves"
        | "storeFor"
        | "languageFor"
      >;
  /** The home channel: operator events to the logs, the admin UI and the owner's chat. `false`: logs only. */
  home?: false | HomeSettings;
  /**
   * The language of what the gateway itself says to an account's contacts (command answers,
   * pairing codes, notices): the account profile's `language` (`resolveProfile`). Default: the
   * system's (`systemLanguage`).
   */
  languageFor?: (accountId: string) => Lang;
  /** Shared accounts (several nodes): see GatewayLeases. Start with `accountIds: []` and `resume` each gained account. */
  leases?: GatewayLeases;
  now?: () => number;
  logger?: Logger;
}

export interface Gateway {
  /** Replay unfinished inbound, resume pending outbound, start one poller per active account. */
  start(): Promise<void>;
  /** Staged shutdown; resolves when every stage is done. */
  stop(options?: { drainTimeoutMs?: number }): Promise<StopReport>;
  /**
   * After re-login (account active again, new token), or its lease gained: restart its poller.
   * False when not started (not active, its transport could not be built, or its lease lapsed).
   */
  resume(accountId: string): Promise<boolean>;
  /**
   * Stop polling and sending for one account (its lease passed to another node): its poller
   * stops without notifystop, and it leaves the accounts this gateway serves until `resume`.
   */
  release(accountId: string): Promise<void>;
  /**
   * Start a poller for every active account that has none running (a login made by another
   * process, an account added while running). Returns the account ids started.
   */
  refresh(): Promise<string[]>;
  /** Every account's live status over the store's facts (async: those are read as `ops/health` reads them). */
  status(): Promise<GatewayStatus>;
  /**
   * Each account's poller state and nothing else: what a watcher looking every few seconds needs,
   * without `status()`'s store reads per account and contact (at 1,000 accounts those took a
   * share of the event loop every 2 s; bench/accounts.ts).
   */
  pollingStates(): Map<string, PollerState>;
  /** Questions agents asked in the chat that still wait for an answer. */
  pendingAsks(): PendingAsk[];
  /**
   * The delivery this gateway sends an account's replies through, while it serves the account
   * (running, its poller started, and on several nodes its lease held): a send from elsewhere in
   * the process (admin UI, REST) joins the contact's queue and spacing there instead of racing
   * the agent's bubbles. Undefined otherwise: the caller sends through a delivery of its own.
   */
  deliveryFor(accountId: string): Delivery | undefined;
  /** Subscribe to events (expired, turn start/end, poller start/stop). Returns the unsubscribe. */
  on(listener: (event: GatewayEvent) => void): () => void;
  /** Look at the scheduled jobs now (one was added or cancelled in this process). */
  pokeSchedule(): void;
  /** Operator events of the home channel, newest first (the admin UI). */
  homeEvents(): HomeEvent[];
  /** Report an operator event from outside the gateway (a pairing request). */
  reportHome(event: { kind: HomeEventKind; accountId: string; subject: string; text: string }): void;
}
