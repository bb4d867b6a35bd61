/**
 * Creating, listing and cancelling jobs straight on the store: what the operator surfaces (CLI,
 * REST, MCP, admin UI) and the agents' `schedule` tool share. A running gateway notices a job made
 * by another process at its next look at the store (every few seconds).
 */

import type { Lang } from "../../shared/i18n.js";
import type { AsyncStore } from "../../store/async.js";
import type { ScheduleJob, ScheduleRun } from "../../store/types.js";
import { firstText } from "../inbound.js";
import { DEFAULT_JOB_LIMITS, type JobLimits, planJob, type ScheduleRequest } from "./jobs.js";
import { formatWhen, type LanguageSetting, pickLanguage, preview, type ScheduleLanguage } from "./texts.js";
import { DEFAULT_WINDOW_MS, sendWindow } from "./window.js";

export interface JobView {
  id: number;
  account: string;
  to: string;
  group?: string;
  kind: "once" | "cron";
  cron?: string;
  tz: string;
  action: "text" | "file" | "prompt";
  body: string;
  caption?: string;
  state: string;
  created_by: string;
  next_run?: string;
  next_run_ms?: number;
  last_run?: string;
  runs: number;
  /** The latest firing, with what became of it. */
  last?: RunView;
}

export interface RunView {
  id: number;
  job: number;
  to: string;
  scheduled_at: string;
  scheduled_at_ms: number;
  state: string;
  reason?: string;
  bubbles: number;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function runView(run: ScheduleRun): RunView {
  const v: RunView = {
    id: run.id,
    job: run.jobId,
    to: run.userId,
    scheduled_at: new Date(run.scheduledAtMs).toISOString(),
    scheduled_at_ms: run.scheduledAtMs,
    state: run.state,
    bubbles: run.outboundIds.length,
  };
  if (run.reason) v.reason = run.reason;
  return v;
}

export async function jobView(store: Pick<AsyncStore, "schedules">, job: ScheduleJob): Promise<JobView> {
  const v: JobView = {
    id: job.id,
    account: job.accountId,
    to: job.userId,
    kind: job.kind,
    tz: job.tz,
    action: job.action,
    body: job.body,
    state: job.state,
    created_by: job.createdBy,
    runs: job.runs,
  };
  if (job.groupId) v.group = job.groupId;
  if (job.cron) v.cron = job.cron;
  if (job.caption) v.caption = job.caption;
  if (job.nextRunAtMs !== undefined) {
    v.next_run = iso(job.nextRunAtMs) as string;
    v.next_run_ms = job.nextRunAtMs;
  }
  if (job.lastRunAtMs !== undefined) v.last_run = iso(job.lastRunAtMs) as string;
  const [last] = await store.schedules.runs({ jobId: job.id, limit: 1 });
  if (last) v.last = runView(last);
  return v;
}

export interface CreateOptions {
  nowMs: number;
  limits?: JobLimits;
  windowMs?: number;
  quotaPerToken?: number;
  language?: LanguageSetting;
  /** The account's language (the gateway's `languageFor`). */
  accountLang?: (accountId: string) => Lang;
}

export interface Created {
  job: ScheduleJob;
  /** The first firing in words, in the job's zone and the contact's language ("tomorrow 08:00"). */
  when: string;
  /** Set when the first firing falls after the contact's send window closes (it will be held). */
  windowNote?: string;
}

/** Validate and store a job (throws ScheduleInputError); says whether the window will hold it. */
export async function createJob(store: AsyncStore, req: ScheduleRequest, o: CreateOptions): Promise<Created> {
  const active = (
    await store.schedules.list({
      accountId: req.accountId,
      userId: req.userId,
      state: "active",
    })
  ).length;
  const planned = planJob(req, o.nowMs, active, o.limits ?? DEFAULT_JOB_LIMITS);
  const job = await store.schedules.create(planned, o.nowMs);
  const lang = await contactLanguage(
    store,
    job.accountId,
    job.userId,
    o.language ?? "account",
    o.accountLang,
  );
  const when = formatWhen(planned.nextRunAtMs, job.tz, o.nowMs, lang);
  const w = await sendWindow(store, job.accountId, job.userId, o.nowMs, {
    windowMs: o.windowMs ?? DEFAULT_WINDOW_MS,
    quotaPerToken: o.quotaPerToken ?? 10,
  });
  const out: Created = { job, when };
  if (w.closesAtMs === undefined || planned.nextRunAtMs >= w.closesAtMs) {
    out.windowNote =
      w.closesAtMs === undefined
        ? `${job.userId} has not written to this bot since it could last reach them: the message is kept and delivered after they write`
        : `the first firing (${new Date(planned.nextRunAtMs).toISOString()}) is after ${job.userId}'s 24 h window closes (${new Date(w.closesAtMs).toISOString()}); unless they write before then it is kept and delivered after they write`;
  }
  return out;
}

/** Cancel a job, optionally only if it belongs to this contact; false when not found or not active. */
export async function cancelJob(
  store: Pick<AsyncStore, "schedules">,
  id: number,
  nowMs: number,
  owner?: { accountId: string; userId: string },
): Promise<boolean> {
  const job = await store.schedules.get(id);
  if (!job) return false;
  if (owner && (job.accountId !== owner.accountId || job.userId !== owner.userId)) return false;
  return await store.schedules.cancel(id, nowMs);
}

/** The language a contact reads: the setting, or that of their latest message. */
export async function contactLanguage(
  store: Pick<AsyncStore, "inbound">,
  accountId: string,
  userId: string,
  setting: LanguageSetting,
  accountLang?: (accountId: string) => Lang,
): Promise<ScheduleLanguage> {
  const latest =
    setting === "contact" ? (await store.inbound.list({ accountId, userId, limit: 1 }))[0] : undefined;
  return pickLanguage(setting, latest ? firstText(latest.items) : undefined, accountLang?.(accountId));
}

/** One line per job for a chat or a tool answer. */
export function describeJob(job: ScheduleJob, nowMs: number, lang: ScheduleLanguage): string {
  const next = job.nextRunAtMs === undefined ? "-" : formatWhen(job.nextRunAtMs, job.tz, nowMs, lang);
  const what = job.action === "prompt" ? `prompt: ${preview(job.body, 60)}` : preview(job.body, 60);
  const repeat = job.kind === "cron" ? `cron "${job.cron}" ${job.tz}` : "once";
  return `#${job.id} ${repeat}, next ${next}: ${what}`;
}
