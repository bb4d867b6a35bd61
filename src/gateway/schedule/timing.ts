/**
 * When a job fires: `--at` (an ISO time, or a wall-clock time in the job's zone), `--in` (a
 * duration from now) and `--cron` (five fields, read in an IANA time zone by croner, which keeps
 * DST right: a 02:30 that does not exist runs at 03:00, one that exists twice runs once).
 * Everything here is pure: the caller passes "now".
 */
import { Cron } from "croner";
import { messageOf, WxError } from "../../shared/wx-error.js";

/** The zone jobs use when none is given: the machine's, else UTC. */
export function defaultTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export class ScheduleInputError extends WxError<"BAD_SCHEDULE"> {
  override readonly name = "ScheduleInputError";
  constructor(message: string) {
    super("BAD_SCHEDULE", message);
  }
}

export function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    throw new ScheduleInputError(
      `unknown time zone "${tz}"; use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC`,
    );
  }
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `90s`, `45m`, `2h`, `1h30m`, `1d`, `2 h` → milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim().toLowerCase().replace(/\s+/g, "");
  const re = /(\d+(?:\.\d+)?)(sec|min|hr|s|m|h|d|w)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    at = re.lastIndex;
  }
  if (s === "" || at !== s.length || total <= 0) {
    throw new ScheduleInputError(
      `cannot read the duration "${text}"; write it like 90s, 45m, 2h, 1h30m or 1d`,
    );
  }
  return Math.round(total);
}

/** The zone's offset from UTC at `ms`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** A wall-clock time in `tz` → epoch ms (a time skipped by DST moves forward by the gap). */
export function zonedToUtc(
  wall: { y: number; mo: number; d: number; h: number; mi: number; s?: number },
  tz: string,
): number {
  const guess = Date.UTC(wall.y, wall.mo - 1, wall.d, wall.h, wall.mi, wall.s ?? 0);
  const first = guess - zoneOffsetMs(guess, tz);
  const second = guess - zoneOffsetMs(first, tz);
  return Math.max(first, second);
}

const ISO_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const TIME_ONLY = /^(\d{1,2}):(\d{2})$/;

/**
 * `2026-05-01T09:00:00+08:00` (exact), `2026-05-01 09:00` (in `tz`), or `09:00` (the next 09:00 in
 * `tz`). The result must lie in the future.
 */
export function parseAt(text: string, tz: string, nowMs: number): number {
  const s = text.trim();
  let ms: number | undefined;
  const local = LOCAL_DATETIME.exec(s);
  const time = TIME_ONLY.exec(s);
  if (ISO_OFFSET.test(s) && /^\d{4}-\d{2}-\d{2}T/.test(s)) ms = Date.parse(s);
  else if (local) {
    const [, y, mo, d, h, mi, sec] = local.map(Number) as number[];
    if ((h as number) < 24 && (mi as number) < 60)
      ms = zonedToUtc(
        { y: y as number, mo: mo as number, d: d as number, h: h as number, mi: mi as number, s: sec || 0 },
        tz,
      );
  } else if (time) {
    const h = Number(time[1]);
    const mi = Number(time[2]);
    if (h < 24 && mi < 60) {
      const today = wallParts(nowMs, tz);
      ms = zonedToUtc({ ...today, h, mi }, tz);
      if (ms <= nowMs) ms = zonedToUtc({ ...wallParts(nowMs + 86_400_000, tz), h, mi }, tz);
    }
  }
  if (ms === undefined || Number.isNaN(ms)) {
    throw new ScheduleInputError(
      `cannot read the time "${text}"; write 2026-05-01T09:00:00+08:00, 2026-05-01 09:00 or 09:00`,
    );
  }
  if (ms <= nowMs) throw new ScheduleInputError(`${text} is in the past; give a time in the future`);
  return ms;
}

/** The calendar date at `ms` in `tz`. */
export function wallParts(ms: number, tz: string): { y: number; mo: number; d: number } {
  const shifted = new Date(ms + zoneOffsetMs(ms, tz));
  return { y: shifted.getUTCFullYear(), mo: shifted.getUTCMonth() + 1, d: shifted.getUTCDate() };
}

function cronOf(expr: string, tz: string): Cron {
  try {
    return new Cron(expr, { timezone: tz, mode: "5-part", paused: true });
  } catch (err) {
    throw new ScheduleInputError(
      `cannot read the cron expression "${expr}" (${messageOf(err).replace(/^CronPattern: /, "")}); use five fields: minute hour day-of-month month day-of-week, e.g. "0 8 * * 1-5" for weekdays at 08:00`,
    );
  }
}

/** Validates a cron expression (five fields) in `tz`; throws ScheduleInputError. */
export function checkCron(expr: string, tz: string): void {
  if (cronOf(expr, tz).nextRun(new Date(0)) === null) {
    throw new ScheduleInputError(`the cron expression "${expr}" never fires`);
  }
}

/** The first firing of `expr` in `tz` strictly after `afterMs`. */
export function nextCronRun(expr: string, tz: string, afterMs: number): number | undefined {
  const next = cronOf(expr, tz).nextRun(new Date(afterMs));
  return next ? next.getTime() : undefined;
}

/** The next `count` firings after `afterMs` (for `list`, the window warning and tests). */
export function nextCronRuns(expr: string, tz: string, afterMs: number, count: number): number[] {
  return cronOf(expr, tz)
    .nextRuns(count, new Date(afterMs))
    .map((d) => d.getTime());
}

/** The shortest gap between two of the next firings (a guard against "every minute" from a contact). */
export function shortestGapMs(expr: string, tz: string, fromMs: number, sample = 8): number {
  const runs = nextCronRuns(expr, tz, fromMs, sample);
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) gap = Math.min(gap, (runs[i] as number) - (runs[i - 1] as number));
  return gap;
}

/** Firings of `expr` in (fromMs, toMs], counted up to `cap`. */
export function countCronRuns(expr: string, tz: string, fromMs: number, toMs: number, cap = 1000): number {
  let n = 0;
  let at = fromMs;
  for (;;) {
    const next = nextCronRun(expr, tz, at);
    if (next === undefined || next > toMs || n >= cap) return n;
    n++;
    at = next;
  }
}
