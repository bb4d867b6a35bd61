/**
 * History retention: every `intervalMs` (and once shortly after start) each account's finished
 * messages past the age or count limit are deleted in small batches, with a yield to the event
 * loop between batches so contacts never wait on it, and the media folders of the deleted
 * inbound messages (`<mediaDir>/<account>/<inbound id>/`) are removed. Files in workspaces belong
 * to the contacts and are never touched.
 */
import { rm } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { AsyncStore } from "../store/async.js";
import { errText, type Logger } from "../util/logger.js";
import { type Clock, systemClock } from "./delivery/clock.js";
import { inboundMediaDir } from "./media/inbound.js";

export interface RetentionSettings {
  /** Finished messages older than this are deleted; 0: no age limit. */
  maxAgeMs: number;
  /** Per account and direction (received, sent); 0: no count limit. */
  maxMessagesPerAccount: number;
}

export const DEFAULT_RETENTION: RetentionSettings = {
  maxAgeMs: 30 * 24 * 60 * 60 * 1000,
  maxMessagesPerAccount: 100_000,
};

export interface RetentionOptions extends RetentionSettings {
  store: AsyncStore;
  logger: Logger;
  /** `<home>/media`: the folders of deleted inbound messages go too. */
  mediaDir?: string;
  clock?: Clock;
  /** Between passes; default 10 minutes. */
  intervalMs?: number;
  /** First pass after start; default 30 s (after the replay of unfinished messages). */
  firstPassAfterMs?: number;
  /** Rows per transaction; default 200 (about 5 ms of work between yields here). */
  batchSize?: number;
}

export interface PruneReport {
  inbound: number;
  outbound: number;
  mediaFolders: number;
}

export interface HistoryPruner {
  start(): void;
  /** Cancels the timer and waits for a pass in flight to finish its current batch. */
  stop(): Promise<void>;
  /** One pass over every account now (also what the timer runs). */
  pruneNow(): Promise<PruneReport>;
}

/** Index entries walked per step when finding the newest N (a few ms; the event loop runs between). */
const COUNT_STEP = 20_000;

/** The id at or below which an account's rows are past its newest `keep` (0: none past it). */
async function countCut(
  store: AsyncStore,
  table: "inbound" | "outbound",
  accountId: string,
  keep: number,
): Promise<number> {
  if (!Number.isFinite(keep)) return 0;
  let below = Number.MAX_SAFE_INTEGER;
  for (let left = keep; left > 0; ) {
    const step = Math.min(left, COUNT_STEP);
    const id = await store.history.olderId(table, accountId, below, step);
    if (id === undefined) return 0; // fewer than `keep` rows
    below = id;
    left -= step;
    if (left > 0) await nextTurn();
  }
  return below - 1;
}

export function createHistoryPruner(options: RetentionOptions): HistoryPruner {
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? 10 * 60 * 1000;
  const batchSize = options.batchSize ?? 200;
  const log = options.logger;
  let cancel: (() => void) | undefined;
  let started = false;
  /** Set by stop(): a pass in flight ends after its current batch. */
  let stopping = false;
  let inFlight: Promise<PruneReport> | undefined;

  const pass = async (): Promise<PruneReport> => {
    const report: PruneReport = { inbound: 0, outbound: 0, mediaFolders: 0 };
    const keepNewest = options.maxMessagesPerAccount > 0 ? options.maxMessagesPerAccount : Infinity;
    const beforeMs = options.maxAgeMs > 0 ? clock.now() - options.maxAgeMs : undefined;
    if (keepNewest === Infinity && beforeMs === undefined) return report;
    for (const account of await options.store.accounts.list()) {
      const rule = beforeMs === undefined ? {} : { beforeMs };
      const cutoffs = {
        inboundId: await countCut(options.store, "inbound", account.id, keepNewest),
        outboundId: await countCut(options.store, "outbound", account.id, keepNewest),
      };
      for (;;) {
        const batch = await options.store.history.pruneBatch(account.id, { ...rule, cutoffs }, batchSize);
        report.inbound += batch.inboundIds.length;
        report.outbound += batch.outbound;
        if (options.mediaDir) {
          for (const id of batch.inboundIds) {
            const dir = inboundMediaDir(options.mediaDir, account.id, id);
            try {
              await rm(dir, { recursive: true }); // most messages have no media folder: ENOENT
              report.mediaFolders++;
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
                log.warn(
                  { accountId: account.id, inboundId: id, err: errText(err) },
                  "could not remove media",
                );
              }
            }
          }
        }
        if (batch.inboundIds.length < batchSize && batch.outbound < batchSize) break;
        await nextTurn(); // let polls and turns run between batches
        if (stopping) return report;
      }
    }
    if (report.inbound || report.outbound) log.info(report, "old history pruned");
    return report;
  };

  const run = (): Promise<PruneReport> => {
    inFlight ??= pass()
      .catch((err) => {
        log.warn({ err: errText(err) }, "history pruning failed; will try again at the next pass");
        return { inbound: 0, outbound: 0, mediaFolders: 0 };
      })
      .finally(() => {
        inFlight = undefined;
        stopping = false;
      });
    return inFlight;
  };
  const schedule = (ms: number) => {
    cancel = clock.after(ms, () => {
      void run().then(() => {
        if (started) schedule(intervalMs);
      });
    });
  };

  return {
    start() {
      if (started) return;
      started = true;
      schedule(options.firstPassAfterMs ?? 30_000);
    },
    async stop() {
      started = false;
      cancel?.();
      cancel = undefined;
      if (inFlight) {
        stopping = true;
        await inFlight;
      }
    },
    pruneNow: run,
  };
}
