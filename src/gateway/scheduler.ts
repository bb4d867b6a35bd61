/**
 * Keyed scheduling: jobs with the same key run one at a time in arrival order (per-contact order),
 * jobs with different keys run in parallel up to `maxConcurrent` (global bound). A busy key holds
 * at most one slot, so a slow contact never blocks another one while slots are free.
 */

interface Lane<J> {
  queue: J[];
  busy: boolean;
  group: string;
}

export class KeyedScheduler<J> {
  readonly #lanes = new Map<string, Lane<J>>();
  /** Keys with queued jobs and no job running, waiting for a slot (FIFO: fair across contacts). */
  readonly #ready: string[] = [];
  readonly #queuedByGroup = new Map<string, number>();
  readonly #roomWaiters = new Set<() => boolean>();
  readonly #idleWaiters = new Set<() => void>();
  #running = 0;
  #paused = false;

  constructor(
    private readonly maxConcurrent: number,
    private readonly run: (job: J, key: string) => Promise<void>,
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    }
  }

  /** Queue a job. `group` (the account) is what backlog and backpressure are counted by. */
  push(key: string, group: string, job: J): void {
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { queue: [], busy: false, group };
      this.#lanes.set(key, lane);
    }
    lane.queue.push(job);
    this.#queuedByGroup.set(group, (this.#queuedByGroup.get(group) ?? 0) + 1);
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

  /** Jobs waiting (not running) in one group, or in all of them. */
  backlog(group?: string): number {
    if (group !== undefined) return this.#queuedByGroup.get(group) ?? 0;
    let n = 0;
    for (const v of this.#queuedByGroup.values()) n += v;
    return n;
  }

  get running(): number {
    return this.#running;
  }

  /** Resolves once the group's backlog is below `maxBacklog`; rejects with the signal's reason. */
  waitForRoom(group: string, maxBacklog: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (signal.aborted) {
          this.#roomWaiters.delete(check);
          reject(signal.reason);
          return true;
        }
        if (this.backlog(group) < maxBacklog) {
          this.#roomWaiters.delete(check);
          signal.removeEventListener("abort", check);
          resolve();
          return true;
        }
        return false;
      };
      if (check()) return;
      this.#roomWaiters.add(check);
      signal.addEventListener("abort", check, { once: true });
    });
  }

  /** Stop starting queued jobs (shutdown). Running jobs go on. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /** Drop every queued job (they stay unfinished in the store) and return them. */
  clearQueued(): J[] {
    const dropped: J[] = [];
    for (const [key, lane] of this.#lanes) {
      dropped.push(...lane.queue);
      lane.queue = [];
      if (!lane.busy) this.#lanes.delete(key);
    }
    this.#ready.length = 0;
    this.#queuedByGroup.clear();
    this.#notifyRoom();
    return dropped;
  }

  /** Resolves when no job is running. */
  whenIdle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.add(resolve));
  }

  #pump(): void {
    while (!this.#paused && this.#running < this.maxConcurrent && this.#ready.length > 0) {
      const key = this.#ready.shift() as string;
      const lane = this.#lanes.get(key);
      const job = lane?.queue.shift();
      if (!lane || job === undefined) continue;
      lane.busy = true;
      this.#running += 1;
      this.#queuedByGroup.set(lane.group, (this.#queuedByGroup.get(lane.group) ?? 1) - 1);
      this.#notifyRoom();
      void this.#runOne(key, lane, job);
    }
  }

  async #runOne(key: string, lane: Lane<J>, job: J): Promise<void> {
    try {
      await this.run(job, key);
    } catch {
      // `run` owns its errors; a throw here must not stall the lane.
    } finally {
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

  #notifyRoom(): void {
    for (const check of [...this.#roomWaiters]) check();
  }
}
