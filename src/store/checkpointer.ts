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
 * The thread runs only while there is work for it (`startOnDemand`): it starts once the WAL holds
 * `startAfterFrames` frames not yet checkpointed (read from the -shm file's header, at most once a
 * second, after a commit) and ends itself after `idleStopMs` in which nothing new reached the WAL
 * and everything in it was checkpointed. A thread is a V8 isolate of its own (measured: 6 MB of an
 * idle daemon's RSS), which a daemon idle most of its life need not hold.
 *
 * Closing runs one last checkpoint, so the WAL is folded back into the database file.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { endianness } from "node:os";
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
        return undefined;
      }
      return pass;
    } catch (err) {
      parentPort.postMessage({ error: text(err) });
      return undefined;
    }
  };
  let timer;
  const end = (idle) => {
    clearInterval(timer);
    if (!idle) checkpoint();
    db.close();
    if (idle) parentPort.postMessage({ idle: true });
    parentPort.close();
  };
  // Idle: everything in the WAL checkpointed, and nothing appended since the last tick.
  let lastLog = -1;
  let idleTicks = 0;
  timer = setInterval(() => {
    const pass = checkpoint();
    const idle = pass !== undefined && pass.log === pass.checkpointed && pass.log === lastLog;
    lastLog = pass ? pass.log : -1;
    idleTicks = idle ? idleTicks + 1 : 0;
    if (workerData.idleStopTicks > 0 && idleTicks >= workerData.idleStopTicks) end(true);
  }, workerData.intervalMs);
  parentPort.on("message", () => end(false));
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
  /** The thread ends itself after this long with nothing to checkpoint (default: never). */
  idleStopMs?: number;
  /** It did (the checkpointer is finished). */
  onIdleStop?(): void;
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
      idleStopTicks: options.idleStopMs ? Math.max(1, Math.ceil(options.idleStopMs / options.intervalMs)) : 0,
    },
  });
  // The gateway's lifetime is the process's: the checkpointer never keeps it alive by itself.
  worker.unref();
  worker.on("message", (m: { error?: string; restart?: RestartInfo; idle?: boolean }) => {
    if (m.error) options.onError(m.error);
    if (m.restart) options.onRestart?.(m.restart);
    if (m.idle) options.onIdleStop?.();
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

/**
 * Frames in the WAL not yet copied into the database file, from the wal-index header at the start
 * of the -shm file (https://sqlite.org/walformat.html: `mxFrame` at byte 16, the checkpoint's
 * `nBackfill` at byte 96, in the machine's byte order). Undefined when the header is not there or
 * not as documented (then the caller must assume there is work).
 */
export function walFramesPending(shmFile: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(shmFile, "r");
    const header = Buffer.alloc(100);
    if (readSync(fd, header, 0, 100, 0) < 100) return undefined;
    const le = endianness() === "LE";
    const u32 = (at: number) => (le ? header.readUInt32LE(at) : header.readUInt32BE(at));
    // iVersion 3007000 and isInit set: a header SQLite has written.
    if (u32(0) !== 3007000 || header[12] !== 1) return undefined;
    return Math.max(0, u32(16) - u32(96));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface OnDemandOptions extends Omit<CheckpointerOptions, "onIdleStop"> {
  /** Start the thread once the WAL holds more frames than this not yet checkpointed. */
  startAfterFrames: number;
  /** The thread ends after this long with nothing to do (see `CheckpointerOptions.idleStopMs`). */
  idleStopMs: number;
  /** Look at the WAL at most this often (default 1000 ms). */
  lookEveryMs?: number;
  now?: () => number;
}

export interface OnDemandCheckpointer extends Checkpointer {
  /** A commit happened: start the thread if the WAL has work for it. */
  committed(): void;
  /** The thread runs now. */
  running(): boolean;
}

/** A checkpoint thread that runs only while the WAL has work for it (see the top of this file). */
export function startOnDemand(file: string, options: OnDemandOptions): OnDemandCheckpointer {
  const now = options.now ?? Date.now;
  const lookEveryMs = options.lookEveryMs ?? 1000;
  let current: Checkpointer | undefined;
  let failed = false;
  let closed = false;
  let lookedAtMs = Number.NEGATIVE_INFINITY;
  const start = (): void => {
    const thread: Checkpointer = startCheckpointer(file, {
      ...options,
      onError: (message) => {
        failed = true;
        options.onError(message);
      },
      onIdleStop: () => {
        if (current === thread) current = undefined;
      },
    });
    current = thread;
  };
  return {
    committed() {
      if (current || failed || closed) return;
      const at = now();
      if (at - lookedAtMs < lookEveryMs) return;
      lookedAtMs = at;
      const pending = walFramesPending(`${file}-shm`);
      if (pending === undefined || pending > options.startAfterFrames) start();
    },
    running: () => current !== undefined,
    close() {
      closed = true;
      const thread = current;
      current = undefined;
      return thread ? thread.close() : Promise.resolve();
    },
  };
}
