/**
 * SILK → PCM off the event loop. silk-wasm decodes synchronously inside WebAssembly, so on the
 * main thread a long note stops every other contact until it is done. Here each decode runs in a
 * worker_threads Worker with a heap cap, a deadline and the turn's signal (terminated on either),
 * at most two at once, at a lower priority than the event loop (Linux): off the event loop is not
 * enough on a machine of two cores, where a 60 s note's decode raised another contact's reply time
 * ×2.5–×5 by taking the core the event loop wanted, and ×1.2–×1.3 at nice 10 (`npm run bench:stall`). The caller bounds the input first (silk.ts counts the packets), so what
 * comes back is bounded too.
 *
 * The worker's code is a string (`eval: true`): it then runs the same from src/ under tsx or
 * vitest as from dist/, with no second build output to ship.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { MediaError } from "./errors.js";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
// On Linux a thread has its own nice value: the decode yields the cores to the event loop.
if (process.platform === "linux" && workerData.nice) {
  try { require("node:os").setPriority(workerData.nice); } catch {}
}
(async () => {
  const { decode } = require(workerData.modulePath);
  const out = await decode(workerData.silk, workerData.sampleRate);
  const nice = require("node:os").getPriority();
  parentPort.postMessage({ pcm: out.data, durationMs: out.duration, nice }, [out.data.buffer]);
})().catch((err) => parentPort.postMessage({ error: String((err && err.message) || err) }));
`;

export interface DecodeOptions {
  sampleRate: number;
  /** Wall time of one decode, worker start included (default 20 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Limits of the worker's JavaScript heap (the PCM itself lives in WebAssembly memory). */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 };
const MAX_CONCURRENT = 2;
/**
 * The decoding thread's nice value (Linux; elsewhere the setting is per process, so it is left
 * alone). 10 leaves it about a tenth of a core that the event loop also wants: a 60 s note that
 * decodes in 0.3 s takes at most a few seconds on a saturated machine, well within the deadline.
 */
export const DECODE_NICE = 10;

let running = 0;
const queue: (() => void)[] = [];

async function slot(signal?: AbortSignal): Promise<() => void> {
  if (running >= MAX_CONCURRENT) {
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = queue.indexOf(go);
        if (i >= 0) queue.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(go);
    });
  }
  running++;
  return () => {
    running--;
    queue.shift()?.();
  };
}

let modulePath: string | undefined;

export interface DecodedSilk {
  pcm: Uint8Array;
  durationMs: number;
  /** The decoding thread's nice value, as it saw it (logs, tests). */
  nice?: number;
}

/** Decode SILK to 16-bit mono PCM in a worker. Throws VOICE_DECODE_FAILED, or the signal's reason. */
export async function decodeSilkInWorker(silk: Uint8Array, options: DecodeOptions): Promise<DecodedSilk> {
  const { signal } = options;
  signal?.throwIfAborted();
  const timeoutMs = options.timeoutMs ?? 20_000;
  modulePath ??= createRequire(import.meta.url).resolve("silk-wasm");
  const release = await slot(signal);
  if (signal?.aborted) {
    release();
    throw signal.reason;
  }
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { modulePath, silk, sampleRate: options.sampleRate, nice: DECODE_NICE },
    resourceLimits: RESOURCE_LIMITS,
    stdout: true,
    stderr: true,
  });
  try {
    return await new Promise((resolve, reject) => {
      const fail = (message: string, cause?: unknown) =>
        reject(new MediaError("VOICE_DECODE_FAILED", message, cause === undefined ? {} : { cause }));
      const timer = setTimeout(
        () => fail(`decoding the SILK voice note took longer than ${timeoutMs} ms`),
        timeoutMs,
      );
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      worker.once(
        "message",
        (m: { pcm?: Uint8Array; durationMs?: number; nice?: number; error?: string }) => {
          done();
          if (m.error !== undefined || !m.pcm) fail(`the SILK voice note could not be decoded: ${m.error}`);
          else
            resolve({
              pcm: m.pcm,
              durationMs: m.durationMs ?? 0,
              ...(typeof m.nice === "number" ? { nice: m.nice } : {}),
            });
        },
      );
      worker.once("error", (err) => {
        done();
        fail(`the SILK decoder stopped: ${err.message}`, err);
      });
      worker.once("exit", (code) => {
        done();
        fail(`the SILK decoder exited (code ${code}) before it answered`);
      });
    });
  } finally {
    release();
    await worker.terminate();
  }
}
