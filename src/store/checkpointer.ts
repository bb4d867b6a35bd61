/**
 * WAL checkpoints off the event loop. SQLite normally checkpoints inside the COMMIT that pushes the
 * WAL past 1000 pages, and a checkpoint syncs the WAL and the database file: measured under the
 * gateway benchmark, such commits took up to 44 ms, which every message in flight then waits for.
 * With group commit the store turns automatic checkpoints off and this worker thread, on its own
 * connection, runs a PASSIVE checkpoint (never blocks our writers or readers) every `intervalMs`.
 * Closing runs one last checkpoint, so the WAL is folded back into the database file.
 */
import { Worker } from "node:worker_threads";

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
    db.pragma("busy_timeout = 5000");
  } catch (err) {
    parentPort.postMessage({ error: "cannot open " + workerData.file + ": " + text(err) });
    parentPort.close();
    return;
  }
  const checkpoint = () => {
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
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

export function startCheckpointer(
  file: string,
  options: { intervalMs: number; driver: string; onError: (message: string) => void },
): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, intervalMs: options.intervalMs, driver: options.driver },
  });
  // The gateway's lifetime is the process's: the checkpointer never keeps it alive by itself.
  worker.unref();
  worker.on("message", (m: { error?: string }) => {
    if (m.error) options.onError(m.error);
  });
  worker.on("error", (err: unknown) => options.onError(err instanceof Error ? err.message : String(err)));
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
