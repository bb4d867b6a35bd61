/**
 * `waitForState()`: wait for something the simulator will announce. `probe` runs now and again
 * after each simulator event (a message in or out, typing, an account, a QR code, a fault …) until
 * `check` accepts its value, which is returned. No timer polls: a state the simulator never
 * announces is not for this (a file on disk, the gateway's own status). Rejects with a
 * `SimTestError` after `timeoutMs` (naming `what` and the last value probed) or when the simulator
 * closes first, with the signal's reason on an abort, and with whatever `probe` throws.
 */
import type { SimState } from "./state.js";
import { SimTestError } from "./test-error.js";

export interface WaitOptions {
  /** default 10 000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function waitForState<T>(
  state: SimState,
  what: string,
  probe: () => T | Promise<T>,
  check: (value: T) => boolean,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { signal } = options;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let last: T | undefined;
    let running = false;
    let again = false;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      state.listeners.delete(onEvent);
      signal?.removeEventListener("abort", onAbort);
      fn();
    };
    const fail = (code: "SIM_WAIT_TIMEOUT" | "SIM_CLOSED", why: string) =>
      finish(() =>
        reject(
          new SimTestError(code, `${why} waiting for ${what}; last: ${JSON.stringify(last)}`, {
            isRetryable: code === "SIM_WAIT_TIMEOUT",
          }),
        ),
      );
    const run = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          last = await probe();
          if (done) return;
          if (check(last)) return finish(() => resolve(last as T));
        } while (again);
      } catch (err) {
        finish(() => reject(err));
      } finally {
        running = false;
      }
    };
    // After the event's route has finished its work: the event may precede the state it announces.
    const onEvent = (event: { type: string }) => {
      if (event.type === "simulator.closed") fail("SIM_CLOSED", "the simulator closed");
      else setImmediate(() => void run());
    };
    const onAbort = () => finish(() => reject(signal?.reason));
    const timer = setTimeout(() => fail("SIM_WAIT_TIMEOUT", `timed out after ${timeoutMs} ms`), timeoutMs);
    if (state.closed) return fail("SIM_CLOSED", "the simulator closed");
    state.listeners.add(onEvent);
    signal?.addEventListener("abort", onAbort, { once: true });
    void run();
  });
}
