/**
 * "One at a time per key", once for the SDK and the gateway: jobs with the same key run one at a
 * time in arrival order (per-contact order); jobs with different keys run in parallel, at most
 * `maxConcurrency` at once (a global bound). A busy key holds at most one slot and keys wait for a
 * slot first come first served, so a slow contact never blocks another one while slots are free.
 *
 * A job may hand its slot back before it ends (`release`, the third argument of `run`): its key
 * stays busy, so the key's next job still waits, but another key's job may start. The gateway does
 * this once the agent has answered, so sending a reply does not count against the turn bound.
 *
 * `KeyedLanes` is the engine (queued jobs can be paused, dropped, counted); `sequentialize` is the
 * everyday form: `run(item, task)` resolves or rejects with the task, after the earlier tasks of
 * the item's key settled.
 */

interface Lane<J> {
  queue: J[];
  busy: boolean;
}

/**
 * Options of `KeyedLanes` and `sequentialize`.
 *
 * @example
 * import type { SequentializeOptions } from "wxagent/ilink";
 * const options: SequentializeOptions = { maxConcurrency: 4 };
 */
export interface SequentializeOptions {
  /** Jobs running at once across all keys (default: no bound). */
  maxConcurrency?: number;
}

/** Per-key FIFO lanes sharing `maxConcurrency` slots; `run` owns its errors (a throw is ignored). */
export class KeyedLanes<J> {
  readonly #lanes = new Map<string, Lane<J>>();
  /** Keys with queued jobs and no job running, waiting for a slot (FIFO: fair across keys). */
  readonly #ready: string[] = [];
  readonly #idleWaiters = new Set<() => void>();
  readonly #max: number;
  /** Jobs running (a key's lane busy). */
  #running = 0;
  /** Slots held: running jobs that have not released theirs. */
  #held = 0;
  #paused = false;

  constructor(
    /** Runs a job; `release()` hands its slot back before it ends (the key stays busy). */
    private readonly run: (job: J, key: string, release: () => void) => Promise<void>,
    options: SequentializeOptions = {},
  ) {
    const max = options.maxConcurrency ?? Number.POSITIVE_INFINITY;
    if (max !== Number.POSITIVE_INFINITY && (!Number.isInteger(max) || max < 1)) {
      throw new RangeError(`maxConcurrency must be a positive integer, got ${max}`);
    }
    this.#max = max;
  }

  push(key: string, job: J): void {
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { queue: [], busy: false };
      this.#lanes.set(key, lane);
    }
    lane.queue.push(job);
    if (!lane.busy && lane.queue.length === 1) this.#ready.push(key);
    this.#pump();
  }

  /** Jobs waiting (not running) for one key. */
  queuedFor(key: string): number {
    return this.#lanes.get(key)?.queue.length ?? 0;
  }

  isBusy(key: string): boolean {
    return this.#lanes.get(key)?.busy ?? false;
  }

  /** Jobs running now. */
  get running(): number {
    return this.#running;
  }

  /** Keys with a job running or queued. */
  get activeKeys(): number {
    return this.#lanes.size;
  }

  /** Stop starting queued jobs (shutdown). Running jobs go on. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /**
   * Drop the queued jobs `which` picks (default: every one) and return them, in key order then
   * arrival order. Running jobs go on; the jobs kept keep their order and their place.
   */
  clearQueued(which: (job: J) => boolean = () => true): J[] {
    const dropped: J[] = [];
    for (const [key, lane] of this.#lanes) {
      const kept: J[] = [];
      for (const job of lane.queue) (which(job) ? dropped : kept).push(job);
      lane.queue = kept;
      if (!lane.busy && kept.length === 0) this.#lanes.delete(key);
    }
    // A key waits for a slot only while it has jobs queued (and none running, as before).
    const waiting = this.#ready.filter((key) => (this.#lanes.get(key)?.queue.length ?? 0) > 0);
    this.#ready.length = 0;
    this.#ready.push(...waiting);
    return dropped;
  }

  /** Resolves when no job is running. */
  whenIdle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.add(resolve));
  }

  #pump(): void {
    while (!this.#paused && this.#held < this.#max && this.#ready.length > 0) {
      const key = this.#ready.shift() as string;
      const lane = this.#lanes.get(key);
      const job = lane?.queue.shift();
      if (!lane || job === undefined) continue;
      lane.busy = true;
      this.#running += 1;
      this.#held += 1;
      void this.#runOne(key, lane, job);
    }
  }

  async #runOne(key: string, lane: Lane<J>, job: J): Promise<void> {
    let holding = true;
    /** Hands the slot back once; true the first time. */
    const giveBack = (): boolean => {
      if (!holding) return false;
      holding = false;
      this.#held -= 1;
      return true;
    };
    try {
      await this.run(job, key, () => {
        if (giveBack()) this.#pump();
      });
    } catch {
      // `run` owns its errors; a throw here must not stall the lane.
    } finally {
      giveBack();
      lane.busy = false;
      this.#running -= 1;
      if (lane.queue.length > 0) this.#ready.push(key);
      else if (this.#lanes.get(key) === lane) this.#lanes.delete(key);
      if (this.#running === 0) {
        for (const w of this.#idleWaiters) w();
        this.#idleWaiters.clear();
      }
      this.#pump();
    }
  }
}

/**
 * What `sequentialize` returns.
 *
 * @example
 * import { type Sequencer, sequentialize } from "wxagent/ilink";
 * const perKey: Sequencer<string> = sequentialize((key: string) => key);
 * await perKey.idle();
 */
export interface Sequencer<T> {
  /** Run `task` once every earlier task of `item`'s key settled (and a slot is free); never synchronously. */
  run<R>(item: T, task: () => R | Promise<R>): Promise<R>;
  /** Resolves when every task queued so far (and any queued meanwhile) has settled. */
  idle(): Promise<void>;
  /** Keys with a task running or queued. */
  readonly activeKeys: number;
}

/**
 * Per-key order with bounded concurrency across keys.
 *
 * @example
 * import { sequentialize } from "wxagent/ilink";
 * const perContact = sequentialize((m: { from: string }) => m.from, { maxConcurrency: 4 });
 * await perContact.run({ from: "alice" }, async () => "one at a time for alice");
 */
export function sequentialize<T>(
  keyOf: (item: T) => string,
  options: SequentializeOptions = {},
): Sequencer<T> {
  const lanes = new KeyedLanes<() => Promise<void>>((job) => job(), options);
  return {
    run<R>(item: T, task: () => R | Promise<R>): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        lanes.push(keyOf(item), async () => {
          try {
            await undefined; // never inside the caller's `run()` call, as with `promise.then(task)`
            resolve(await task());
          } catch (err) {
            reject(err);
          }
        });
      });
    },
    async idle(): Promise<void> {
      while (lanes.activeKeys > 0) await lanes.whenIdle();
    },
    get activeKeys(): number {
      return lanes.activeKeys;
    },
  };
}
