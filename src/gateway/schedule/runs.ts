/** Pieces of a firing's life outside the timer: settling runs from their bubbles, missed firings, a prompt's turn. */
import { MessageItemType } from "../../ilink/wire.js";
import type { AsyncStore } from "../../store/async.js";
import type { InboundMessage, ScheduleJob, ScheduleRun } from "../../store/types.js";
import { nextCronRun } from "./timing.js";

/** Runs left `running` or `held`: settle them from their bubbles (a held one sent after the contact wrote). */
export async function settleOpenRuns(store: Pick<AsyncStore, "schedules">, now: number): Promise<void> {
  for (const state of ["running", "held"] as const) {
    for (const run of await store.schedules.runs({ state, limit: 200 })) {
      if (run.outboundIds.length === 0) continue;
      const states = await store.schedules.runBubbles(run.id);
      if (states.length > 0 && states.every((s) => s === "sent"))
        await store.schedules.updateRun(run.id, { state: "sent", finishedAtMs: now });
      else if (states.some((s) => s === "failed") && !states.some((s) => s === "pending" || s === "deferred"))
        await store.schedules.updateRun(run.id, { state: "failed", finishedAtMs: now });
    }
  }
}

/** How many firings of a job were missed from `dueAtMs` up to `now`, and the last of them. */
export function missedFirings(
  job: ScheduleJob,
  dueAtMs: number,
  now: number,
): { missed: number; last: number } {
  let missed = 1;
  let last = dueAtMs;
  if (job.kind !== "cron" || !job.cron) return { missed, last };
  let at = nextCronRun(job.cron, job.tz, dueAtMs);
  while (at !== undefined && at <= now && missed < 1000) {
    missed++;
    last = at;
    at = nextCronRun(job.cron, job.tz, at);
  }
  return { missed, last };
}

/**
 * The made-up message a prompt job's turn runs on: a negative id (never a stored row), the
 * contact as sender, the prompt under a line that tells the agent what this is.
 */
export function promptMessage(job: ScheduleJob, run: ScheduleRun, when: string, now: number): InboundMessage {
  const text = `[Scheduled job #${job.id}, due ${new Date(run.scheduledAtMs).toISOString()} (${when} ${job.tz}), set up earlier in this chat. Do it now; the contact is not necessarily reading, so answer in one message.]\n${job.body}`;
  return {
    id: -run.id,
    accountId: job.accountId,
    fromUserId: job.userId,
    ...(job.groupId ? { groupId: job.groupId } : {}),
    dedupKey: `schedule:${run.id}`,
    items: [{ type: MessageItemType.TEXT, text_item: { text } }],
    state: "processing",
    receivedAtMs: now,
  };
}
