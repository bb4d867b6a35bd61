/**
 * Turning a request ("at 09:00", "in 2h", "cron 0 8 * * 1-5 in Asia/Shanghai"; a text, a file or
 * a prompt) into a job for the store, with the limits that keep a contact from filling the quota,
 * and the next firing of a stored job.
 */
import type { NewScheduleJob, ScheduleAction, ScheduleCreator, ScheduleJob } from "../../store/types.js";
import {
  checkCron,
  checkTimeZone,
  countCronRuns,
  defaultTimeZone,
  nextCronRun,
  parseAt,
  parseDuration,
  ScheduleInputError,
  shortestGapMs,
} from "./timing.js";

export interface ScheduleRequest {
  accountId: string;
  userId: string;
  groupId?: string;
  /** Exactly one of `at`, `in`, `cron`. */
  at?: string;
  in?: string;
  cron?: string;
  tz?: string;
  /** Exactly one of `text`, `file`, `prompt`. */
  text?: string;
  file?: string;
  caption?: string;
  prompt?: string;
  createdBy: ScheduleCreator;
}

export interface JobLimits {
  /** Active jobs one contact may make through the agent (operators are not limited). */
  maxJobsPerContact: number;
  /** Least gap between two firings of a contact's recurring job. */
  contactMinIntervalMs: number;
  /** Longest text or prompt. */
  maxBodyChars: number;
}

export const DEFAULT_JOB_LIMITS: JobLimits = {
  maxJobsPerContact: 20,
  contactMinIntervalMs: 15 * 60_000,
  maxBodyChars: 4000,
};

const one = (...xs: (string | undefined)[]) => xs.filter((x) => x !== undefined && x !== "").length === 1;

/** A validated job ready for `ScheduleStore.create`; throws ScheduleInputError with the fix. */
export function planJob(
  req: ScheduleRequest,
  nowMs: number,
  activeForContact: number,
  limits: JobLimits = DEFAULT_JOB_LIMITS,
): NewScheduleJob {
  const tz = checkTimeZone(req.tz?.trim() || defaultTimeZone());
  if (!one(req.at, req.in, req.cron))
    throw new ScheduleInputError("give exactly one of at (a time), in (a duration) or cron (an expression)");
  if (!one(req.text, req.file, req.prompt))
    throw new ScheduleInputError("give exactly one of text, file or prompt");
  const byContact = req.createdBy !== "operator";
  if (byContact && activeForContact >= limits.maxJobsPerContact) {
    throw new ScheduleInputError(
      `this chat has ${activeForContact} scheduled jobs already (the most allowed is ${limits.maxJobsPerContact}); cancel one first`,
    );
  }
  const action: ScheduleAction = req.text !== undefined ? "text" : req.file !== undefined ? "file" : "prompt";
  const body = (req.text ?? req.file ?? req.prompt ?? "").trim();
  if (body === "") throw new ScheduleInputError(`the ${action} is empty`);
  if (body.length > limits.maxBodyChars)
    throw new ScheduleInputError(`the ${action} is longer than ${limits.maxBodyChars} characters`);
  const base = {
    accountId: req.accountId,
    userId: req.userId,
    ...(req.groupId ? { groupId: req.groupId } : {}),
    tz,
    action,
    body,
    ...(req.caption?.trim() ? { caption: req.caption.trim() } : {}),
    createdBy: req.createdBy,
  };
  if (req.cron !== undefined) {
    const cron = req.cron.trim().replace(/\s+/g, " ");
    checkCron(cron, tz);
    if (byContact && shortestGapMs(cron, tz, nowMs) < limits.contactMinIntervalMs) {
      throw new ScheduleInputError(
        `"${cron}" fires more often than every ${Math.round(limits.contactMinIntervalMs / 60_000)} minutes; WeChat allows only about 10 bot messages per message you send, so choose a longer interval`,
      );
    }
    const next = nextCronRun(cron, tz, nowMs) as number;
    return { ...base, kind: "cron", cron, nextRunAtMs: next };
  }
  const atMs = req.at !== undefined ? parseAt(req.at, tz, nowMs) : nowMs + parseDuration(req.in as string);
  return { ...base, kind: "once", atMs, nextRunAtMs: atMs };
}

/** The firing after `afterMs` of a job, or undefined when a one-off job has nothing left. */
export function nextAfter(
  job: Pick<ScheduleJob, "kind" | "cron" | "tz">,
  afterMs: number,
): number | undefined {
  if (job.kind !== "cron" || !job.cron) return undefined;
  return nextCronRun(job.cron, job.tz, afterMs);
}

/** Firings of a job in (fromMs, toMs] (a one-off job: 1 when its time is inside). */
export function firingsBetween(job: ScheduleJob, fromMs: number, toMs: number): number {
  if (job.kind === "cron" && job.cron) return countCronRuns(job.cron, job.tz, fromMs, toMs);
  return job.atMs !== undefined && job.atMs > fromMs && job.atMs <= toMs ? 1 : 0;
}

export { ScheduleInputError };
