/**
 * The scheduler: one timer over the store's due jobs. A firing is claimed in a transaction (the
 * job's next run moved on, the run recorded) together with its bubbles, so a crash never fires it
 * twice and never loses it; `resumePending` sends what a crash left recorded. A firing the
 * contact's 24 h window or quota cannot take is recorded straight into the outbox, marked with
 * the time it was due, and goes out when they write. Firings missed while the gateway was down
 * run once at start when less than `graceMs` late, else are skipped with a note. Before a window
 * closes on jobs that fire after it, the contact is warned once (window-warning.ts).
 */

import { basename } from "node:path";
import type { AgentReply, Contact, ScheduleIO } from "../../agent/types.js";
import type { Lang } from "../../shared/i18n.js";
import type { AsyncStore } from "../../store/async.js";
import { StoreError } from "../../store/errors.js";
import type { InboundMessage, RunState, ScheduleJob, ScheduleRun } from "../../store/types.js";
import { createLogger, errText, type Logger } from "../../util/logger.js";
import { type Clock, systemClock } from "../delivery/clock.js";
import type { DeliveryResult, RecordedReply, ReplyToDeliver } from "../delivery/delivery.js";
import type { TurnOutcome } from "../dispatch/options.js";
import { cancelJob, contactLanguage, createJob, describeJob } from "./api.js";
import { DEFAULT_JOB_LIMITS, type JobLimits, nextAfter } from "./jobs.js";
import { missedFirings, promptMessage, settleOpenRuns } from "./runs.js";
import { formatWhen, type LanguageSetting, preview, textsFor } from "./texts.js";
import { DEFAULT_WINDOW_MS, holdReason, sendWindow } from "./window.js";
import { WindowWarnings } from "./window-warning.js";

/** What a prompt job's agent turn reports back (the dispatcher calls these). */
export interface ScheduledTurn {
  /** The agent answered: record the answer as the firing's bubbles. */
  deliver(reply: AgentReply): Promise<void>;
  /** The turn ended without an answer (resolves once recorded). `interrupted` (shutdown) leaves the run for the next start. */
  end(outcome: TurnOutcome, reason?: string): Promise<void>;
}

export type ScheduleEvent =
  | { type: "schedule-fired"; job: ScheduleJob; run: ScheduleRun; state: RunState }
  | { type: "schedule-held"; job: ScheduleJob; run: ScheduleRun; reason: string }
  | { type: "schedule-failed"; job: ScheduleJob; run: ScheduleRun; reason: string }
  | { type: "schedule-skipped"; job: ScheduleJob; run: ScheduleRun; missed: number }
  | { type: "schedule-warned"; accountId: string; userId: string; jobs: number };

export interface SchedulerOptions {
  store: AsyncStore;
  /** The gateway's delivery: records and sends in the contact's order (a note outside any transaction). */
  deliver(reply: ReplyToDeliver, signal: AbortSignal): Promise<DeliveryResult>;
  /**
   * The gateway's delivery in two steps, so a firing's bubbles are recorded in the transaction
   * that claims it: record the reply's bubbles on `tx` (held in the outbox when `reply.hold` says
   * why) with store calls on `tx` only, awaiting nothing else; the scheduler sends them (or drops
   * them) once that transaction has ended.
   */
  record(tx: AsyncStore, reply: ReplyToDeliver): Promise<RecordedReply>;
  /** Queue a prompt job's turn in the contact's conversation (the dispatcher's lane). */
  runPrompt?(message: InboundMessage, hooks: ScheduledTurn): void;
  clock?: Clock;
  logger?: Logger;
  /** Whether this gateway fires the jobs of an account (its accounts, active). Default: all. */
  serves?(accountId: string): boolean;
  /**
   * Shared accounts (several nodes): the store a firing of the account is claimed and recorded on,
   * fenced by this node's lease; undefined when the lease is not held (the holder fires it).
   */
  storeFor?(accountId: string): AsyncStore | undefined;
  windowMs?: number;
  /** How long before the window closes the warning goes (default 2 h). */
  warnLeadMs?: number;
  /** A firing missed by less than this while down runs at start (default 1 h). */
  graceMs?: number;
  quotaPerToken?: number;
  /** The language of the ⏰ notes (default `account`: the account's, as every gateway text). */
  language?: LanguageSetting;
  /** The account's language (the gateway's `languageFor`). */
  languageFor?(accountId: string): Lang;
  limits?: JobLimits;
  /** The longest the timer sleeps before looking at the store again (default 5 s). */
  recheckMs?: number;
  onEvent?(event: ScheduleEvent): void;
}

const HOUR = 3_600_000;

/** A firing claimed and recorded: `settled` resolves when its send is done and its run settled. */
interface Fired {
  settled: Promise<void>;
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #store: AsyncStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #windowMs: number;
  readonly #graceMs: number;
  readonly #abort = new AbortController();
  readonly #warnings: WindowWarnings;
  #cancelTimer: (() => void) | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;
  #running = false;
  /** Runs whose prompt turn is in flight in this process (recovery leaves them alone). */
  readonly #turns = new Set<number>();

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? createLogger("gateway:schedule");
    this.#windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.#graceMs = options.graceMs ?? HOUR;
    this.#warnings = new WindowWarnings({
      store: this.#store,
      windowMs: this.#windowMs,
      warnLeadMs: options.warnLeadMs ?? 2 * HOUR,
      quotaPerToken: options.quotaPerToken ?? 10,
      lang: (accountId, userId) => this.#lang(accountId, userId),
      serves: (id) => this.#serves(id),
      send: (reply) => this.#o.deliver(reply, this.#abort.signal),
      logger: this.#log,
      onWarned: (e) => this.#emit({ type: "schedule-warned", ...e }),
    });
  }

  /** Pick up runs a crash left open, then arm the timer (its first tick catches missed firings). */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#recover();
    this.poke();
  }

  /** Stop the timer; sends in flight end with the gateway's own abort. Runs left open resume next start. */
  stop(): void {
    this.#running = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#abort.abort(new Error("scheduler stopped"));
  }

  /** Look at the store now (a job was added or cancelled). */
  poke(): void {
    if (!this.#running) return;
    void this.tick();
  }

  /** Fire what is due, settle runs, warn windows; then re-arm. Resolves when this pass is done (never rejects). */
  tick(): Promise<void> {
    if (this.#ticking) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      try {
        for (;;) {
          this.#again = false;
          try {
            await this.#pass();
          } catch (err) {
            this.#log.error({ err: errText(err) }, "scheduler pass failed");
          }
          if (this.#again && this.#running) continue;
          // Armed within the tick, so passes and arms never overlap; a poke meanwhile runs one more pass.
          await this.#arm();
          if (!(this.#again && this.#running)) break;
        }
      } finally {
        this.#ticking = undefined;
      }
    })();
    return this.#ticking;
  }

  /** The `schedule` tool of one contact (jobs made this way are limited, and only their own). */
  forContact(contact: Contact): ScheduleIO {
    const who = { accountId: contact.accountId, userId: contact.userId };
    const lang = () => this.#lang(who.accountId, who.userId);
    return {
      create: async (req) => {
        const made = await createJob(
          this.#store,
          { ...req, ...who, ...(contact.groupId ? { groupId: contact.groupId } : {}), createdBy: "contact" },
          this.#createOptions(),
        );
        this.poke();
        const { job } = made;
        const line = `Scheduled job #${job.id} (${job.kind === "cron" ? `cron "${job.cron}" in ${job.tz}` : "once"}); first firing ${made.when} (${new Date(job.nextRunAtMs ?? 0).toISOString()}).`;
        return made.windowNote
          ? `${line} Note for the contact: WeChat lets the bot write only within 24 h of their last message; ${made.windowNote}. Tell them to write to you at least once a day to keep it working.`
          : line;
      },
      list: async () => {
        const jobs = await this.#store.schedules.list({ ...who, state: "active" });
        if (jobs.length === 0) return "No scheduled jobs in this chat.";
        const l = await lang();
        return jobs.map((j) => describeJob(j, this.#clock.now(), l)).join("\n");
      },
      cancel: async (id) => {
        if (!(await cancelJob(this.#store, id, this.#clock.now(), who)))
          throw new Error(`there is no active job #${id} in this chat; list them first`);
        this.poke();
        return `Cancelled job #${id}.`;
      },
    };
  }

  #createOptions() {
    return {
      nowMs: this.#clock.now(),
      limits: this.#o.limits ?? DEFAULT_JOB_LIMITS,
      windowMs: this.#windowMs,
      quotaPerToken: this.#o.quotaPerToken ?? 10,
      language: this.#o.language ?? "account",
      ...(this.#o.languageFor ? { accountLang: (id: string) => this.#o.languageFor?.(id) ?? "en" } : {}),
    };
  }

  #lang(accountId: string, userId: string): Promise<Lang> {
    const accountLang = this.#o.languageFor ? (id: string) => this.#o.languageFor?.(id) ?? "en" : undefined;
    return contactLanguage(this.#store, accountId, userId, this.#o.language ?? "account", accountLang);
  }

  async #serves(accountId: string): Promise<boolean> {
    if ((await this.#store.accounts.get(accountId))?.state !== "active") return false;
    return this.#o.serves?.(accountId) ?? true;
  }

  #emit(event: ScheduleEvent): void {
    try {
      this.#o.onEvent?.(event);
    } catch (err) {
      this.#log.error({ err: errText(err) }, "schedule event listener threw");
    }
  }

  /** Set the timer for the next due job or warning (or the recheck). Never rejects. */
  async #arm(): Promise<void> {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (!this.#running) return;
    const now = this.#clock.now();
    const wakes = [now + (this.#o.recheckMs ?? 5_000)];
    try {
      const due = await this.#store.schedules.nextRunAtMs();
      if (due !== undefined) wakes.push(due);
      const warn = await this.#warnings.nextAtMs(now);
      if (warn !== undefined) wakes.push(warn);
    } catch (err) {
      // The recheck looks again.
      this.#log.error({ err: errText(err) }, "scheduler could not read when to wake next");
    }
    if (!this.#running) return; // stopped while reading
    const delay = Math.max(0, Math.min(...wakes) - now);
    this.#cancelTimer = this.#clock.after(delay, () => void this.tick());
  }

  async #pass(): Promise<void> {
    if (!this.#running) return;
    const now = this.#clock.now();
    const waits: Promise<void>[] = [];
    let failed: { err: unknown } | undefined;
    try {
      // One firing at a time up to its recorded bubbles (a contact's firings keep their order); the sends run on.
      for (const job of await this.#store.schedules.due(now, 200)) {
        try {
          if (!(await this.#serves(job.accountId)) || job.nextRunAtMs === undefined) continue;
          const fired = await this.#fire(job, job.nextRunAtMs, now);
          if (fired) waits.push(fired.settled);
        } catch (err) {
          failed ??= { err };
        }
      }
      await settleOpenRuns(this.#store, this.#clock.now());
      waits.push(this.#warnings.check(now));
    } finally {
      await Promise.all(waits);
    }
    if (failed) throw failed.err;
  }

  /** Claim a due firing and record it; resolves then, with its send still going (`settled`). */
  async #fire(job: ScheduleJob, dueAtMs: number, now: number): Promise<Fired | undefined> {
    const next = nextAfter(job, now);
    const lateMs = now - dueAtMs;
    if (lateMs > this.#graceMs) return this.#skip(job, dueAtMs, next, now);
    if (job.action === "prompt") {
      await this.#firePrompt(job, dueAtMs, next, now);
      return undefined;
    }
    const lang = await this.#lang(job.accountId, job.userId);
    const t = textsFor(lang);
    const hold = await this.#holdFor(job, now);
    const when = formatWhen(dueAtMs, job.tz, now, lang);
    const mark = (body: string) => (hold ? t.held({ body, when }) : t.onTime({ body }));
    const content: Pick<ReplyToDeliver, "text" | "files"> =
      job.action === "text"
        ? { text: mark(job.body) }
        : { text: "", files: [{ path: job.body, caption: mark(job.caption ?? basename(job.body)) }] };
    return this.#record(job, dueAtMs, next, now, content, hold);
  }

  /** Claim the firing and record its bubbles in one transaction; then start the send (`settled` waits for it). */
  async #record(
    job: ScheduleJob,
    dueAtMs: number,
    next: number | undefined,
    now: number,
    content: Pick<ReplyToDeliver, "text" | "files">,
    hold: string | undefined,
    skipped?: { missed: number },
  ): Promise<Fired | undefined> {
    const state: RunState = skipped ? "skipped" : hold ? "held" : "running";
    const reason = skipped
      ? `missed ${skipped.missed} time${skipped.missed === 1 ? "" : "s"} while the gateway was not running (more than ${Math.round(this.#graceMs / 60_000)} min late)`
      : hold;
    let recorded: RecordedReply | undefined;
    let claimed: ScheduleRun | undefined;
    const on = this.#on(job.accountId);
    if (!on) return undefined; // the account moved to another node: its holder fires the job
    try {
      claimed = await on.transaction(async (tx) => {
        const run = await tx.schedules.claim(
          job.id,
          dueAtMs,
          next,
          reason ? { state, reason } : { state },
          now,
        );
        if (!run) return undefined;
        recorded = await this.#recordRun(tx, job, run, content, hold);
        return run;
      });
    } catch (err) {
      // Nothing was claimed (the transaction rolled back): record the firing as failed, once.
      recorded?.drop();
      const why = `could not record the message: ${errText(err).slice(0, 300)}`;
      const run = await this.#claimFailed(job, dueAtMs, next, why, now);
      this.#log.error({ jobId: job.id, err: errText(err) }, "scheduled firing failed");
      if (run) this.#emit({ type: "schedule-failed", job, run, reason: why });
      return undefined;
    }
    if (!claimed || !recorded) return undefined;
    const sending = recorded.send(this.#abort.signal);
    if (skipped) {
      this.#log.warn(
        { jobId: job.id, accountId: job.accountId, to: job.userId, reason },
        "scheduled firing skipped",
      );
      this.#emit({ type: "schedule-skipped", job, run: claimed, missed: skipped.missed });
    } else
      this.#log.info({ jobId: job.id, runId: claimed.id, held: hold !== undefined }, "scheduled job fired");
    return { settled: this.#settle(job, claimed, sending) };
  }

  /**
   * Record a firing's bubbles on `tx` (held in the outbox when `hold` says why), linked to its
   * run. Call in a transaction; the caller sends them (or drops them) once it has ended.
   */
  async #recordRun(
    tx: AsyncStore,
    job: ScheduleJob,
    run: ScheduleRun,
    content: Pick<ReplyToDeliver, "text" | "files">,
    hold: string | undefined,
  ): Promise<RecordedReply> {
    const recorded = await this.#o.record(tx, {
      accountId: job.accountId,
      toUserId: job.userId,
      ...content,
      ...(hold ? { hold } : {}),
    });
    try {
      await tx.schedules.updateRun(run.id, { outboundIds: recorded.bubbles.map((b) => b.id) });
    } catch (err) {
      recorded.drop();
      throw err;
    }
    return recorded;
  }

  async #settle(job: ScheduleJob, run: ScheduleRun, sending: Promise<DeliveryResult>): Promise<void> {
    let r: DeliveryResult;
    try {
      r = await sending;
    } catch (err) {
      await this.#finishRun(job, run, "failed", `delivery failed: ${errText(err).slice(0, 300)}`);
      return;
    }
    if (run.state === "skipped") return;
    if (r.failed > 0)
      await this.#finishRun(job, run, "failed", "WeChat refused the message (see the outbound record)");
    else if (r.deferred > 0) {
      const why =
        (await this.#store.schedules.getRun(run.id))?.reason ??
        "WeChat would not take it now (quota or throttling); held until the contact writes again";
      await this.#finishRun(job, run, "held", why);
    } else if (r.pending > 0)
      return; // interrupted: resumePending sends it, #settleOpenRuns settles it
    else await this.#finishRun(job, run, "sent");
  }

  async #finishRun(job: ScheduleJob, run: ScheduleRun, state: RunState, reason?: string): Promise<void> {
    const now = this.#clock.now();
    await this.#store.schedules.updateRun(run.id, {
      state,
      ...(reason ? { reason } : {}),
      ...(state === "sent" || state === "failed" ? { finishedAtMs: now } : {}),
    });
    const fields = { jobId: job.id, runId: run.id, accountId: job.accountId, to: job.userId };
    if (state === "held") {
      this.#log.warn({ ...fields, reason }, "scheduled message held in the outbox until the contact writes");
      this.#emit({ type: "schedule-held", job, run, reason: reason ?? "held" });
    } else if (state === "failed") {
      this.#log.error({ ...fields, reason }, "scheduled message could not be delivered");
      this.#emit({ type: "schedule-failed", job, run, reason: reason ?? "failed" });
    } else this.#emit({ type: "schedule-fired", job, run, state });
  }

  async #holdFor(job: ScheduleJob, now: number): Promise<string | undefined> {
    return holdReason(
      await sendWindow(this.#store, job.accountId, job.userId, now, {
        windowMs: this.#windowMs,
        quotaPerToken: this.#o.quotaPerToken ?? 10,
      }),
    );
  }

  async #skip(
    job: ScheduleJob,
    dueAtMs: number,
    next: number | undefined,
    now: number,
  ): Promise<Fired | undefined> {
    const { missed, last } = missedFirings(job, dueAtMs, now);
    const lang = await this.#lang(job.accountId, job.userId);
    const text = textsFor(lang).missed({
      count: missed,
      last: formatWhen(last, job.tz, now, lang),
      preview: preview(job.body),
    });
    const hold = await this.#holdFor(job, now);
    return this.#record(job, dueAtMs, next, now, { text }, hold, { missed });
  }

  /** Claim the firing as failed at once (it could not be recorded or run). */
  #claimFailed(job: ScheduleJob, dueAtMs: number, next: number | undefined, why: string, now: number) {
    return this.#store.schedules.claim(job.id, dueAtMs, next, { state: "failed", reason: why }, now);
  }

  async #firePrompt(job: ScheduleJob, dueAtMs: number, next: number | undefined, now: number): Promise<void> {
    if (!this.#o.runPrompt) {
      const why = "this gateway's agent cannot run scheduled prompts";
      const run = await this.#claimFailed(job, dueAtMs, next, why, now);
      if (run) await this.#finishRun(job, run, "failed", why);
      return;
    }
    const run = await this.#store.schedules.claim(job.id, dueAtMs, next, { state: "running" }, now);
    if (!run) return;
    this.#log.info({ jobId: job.id, runId: run.id }, "scheduled prompt fired: agent turn queued");
    await this.#startTurn(job, run);
  }

  async #startTurn(job: ScheduleJob, run: ScheduleRun): Promise<void> {
    this.#turns.add(run.id);
    const now = this.#clock.now();
    const lang = await this.#lang(job.accountId, job.userId);
    const when = formatWhen(run.scheduledAtMs, job.tz, now, lang);
    const message = promptMessage(job, run, when, now);
    this.#o.runPrompt?.(message, {
      deliver: async (reply) => {
        const at = this.#clock.now();
        const t = textsFor(lang);
        const hold = await this.#holdFor(job, at);
        const body = reply.text.trim() || "(no answer)";
        const content = {
          text: hold
            ? t.held({ body, when: formatWhen(run.scheduledAtMs, job.tz, at, lang) })
            : t.onTime({ body }),
          ...(reply.files ? { files: reply.files } : {}),
        };
        let recorded: RecordedReply | undefined;
        const on = this.#on(job.accountId);
        if (!on) {
          throw new StoreError(
            "LEASE_LOST",
            `account ${job.accountId} moved to another node during the scheduled prompt: its run is left for the new holder`,
          );
        }
        try {
          await on.transaction(async (tx) => {
            if (hold) await tx.schedules.updateRun(run.id, { state: "held", reason: hold });
            recorded = await this.#recordRun(tx, job, run, content, hold);
          });
        } catch (err) {
          recorded?.drop();
          throw err;
        } finally {
          this.#turns.delete(run.id);
        }
        if (!recorded) return;
        // The turn goes on now; the send settles the run when it is done.
        this.#settle(job, run, recorded.send(this.#abort.signal)).catch((err: unknown) => {
          this.#log.error(
            { jobId: job.id, runId: run.id, err: errText(err) },
            "settling a scheduled prompt's run failed",
          );
        });
      },
      end: async (outcome, reason) => {
        this.#turns.delete(run.id);
        if (outcome === "interrupted") return; // left running: the next start runs it again
        const why = outcome === "stopped" ? "stopped by /stop" : (reason ?? "the agent failed");
        await this.#finishRun(job, run, "failed", why);
        if (outcome !== "failed" || (await this.#holdFor(job, this.#clock.now()))) return;
        const t = textsFor(lang);
        void this.#o
          .deliver(
            {
              accountId: job.accountId,
              toUserId: job.userId,
              text: t.failed({ job: job.id, when, why: preview(why, 200) }),
            },
            this.#abort.signal,
          )
          .catch(() => undefined);
      },
    });
  }

  /** At start: prompt runs a crash cut before their answer was recorded run again (once claimed, never lost). */
  /**
   * An account came to this node (its lease gained): rerun or fail the runs a node that held it
   * left open, as `start` does for every account.
   */
  recoverFor(accountId: string): Promise<void> {
    return this.#recover(accountId);
  }

  /** The store a firing of the account is written on (see SchedulerOptions.storeFor). */
  #on(accountId: string): AsyncStore | undefined {
    return this.#o.storeFor ? this.#o.storeFor(accountId) : this.#store;
  }

  async #recover(onlyAccountId?: string): Promise<void> {
    for (const run of await this.#store.schedules.runs({ state: "running", limit: 500 })) {
      if (run.outboundIds.length > 0) continue; // recorded: resumePending sends it
      if (this.#turns.has(run.id)) continue; // its turn still runs here
      const job = await this.#store.schedules.get(run.jobId);
      if (!job || (onlyAccountId !== undefined && job.accountId !== onlyAccountId)) continue;
      if (!(await this.#serves(job.accountId))) continue;
      if (job.action === "prompt" && this.#o.runPrompt) {
        this.#log.info(
          { jobId: job.id, runId: run.id },
          "scheduled prompt interrupted by a restart: running it again",
        );
        await this.#startTurn(job, run);
      } else {
        await this.#finishRun(job, run, "failed", "interrupted before its message was recorded");
      }
    }
  }
}
