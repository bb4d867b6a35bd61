/** Scheduled and proactive messages: jobs in the store, one timer, delivery that knows the 24 h window. */
export {
  type Created,
  cancelJob,
  contactLanguage,
  createJob,
  describeJob,
  type JobView,
  jobView,
  type RunView,
  runView,
} from "./api.js";
export { DEFAULT_JOB_LIMITS, type JobLimits, nextAfter, planJob, type ScheduleRequest } from "./jobs.js";
export { type ScheduledTurn, type ScheduleEvent, Scheduler, type SchedulerOptions } from "./scheduler.js";
export { formatWhen, type LanguageSetting, pickLanguage, type ScheduleLanguage, textsFor } from "./texts.js";
export {
  checkCron,
  checkTimeZone,
  defaultTimeZone,
  nextCronRun,
  nextCronRuns,
  parseAt,
  parseDuration,
  ScheduleInputError,
} from "./timing.js";
export { DEFAULT_WINDOW_MS, holdReason, type SendWindow, sendWindow } from "./window.js";
