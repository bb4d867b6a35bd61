/**
 * Abort callbacks per caller signal. Many requests in flight often share one signal (a gateway's
 * shutdown signal); Node's EventTarget scans its listener list on every add and remove, so one
 * listener per request makes each call O(requests in flight). One listener per signal fans out
 * to a Set instead (O(1) add and remove).
 */
const abortFanout = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `callback` once when `signal` aborts; the returned function unregisters it. */
export function onAbortOf(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = abortFanout.get(signal);
  if (!callbacks) {
    const set = new Set<() => void>();
    callbacks = set;
    abortFanout.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        abortFanout.delete(signal);
        for (const cb of [...set]) cb();
      },
      { once: true },
    );
  }
  callbacks.add(callback);
  return () => {
    callbacks.delete(callback);
  };
}
