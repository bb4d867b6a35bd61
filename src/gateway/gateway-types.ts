/** Types of the gateway's public surface: status, events, the stop report. */
import type { AsyncStore as Store } from "../store/async.js";
import type { Account, AccountState } from "../store/types.js";
import type { DispatchEvent } from "./dispatcher.js";
import type { PollerState, PollerStatus } from "./poller.js";
import type { ScheduleEvent } from "./schedule/scheduler.js";

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
