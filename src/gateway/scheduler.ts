/**
 * Keyed scheduling for turns: the shared per-key lanes (`KeyedLanes`: one job at a time per key in
 * arrival order, at most `maxConcurrent` across keys) plus what the gateway counts by group (the
 * account): its backlog, and backpressure that waits until the backlog is below a bound.
 */
import { KeyedLanes } from "../shared/sequentialize.js";

interface Entry<J> {
  job: J;
  group: string;
}

export class KeyedScheduler<J> {
  readonly #lanes: KeyedLanes<Entry<J>>;
  readonly #queuedByGroup = new Map<string, number>();
  readonly #roomWaiters = new Set<() => boolean>();

  /** `run` may call `release()` to hand its slot back before it ends (see `KeyedLanes`). */
  constructor(maxConcurrent: number, run: (job: J, key: string, release: () => void) => Promise<void>) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    }
    this.#lanes = new KeyedLanes<Entry<J>>(
      (entry, key, release) => {
        this.#count(entry.group, -1);
        this.#notifyRoom();
        return run(entry.job, key, release);
      },
      { maxConcurrency: maxConcurrent },
    );
  }

  /** Queue a job. `group` (the account) is what backlog and backpressure are counted by. */
  push(key: string, group: string, job: J): void {
    this.#count(group, 1);
    this.#lanes.push(key, { job, group });
  }

  /** Jobs waiting (not running) for one key. */
  queuedFor(key: string): number {
    return this.#lanes.queuedFor(key);
  }

  isBusy(key: string): boolean {
    return this.#lanes.isBusy(key);
  }

  /** Jobs waiting (not running) in one group, or in all of them. */
  backlog(group?: string): number {
    if (group !== undefined) return this.#queuedByGroup.get(group) ?? 0;
    let n = 0;
    for (const v of this.#queuedByGroup.values()) n += v;
    return n;
  }

  get running(): number {
    return this.#lanes.running;
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
    this.#lanes.pause();
  }

  resume(): void {
    this.#lanes.resume();
  }

  /** Drop the queued jobs (of one group, or all); they stay unfinished in the store. Returns them. */
  clearQueued(group?: string): J[] {
    const dropped = this.#lanes
      .clearQueued((e) => group === undefined || e.group === group)
      .map((e) => e.job);
    if (group === undefined) this.#queuedByGroup.clear();
    else this.#queuedByGroup.delete(group);
    this.#notifyRoom();
    return dropped;
  }

  /** Resolves when no job is running. */
  whenIdle(): Promise<void> {
    return this.#lanes.whenIdle();
  }

  #count(group: string, delta: number): void {
    this.#queuedByGroup.set(group, (this.#queuedByGroup.get(group) ?? 0) + delta);
  }

  #notifyRoom(): void {
    for (const check of [...this.#roomWaiters]) check();
  }
}
