/**
 * The window warning: when a contact's send window closes within `warnLeadMs` and they have jobs
 * that fire after it closes, the bot tells them once per window ("reply anything to keep them"),
 * while the window is still open and the quota has room, and never ahead of an outbox that waits.
 * Which window was warned is kept on the contact record (`settings.scheduleWarnedWindowMs`).
 */

import type { Lang } from "../../shared/i18n.js";
import type { AsyncStore } from "../../store/async.js";
import type { ScheduleJob } from "../../store/types.js";
import { errText, type Logger } from "../../util/logger.js";
import type { DeliveryResult, ReplyToDeliver } from "../delivery/delivery.js";
import { formatWhen, textsFor } from "./texts.js";
import { nextCronRun } from "./timing.js";
import { type SendWindow, sendWindow } from "./window.js";

export const WARNED_KEY = "scheduleWarnedWindowMs";

export interface WindowWarningOptions {
  store: AsyncStore;
  windowMs: number;
  warnLeadMs: number;
  quotaPerToken: number;
  /** The language a contact reads the warning in. */
  lang(accountId: string, userId: string): Promise<Lang>;
  serves(accountId: string): Promise<boolean>;
  send(reply: ReplyToDeliver): Promise<DeliveryResult>;
  logger: Logger;
  onWarned(e: { accountId: string; userId: string; jobs: number }): void;
}

/** The first firing of a job at or after `fromMs` (a one-off job: its time, if not before). */
export function firingFrom(job: ScheduleJob, fromMs: number): number | undefined {
  if (job.nextRunAtMs === undefined) return undefined;
  if (job.nextRunAtMs >= fromMs) return job.nextRunAtMs;
  if (job.kind !== "cron" || !job.cron) return undefined;
  return nextCronRun(job.cron, job.tz, fromMs - 1);
}

export class WindowWarnings {
  constructor(private readonly o: WindowWarningOptions) {}

  async #byContact(): Promise<Map<string, ScheduleJob[]>> {
    const by = new Map<string, ScheduleJob[]>();
    for (const job of await this.o.store.schedules.list({ state: "active", limit: 10_000 })) {
      if (!(await this.o.serves(job.accountId))) continue;
      const key = `${job.accountId}\u0000${job.userId}`;
      const list = by.get(key) ?? [];
      list.push(job);
      by.set(key, list);
    }
    return by;
  }

  #window(accountId: string, userId: string, now: number): Promise<SendWindow> {
    return sendWindow(this.o.store, accountId, userId, now, {
      windowMs: this.o.windowMs,
      quotaPerToken: this.o.quotaPerToken,
    });
  }

  async #warned(accountId: string, userId: string, windowStartMs: number): Promise<boolean> {
    return (await this.o.store.contacts.get(accountId, userId))?.settings[WARNED_KEY] === windowStartMs;
  }

  /** The soonest moment a warning may be due (for the timer). */
  async nextAtMs(now: number): Promise<number | undefined> {
    let soonest: number | undefined;
    for (const jobs of (await this.#byContact()).values()) {
      const first = jobs[0] as ScheduleJob;
      const w = await this.#window(first.accountId, first.userId, now);
      if (!w.open || w.closesAtMs === undefined || w.lastInboundAtMs === undefined) continue;
      if (await this.#warned(first.accountId, first.userId, w.lastInboundAtMs)) continue;
      const at = w.closesAtMs - this.o.warnLeadMs;
      if (at > now && (soonest === undefined || at < soonest)) soonest = at;
    }
    return soonest;
  }

  /** Warn every contact whose window is about to close on jobs firing after it. */
  async check(now: number): Promise<void> {
    const sends: Promise<unknown>[] = [];
    for (const jobs of (await this.#byContact()).values()) {
      const { accountId, userId } = jobs[0] as ScheduleJob;
      const w = await this.#window(accountId, userId, now);
      if (!w.open || w.closesAtMs === undefined || w.lastInboundAtMs === undefined) continue;
      if (now < w.closesAtMs - this.o.warnLeadMs) continue;
      if (w.sendsLeft < 1 || w.outbox > 0) continue;
      if (await this.#warned(accountId, userId, w.lastInboundAtMs)) continue;
      const after = jobs
        .map((j) => ({ job: j, at: firingFrom(j, w.closesAtMs as number) }))
        .filter((x): x is { job: ScheduleJob; at: number } => x.at !== undefined)
        .sort((a, b) => a.at - b.at);
      const first = after[0];
      if (!first) continue;
      const lang = await this.o.lang(accountId, userId);
      const text = textsFor(lang).windowWarning({
        jobs: after.length,
        next: formatWhen(first.at, first.job.tz, now, lang),
      });
      await this.o.store.contacts.updateSettings(accountId, userId, (s) => ({
        ...s,
        [WARNED_KEY]: w.lastInboundAtMs,
      }));
      this.o.logger.info(
        { accountId, to: userId, jobs: after.length, closesAtMs: w.closesAtMs },
        "warned the contact that their window closes before their scheduled messages",
      );
      this.o.onWarned({ accountId, userId, jobs: after.length });
      sends.push(
        this.o.send({ accountId, toUserId: userId, text }).catch((err: unknown) => {
          this.o.logger.warn({ accountId, to: userId, err: errText(err) }, "window warning not sent");
        }),
      );
    }
    await Promise.all(sends);
  }
}
