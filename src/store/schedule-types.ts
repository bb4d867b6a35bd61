/**
 * The store's interface for scheduled jobs and their firings (runs). A job belongs to one contact
 * of one account; it is one-off (`once`, at `atMs`) or recurring (`cron`, a cron expression read in
 * `tz`). Its `nextRunAtMs` is the firing to claim next; `claim` moves it on and records the run in
 * one transaction, which is what makes a firing happen once across crashes and processes.
 */
import type { OutboundState } from "./types.js";

export type ScheduleKind = "once" | "cron";
/** `text`: send `body`; `file`: send the file at `body` (with `caption`); `prompt`: an agent turn on `body`. */
export type ScheduleAction = "text" | "file" | "prompt";
export type ScheduleState = "active" | "done" | "cancelled";
/** Who made the job: an operator (CLI, admin UI, MCP/REST), the contact through the agent's tool. */
export type ScheduleCreator = "operator" | "contact" | "agent";

export interface ScheduleJob {
  id: number;
  accountId: string;
  userId: string;
  groupId?: string;
  kind: ScheduleKind;
  /** `once`: when it fires. */
  atMs?: number;
  /** `cron`: the expression (5 or 6 fields). */
  cron?: string;
  /** IANA time zone the cron expression is read in and times are shown in. */
  tz: string;
  action: ScheduleAction;
  body: string;
  caption?: string;
  createdBy: ScheduleCreator;
  state: ScheduleState;
  /** The firing to claim next; unset once done or cancelled. */
  nextRunAtMs?: number;
  lastRunAtMs?: number;
  runs: number;
  createdAtMs: number;
  updatedAtMs: number;
}

export type NewScheduleJob = Omit<
  ScheduleJob,
  "id" | "state" | "lastRunAtMs" | "runs" | "createdAtMs" | "updatedAtMs"
> & { nextRunAtMs: number };

/**
 * `running`: claimed, its work (recording bubbles, an agent turn) under way or cut by a crash;
 * `sent`: every bubble went out; `held`: waiting in the outbox for the contact to write;
 * `skipped`: missed by more than the grace while the gateway was down; `failed`: could not be made.
 */
export type RunState = "running" | "sent" | "held" | "skipped" | "failed";

export interface ScheduleRun {
  id: number;
  jobId: number;
  accountId: string;
  userId: string;
  /** The firing time this run stands for (unique per job). */
  scheduledAtMs: number;
  claimedAtMs: number;
  state: RunState;
  reason?: string;
  /** The outbound bubbles the firing recorded (their states tell what the contact got). */
  outboundIds: number[];
  finishedAtMs?: number;
}

export interface ScheduleStore {
  create(job: NewScheduleJob, atMs: number): ScheduleJob;
  get(id: number): ScheduleJob | undefined;
  /** Newest first. */
  list(filter?: {
    accountId?: string;
    userId?: string;
    state?: ScheduleState;
    limit?: number;
  }): ScheduleJob[];
  /** Active → cancelled; false when the job is not active (or unknown). */
  cancel(id: number, atMs: number): boolean;
  /** Active jobs whose next run is at or before `atMs`, soonest first. */
  due(atMs: number, limit?: number): ScheduleJob[];
  /** The soonest next run of any active job. */
  nextRunAtMs(): number | undefined;
  /**
   * Claim the firing at `expectedRunAtMs`: when the job is still active with that next run, move
   * the next run to `next` (undefined: the job is done), count the run and insert it with `run`.
   * Returns undefined when the firing was claimed already (or the job changed meanwhile).
   */
  claim(
    jobId: number,
    expectedRunAtMs: number,
    next: number | undefined,
    run: { state: RunState; reason?: string },
    atMs: number,
  ): ScheduleRun | undefined;
  /** Move an active job's next run without a firing (a firing skipped at start, say). */
  reschedule(jobId: number, next: number | undefined, atMs: number): void;
  updateRun(
    id: number,
    patch: { state?: RunState; reason?: string; outboundIds?: number[]; finishedAtMs?: number },
  ): void;
  getRun(id: number): ScheduleRun | undefined;
  /** The states of a run's bubbles now (sent, deferred in the outbox, pending, failed). */
  runBubbles(id: number): OutboundState[];
  /** Newest first. */
  runs(filter?: {
    jobId?: number;
    accountId?: string;
    userId?: string;
    state?: RunState;
    limit?: number;
  }): ScheduleRun[];
}
