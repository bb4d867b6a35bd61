/**
 * For lease-keeper tests: a fake clock whose timers fire only when a test advances it, and an
 * in-memory lease table with the rules of postgres-leases.ts on that clock (the "server clock").
 */
import type { LeaseHolder } from "../store/postgres-leases.js";
import type { KeeperClock, LeaseOps } from "./lease-keeper.js";

export class FakeClock implements KeeperClock {
  private t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private ids = 0;
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): () => void {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id);
    };
  }
  /** Move time on by `ms`, firing due timers in order, letting each's async work settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
    await settle();
  }
}

/** Let promise chains (the in-memory table answers at once) run to their end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

interface Row {
  nodeId: string | undefined;
  epoch: number;
  expiresAt: number;
}

export class MemoryLeases implements LeaseOps {
  readonly rows = new Map<string, Row>();
  readonly beats = new Map<string, number>();
  /** Nodes whose calls fail (a node cut off from the database). */
  readonly unreachable = new Set<string>();
  constructor(private readonly clock: KeeperClock) {}

  private reach(nodeId: string): void {
    if (this.unreachable.has(nodeId)) throw new Error(`${nodeId}: database unreachable`);
  }
  async acquireOrRenew(nodeId: string, accountId: string, ttlMs: number): Promise<number | null> {
    this.reach(nodeId);
    const now = this.clock.now();
    const r = this.rows.get(accountId);
    if (!r) {
      this.rows.set(accountId, { nodeId, epoch: 1, expiresAt: now + ttlMs });
      return 1;
    }
    if (r.nodeId !== nodeId && r.nodeId !== undefined && r.expiresAt >= now) return null;
    if (r.nodeId !== nodeId) r.epoch++;
    r.nodeId = nodeId;
    r.expiresAt = now + ttlMs;
    return r.epoch;
  }
  async acquireMany(
    nodeId: string,
    accountIds: readonly string[],
    ttlMs: number,
  ): Promise<Map<string, number>> {
    const taken = new Map<string, number>();
    for (const accountId of new Set(accountIds)) {
      const epoch = await this.acquireOrRenew(nodeId, accountId, ttlMs);
      if (epoch !== null) taken.set(accountId, epoch);
    }
    return taken;
  }
  async renewAll(nodeId: string, accountIds: readonly string[], ttlMs: number): Promise<Map<string, number>> {
    this.reach(nodeId);
    const now = this.clock.now();
    const renewed = new Map<string, number>();
    for (const accountId of accountIds) {
      const r = this.rows.get(accountId);
      if (r?.nodeId !== nodeId) continue;
      r.expiresAt = now + ttlMs;
      renewed.set(accountId, r.epoch);
    }
    return renewed;
  }
  async release(nodeId: string, accountId: string): Promise<void> {
    this.reach(nodeId);
    const r = this.rows.get(accountId);
    if (r?.nodeId === nodeId) {
      r.nodeId = undefined;
      r.expiresAt = Number.NEGATIVE_INFINITY;
    }
  }
  async heartbeat(nodeId: string): Promise<void> {
    this.reach(nodeId);
    this.beats.set(nodeId, this.clock.now());
  }
  async leave(nodeId: string): Promise<void> {
    this.reach(nodeId);
    this.beats.delete(nodeId);
  }
  async liveNodes(ttlMs: number): Promise<string[]> {
    const now = this.clock.now();
    return [...this.beats].filter(([, at]) => at > now - ttlMs).map(([id]) => id);
  }
  async holders(): Promise<LeaseHolder[]> {
    const now = this.clock.now();
    return [...this.rows].map(([accountId, r]) => ({
      accountId,
      ...(r.nodeId === undefined ? {} : { nodeId: r.nodeId }),
      epoch: r.epoch,
      expiresAtMs: r.expiresAt,
      live: r.expiresAt > now,
    }));
  }
  /** Live holder of each account (the truth the keepers' `owned()` must never contradict). */
  holderOf(accountId: string): string | undefined {
    const r = this.rows.get(accountId);
    return r && r.expiresAt > this.clock.now() ? r.nodeId : undefined;
  }
}
