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
import type { InboundMessage, RunState, ScheduleJob, ScheduleRun, Store } from "../../store/types.js";
import { createLogger, errText, type Logger } from "../../util/logger.js";
import { type Clock, systemClock } from "../delivery/clock.js";
import type { DeliveryResult, ReplyToDeliver } from "../delivery/delivery.js";
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
  /** The turn ended without an answer. `interrupted` (shutdown) leaves the run for the next start. */
  end(outcome: TurnOutcome, reason?: string): void;
}

export type ScheduleEvent =
  | { type: "schedule-fired"; job: ScheduleJob; run: ScheduleRun; state: RunState }
  | { type: "schedule-held"; job: ScheduleJob; run: ScheduleRun; reason: string }
  | { type: "schedule-failed"; job: ScheduleJob; run: ScheduleRun; reason: string }
  | { type: "schedule-skipped"; job: ScheduleJob; run: ScheduleRun; missed: number }
  | { type: "schedule-warned"; accountId: string; userId: string; jobs: number };

export interface SchedulerOptions {
  store: Store;
  /** The gateway's delivery: records (synchronously) and sends in the contact's order. */
  deliver(reply: ReplyToDeliver, signal: AbortSignal): Promise<DeliveryResult>;
  /** Queue a prompt job's turn in the contact's conversation (the dispatcher's lane). */
  runPrompt?(message: InboundMessage, hooks: ScheduledTurn): void;
  clock?: Clock;
  logger?: Logger;
  /** Whether this gateway fires the jobs of an account (its accounts, active). Default: all. */
  serves?(accountId: string): boolean;
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

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #store: Store;
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
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#recover();
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

  /** Fire what is due, settle runs, warn windows; then re-arm. Resolves when this pass is done. */
  tick(): Promise<void> {
    if (this.#ticking) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      do {
        this.#again = false;
        try {
          await this.#pass();
        } catch (err) {
          this.#log.error({ err: errText(err) }, "scheduler pass failed");
        }
      } while (this.#again && this.#running);
    })().finally(() => {
      this.#ticking = undefined;
      this.#arm();
    });
    return this.#ticking;
  }

  /** The `schedule` tool of one contact (jobs made this way are limited, and only their own). */
  forContact(contact: Contact): ScheduleIO {
    const who = { accountId: contact.accountId, userId: contact.userId };
    const lang = () => this.#lang(who.accountId, who.userId);
    return {
      create: async (req) => {
        const made = createJob(
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
        const jobs = this.#store.schedules.list({ ...who, state: "active" });
        if (jobs.length === 0) return "No scheduled jobs in this chat.";
        return jobs.map((j) => describeJob(j, this.#clock.now(), lang())).join("\n");
      },
      cancel: async (id) => {
        if (!cancelJob(this.#store, id, this.#clock.now(), who))
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

  #lang(accountId: string, userId: string): Lang {
    const accountLang = this.#o.languageFor ? (id: string) => this.#o.languageFor?.(id) ?? "en" : undefined;
    return contactLanguage(this.#store, accountId, userId, this.#o.language ?? "account", accountLang);
  }

  #serves(accountId: string): boolean {
    if (this.#store.accounts.get(accountId)?.state !== "active") return false;
    return this.#o.serves?.(accountId) ?? true;
  }

  #emit(event: ScheduleEvent): void {
    try {
      this.#o.onEvent?.(event);
    } catch (err) {
      this.#log.error({ err: errText(err) }, "schedule event listener threw");
    }
  }

  #arm(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (!this.#running) return;
    const now = this.#clock.now();
    const wakes = [now + (this.#o.recheckMs ?? 5_000)];
    const due = this.#store.schedules.nextRunAtMs();
    if (due !== undefined) wakes.push(due);
    const warn = this.#warnings.nextAtMs(now);
    if (warn !== undefined) wakes.push(warn);
    const delay = Math.max(0, Math.min(...wakes) - now);
    this.#cancelTimer = this.#clock.after(delay, () => void this.tick());
  }

  async #pass(): Promise<void> {
    if (!this.#running) return;
    const now = this.#clock.now();
    const waits: Promise<void>[] = [];
    for (const job of this.#store.schedules.due(now, 200)) {
      if (!this.#serves(job.accountId) || job.nextRunAtMs === undefined) continue;
      waits.push(this.#fire(job, job.nextRunAtMs, now));
    }
    settleOpenRuns(this.#store, this.#clock.now());
    waits.push(this.#warnings.check(now));
    await Promise.all(waits);
  }

  async #fire(job: ScheduleJob, dueAtMs: number, now: number): Promise<void> {
    const next = nextAfter(job, now);
    const lateMs = now - dueAtMs;
    if (lateMs > this.#graceMs) return this.#skip(job, dueAtMs, next, now);
    if (job.action === "prompt") return this.#firePrompt(job, dueAtMs, next, now);
    const lang = this.#lang(job.accountId, job.userId);
    const t = textsFor(lang);
    const hold = this.#holdFor(job, now);
    const when = formatWhen(dueAtMs, job.tz, now, lang);
    const mark = (body: string) => (hold ? t.held({ body, when }) : t.onTime({ body }));
    const content: Pick<ReplyToDeliver, "text" | "files"> =
      job.action === "text"
        ? { text: mark(job.body) }
        : { text: "", files: [{ path: job.body, caption: mark(job.caption ?? basename(job.body)) }] };
    await this.#record(job, dueAtMs, next, now, content, hold);
  }

  /** Claim the firing and record its bubbles in one transaction; then wait for the send and settle. */
  async #record(
    job: ScheduleJob,
    dueAtMs: number,
    next: number | undefined,
    now: number,
    content: Pick<ReplyToDeliver, "text" | "files">,
    hold: string | undefined,
    skipped?: { missed: number },
  ): Promise<void> {
    let run: ScheduleRun | undefined;
    let sending: Promise<DeliveryResult> | undefined;
    const state: RunState = skipped ? "skipped" : hold ? "held" : "running";
    const reason = skipped
      ? `missed ${skipped.missed} time${skipped.missed === 1 ? "" : "s"} while the gateway was not running (more than ${Math.round(this.#graceMs / 60_000)} min late)`
      : hold;
    try {
      this.#store.transaction(() => {
        run = this.#store.schedules.claim(job.id, dueAtMs, next, reason ? { state, reason } : { state }, now);
        if (!run) return;
        sending = this.#deliverRun(job, run, content, hold);
      });
    } catch (err) {
      // Nothing was claimed (the transaction rolled back): record the firing as failed, once.
      const why = `could not record the message: ${errText(err).slice(0, 300)}`;
      run = this.#store.schedules.claim(job.id, dueAtMs, next, { state: "failed", reason: why }, now);
      this.#log.error({ jobId: job.id, err: errText(err) }, "scheduled firing failed");
      if (run) this.#emit({ type: "schedule-failed", job, run, reason: why });
      return;
    }
    if (!run || !sending) return;
    const claimed = run;
    if (skipped) {
      this.#log.warn(
        { jobId: job.id, accountId: job.accountId, to: job.userId, reason },
        "scheduled firing skipped",
      );
      this.#emit({ type: "schedule-skipped", job, run: claimed, missed: skipped.missed });
    } else
      this.#log.info({ jobId: job.id, runId: claimed.id, held: hold !== undefined }, "scheduled job fired");
    await this.#settle(job, claimed, sending);
  }

  /** Record a firing's bubbles (held in the outbox when `hold` says why), linked to its run. Call in a transaction. */
  #deliverRun(
    job: ScheduleJob,
    run: ScheduleRun,
    content: Pick<ReplyToDeliver, "text" | "files">,
    hold: string | undefined,
  ): Promise<DeliveryResult> {
    return this.#o.deliver(
      {
        accountId: job.accountId,
        toUserId: job.userId,
        ...content,
        ...(hold ? { hold } : {}),
        onRecorded: (bubbles) =>
          this.#store.schedules.updateRun(run.id, { outboundIds: bubbles.map((b) => b.id) }),
      },
      this.#abort.signal,
    );
  }

  async #settle(job: ScheduleJob, run: ScheduleRun, sending: Promise<DeliveryResult>): Promise<void> {
    let r: DeliveryResult;
    try {
      r = await sending;
    } catch (err) {
      this.#finishRun(job, run, "failed", `delivery failed: ${errText(err).slice(0, 300)}`);
      return;
    }
    if (run.state === "skipped") return;
    if (r.failed > 0)
      this.#finishRun(job, run, "failed", "WeChat refused the message (see the outbound record)");
    else if (r.deferred > 0) {
      const why =
        this.#store.schedules.getRun(run.id)?.reason ??
        "WeChat would not take it now (quota or throttling); held until the contact writes again";
      this.#finishRun(job, run, "held", why);
    } else if (r.pending > 0)
      return; // interrupted: resumePending sends it, #settleOpenRuns settles it
    else this.#finishRun(job, run, "sent");
  }

  #finishRun(job: ScheduleJob, run: ScheduleRun, state: RunState, reason?: string): void {
    const now = this.#clock.now();
    this.#store.schedules.updateRun(run.id, {
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

  #holdFor(job: ScheduleJob, now: number): string | undefined {
    return holdReason(
      sendWindow(this.#store, job.accountId, job.userId, now, {
        windowMs: this.#windowMs,
        quotaPerToken: this.#o.quotaPerToken ?? 10,
      }),
    );
  }

  async #skip(job: ScheduleJob, dueAtMs: number, next: number | undefined, now: number): Promise<void> {
    const { missed, last } = missedFirings(job, dueAtMs, now);
    const lang = this.#lang(job.accountId, job.userId);
    const text = textsFor(lang).missed({
      count: missed,
      last: formatWhen(last, job.tz, now, lang),
      preview: preview(job.body),
    });
    await this.#record(job, dueAtMs, next, now, { text }, this.#holdFor(job, now), { missed });
  }

  async #firePrompt(job: ScheduleJob, dueAtMs: number, next: number | undefined, now: number): Promise<void> {
    if (!this.#o.runPrompt) {
      const why = "this gateway's agent cannot run scheduled prompts";
      const run = this.#store.schedules.claim(job.id, dueAtMs, next, { state: "failed", reason: why }, now);
      if (run) this.#finishRun(job, run, "failed", why);
      return;
    }
    const run = this.#store.schedules.claim(job.id, dueAtMs, next, { state: "running" }, now);
    if (!run) return;
    this.#log.info({ jobId: job.id, runId: run.id }, "scheduled prompt fired: agent turn queued");
    this.#startTurn(job, run);
  }

  #startTurn(job: ScheduleJob, run: ScheduleRun): void {
    const now = this.#clock.now();
    const lang = this.#lang(job.accountId, job.userId);
    const when = formatWhen(run.scheduledAtMs, job.tz, now, lang);
    const message = promptMessage(job, run, when, now);
    this.#o.runPrompt?.(message, {
      deliver: async (reply) => {
        const at = this.#clock.now();
        const t = textsFor(lang);
        const hold = this.#holdFor(job, at);
        const body = reply.text.trim() || "(no answer)";
        const content = {
          text: hold
            ? t.held({ body, when: formatWhen(run.scheduledAtMs, job.tz, at, lang) })
            : t.onTime({ body }),
          ...(reply.files ? { files: reply.files } : {}),
        };
        let sending: Promise<DeliveryResult> | undefined;
        this.#store.transaction(() => {
          if (hold) this.#store.schedules.updateRun(run.id, { state: "held", reason: hold });
          sending = this.#deliverRun(job, run, content, hold);
        });
        if (sending) void this.#settle(job, run, sending);
      },
      end: (outcome, reason) => {
        if (outcome === "interrupted") return; // left running: the next start runs it again
        const why = outcome === "stopped" ? "stopped by /stop" : (reason ?? "the agent failed");
        this.#finishRun(job, run, "failed", why);
        if (outcome !== "failed" || this.#holdFor(job, this.#clock.now())) return;
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
  #recover(): void {
    for (const run of this.#store.schedules.runs({ state: "running", limit: 500 })) {
      if (run.outboundIds.length > 0) continue; // recorded: resumePending sends it
      const job = this.#store.schedules.get(run.jobId);
      if (!job || !this.#serves(job.accountId)) continue;
      if (job.action === "prompt" && this.#o.runPrompt) {
        this.#log.info(
          { jobId: job.id, runId: run.id },
          "scheduled prompt interrupted by a restart: running it again",
        );
        this.#startTurn(job, run);
      } else {
        this.#finishRun(job, run, "failed", "interrupted before its message was recorded");
      }
    }
  }
}
