/**
 * SILK → PCM off the event loop. silk-wasm decodes synchronously inside WebAssembly, so on the
 * main thread a long note stops every other contact until it is done. Here each decode runs in a
 * worker_threads Worker with a heap cap, a deadline and the turn's signal (terminated on either),
 * at most two at once. The caller bounds the input first (silk.ts counts the packets), so what
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
(async () => {
  const { decode } = require(workerData.modulePath);
  const out = await decode(workerData.silk, workerData.sampleRate);
  parentPort.postMessage({ pcm: out.data, durationMs: out.duration }, [out.data.buffer]);
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

/** Decode SILK to 16-bit mono PCM in a worker. Throws VOICE_DECODE_FAILED, or the signal's reason. */
export async function decodeSilkInWorker(
  silk: Uint8Array,
  options: DecodeOptions,
): Promise<{ pcm: Uint8Array; durationMs: number }> {
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
    workerData: { modulePath, silk, sampleRate: options.sampleRate },
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
      worker.once("message", (m: { pcm?: Uint8Array; durationMs?: number; error?: string }) => {
        done();
        if (m.error !== undefined || !m.pcm) fail(`the SILK voice note could not be decoded: ${m.error}`);
        else resolve({ pcm: m.pcm, durationMs: m.durationMs ?? 0 });
      });
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
