/**
 * A wake-up for `wait_for_messages`. Messages stored by this process (the local poller) wake the
 * waiters at once; messages stored by another process (a running `wxagent start`) are found by
 * the waiters' periodic look at the store, so both cases work without a shared event bus.
 */
export class InboxSignal {
  readonly #waiters = new Set<() => void>();

  /** Something new may be in the store. */
  notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves after `ms`, on `notify()`, or on abort, whichever comes first. Never rejects. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#waiters.add(done);
      if (signal?.aborted) done();
      else signal?.addEventListener("abort", done, { once: true });
    });
  }

  get waiting(): number {
    return this.#waiters.size;
  }
}
