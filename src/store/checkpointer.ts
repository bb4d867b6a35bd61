/**
 * WAL checkpoints off the event loop. SQLite normally checkpoints inside the COMMIT that pushes the
 * WAL past 1000 pages, and a checkpoint syncs the WAL and the database file: measured under the
 * gateway benchmark, such commits took up to 44 ms, which every message in flight then waits for.
 * With group commit the store turns automatic checkpoints off and this worker thread, on its own
 * connection, runs a PASSIVE checkpoint (never blocks our writers or readers) every `intervalMs`.
 *
 * PASSIVE alone is not enough under sustained writes: the WAL only starts over from its beginning
 * once a checkpoint has copied every frame in it, and with a commit every few milliseconds one
 * always lands while the checkpoint runs. Measured: the WAL grew from 79 to 726 MB over 15 s of
 * steady load. So when a PASSIVE pass leaves more than `restartAfterFrames` frames in the log, the
 * thread follows it with a RESTART checkpoint: it waits for the current write transaction to end,
 * holds writers off while it copies the few frames appended since the PASSIVE pass, and lets the
 * next writer start the log over. That writer, the store's connection, cuts the file back to its
 * `journal_size_limit`. A RESTART that cannot get the lock within its short busy timeout is tried
 * again on the next tick.
 *
 * Closing runs one last checkpoint, so the WAL is folded back into the database file.
 */
import { createRequire } from "node:module";
import type * as WorkerThreads from "node:worker_threads";
import { messageOf } from "../shared/wx-error.js";

/** Loaded when a checkpointer starts (a long-running gateway), not by every command that opens the store. */
const workerThreads = (): typeof WorkerThreads =>
  createRequire(import.meta.url)("node:worker_threads") as typeof WorkerThreads;

export interface Checkpointer {
  /** Stops the timer; the thread runs a last checkpoint and ends (resolves when it has). */
  close(): Promise<void>;
}

// Plain JavaScript, run with `eval`: the worker needs no TypeScript loader in tests or in dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const text = (err) => String(err && err.message ? err.message : err);
(() => {
  let db;
  try {
    const Database = require(workerData.driver);
    db = new Database(workerData.file, { fileMustExist: true });
    // Only RESTART waits for locks (PASSIVE never does): briefly, and tries again next tick.
    db.pragma("busy_timeout = " + workerData.restartBusyMs);
  } catch (err) {
    parentPort.postMessage({ error: "cannot open " + workerData.file + ": " + text(err) });
    parentPort.close();
    return;
  }
  const checkpoint = () => {
    try {
      const [pass] = db.pragma("wal_checkpoint(PASSIVE)");
      if (pass && pass.log > workerData.restartAfterFrames) {
        const started = performance.now();
        const [restart] = db.pragma("wal_checkpoint(RESTART)");
        const ms = Math.round((performance.now() - started) * 10) / 10;
        parentPort.postMessage({ restart: { logFrames: pass.log, busy: restart ? restart.busy : 1, ms } });
      }
    } catch (err) {
      parentPort.postMessage({ error: text(err) });
    }
  };
  const timer = setInterval(checkpoint, workerData.intervalMs);
  parentPort.on("message", () => {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.close();
  });
})();
`;

export interface CheckpointerOptions {
  intervalMs: number;
  /** The better-sqlite3 entry the thread loads (resolved by the caller, as the thread has no resolver). */
  driver: string;
  /** A PASSIVE pass that leaves more frames than this in the WAL is followed by a RESTART. */
  restartAfterFrames: number;
  /** How long a RESTART waits for the store's write transaction to end. */
  restartBusyMs?: number;
  onError(message: string): void;
  /** A RESTART ran. */
  onRestart?(info: RestartInfo): void;
}

export interface RestartInfo {
  /** Frames the PASSIVE pass left in the WAL. */
  logFrames: number;
  /** 1: it could not get the lock or finish, and is tried again on the next tick. */
  busy: number;
  /** How long it ran (writers wait for it meanwhile). */
  ms: number;
}

export function startCheckpointer(file: string, options: CheckpointerOptions): Checkpointer {
  const worker = new (workerThreads().Worker)(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file,
      intervalMs: options.intervalMs,
      driver: options.driver,
      restartAfterFrames: options.restartAfterFrames,
      restartBusyMs: options.restartBusyMs ?? 100,
    },
  });
  // The gateway's lifetime is the process's: the checkpointer never keeps it alive by itself.
  worker.unref();
  worker.on("message", (m: { error?: string; restart?: RestartInfo }) => {
    if (m.error) options.onError(m.error);
    if (m.restart) options.onRestart?.(m.restart);
  });
  worker.on("error", (err: unknown) => options.onError(messageOf(err)));
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    close() {
      // Held from here: whoever awaits the last checkpoint keeps the process alive until it ends
      // (an unref'd thread would let Node exit with 13, "unsettled top-level await").
      worker.ref();
      worker.postMessage("close");
      return exited;
    },
  };
}
