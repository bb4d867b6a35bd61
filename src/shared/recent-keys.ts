/**
 * A bounded, time-limited set of dedup keys: what the SDK's `Bot` remembers of the messages it has
 * seen, and the gateway poller's second net for redeliveries whose message_id changed or went
 * missing (the store's unique dedupKey is the first; the poller seeds it from the store at start
 * so a restart does not forget what it just answered).
 */
export class RecentKeys {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** True when `key` was seen within the TTL. */
  has(key: string, nowMs: number): boolean {
    const at = this.#seen.get(key);
    return at !== undefined && nowMs - at <= this.ttlMs;
  }

  add(key: string, nowMs: number): void {
    this.#seen.delete(key);
    this.#seen.set(key, nowMs);
    // Map keeps insertion order: the first entries are the oldest.
    while (this.#seen.size > this.maxEntries) {
      const oldest = this.#seen.keys().next();
      if (oldest.done) break;
      this.#seen.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#seen.size;
  }
}
