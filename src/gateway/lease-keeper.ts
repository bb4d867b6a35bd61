/**
 * The lease keeper of one gateway node: every `renewMs` it heartbeats, renews the leases it holds,
 * hands back what exceeds its fair share (ceil(accounts ÷ live nodes)) and takes free or expired
 * leases up to that share. It stops counting an account as owned `marginMs` before its lease could
 * pass on, measured from when the last successful renewal was *sent* (the server's expiry is
 * later still), so a node whose renewals stall stops polling before another node may start.
 *
 * Pure logic: the lease table (postgres-leases.ts, or an in-memory one in tests), the account
 * list and the clock are injected; no gateway wiring.
 */
import { EventEmitter } from "node:events";
import type { LeaseTable } from "../store/postgres-leases.js";

/** The lease functions the keeper uses (PostgreSQL's LeaseTable, or an in-memory one in tests). */
export type LeaseOps = LeaseTable;

export interface KeeperClock {
  now(): number;
  /** Call `fn` after `ms`; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const realClock: KeeperClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return () => clearTimeout(t);
  },
};

/** How long a lease (and a node's heartbeat) lasts unrenewed; `status` counts live nodes with it. */
export const DEFAULT_LEASE_TTL_MS = 6000;

export interface LeaseKeeperOptions {
  nodeId: string;
  ops: LeaseOps;
  /** Every account that should be polled by some node. */
  accounts: () => readonly string[] | Promise<readonly string[]>;
  clock?: KeeperClock;
  /** Default 2000. */
  renewMs?: number;
  /** Default DEFAULT_LEASE_TTL_MS. */
  ttlMs?: number;
  /** How long before expiry an unrenewed lease stops counting as owned (default renewMs / 2). */
  marginMs?: number;
}

export interface OwnedLease {
  accountId: string;
  epoch: number;
}

export type LostReason = "taken" | "expiring" | "released";

export interface LeaseKeeperEvents {
  gained: [lease: OwnedLease];
  lost: [accountId: string, reason: LostReason];
  /** A round that failed (the database unreachable…); the next round retries. */
  error: [err: unknown];
}

interface Held {
  epoch: number;
  /** Local time after which the lease no longer counts as owned. */
  untilMs: number;
  /** `lost` was emitted for it (expiring) and `gained` not since. */
  lostSaid: boolean;
}

export class LeaseKeeper extends EventEmitter<LeaseKeeperEvents> {
  readonly nodeId: string;
  private readonly ops: LeaseOps;
  private readonly clock: KeeperClock;
  private readonly renewMs: number;
  private readonly ttlMs: number;
  private readonly marginMs: number;
  private readonly held = new Map<string, Held>();
  private running = false;
  private cancelTick: (() => void) | undefined;
  private cancelExpiry: (() => void) | undefined;
  private current: Promise<void> | undefined;

  constructor(private readonly options: LeaseKeeperOptions) {
    super();
    this.nodeId = options.nodeId;
    this.ops = options.ops;
    this.clock = options.clock ?? realClock;
    this.renewMs = options.renewMs ?? 2000;
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.marginMs = options.marginMs ?? Math.floor(this.renewMs / 2);
  }

  /** The accounts this node may poll and send for now, with the epoch that fences its writes. */
  owned(): OwnedLease[] {
    const now = this.clock.now();
    return [...this.held]
      .filter(([, h]) => h.untilMs > now)
      .map(([accountId, h]) => ({ accountId, epoch: h.epoch }))
      .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  }

  /**
   * The epoch last granted for `accountId` while this node has not let it go, even past the local
   * margin (undefined once it was taken, released or given back). Writes fenced by it are safe
   * whatever the local clock says: the database commits them only while that epoch holds there.
   */
  fencingEpochOf(accountId: string): number | undefined {
    return this.held.get(accountId)?.epoch;
  }

  /** The epoch of `accountId` when owned now, else undefined. */
  epochOf(accountId: string): number | undefined {
    const h = this.held.get(accountId);
    return h && h.untilMs > this.clock.now() ? h.epoch : undefined;
  }

  /** Run a round now and then one every renewMs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stop renewing (the leases run out on their own unless `releaseAll`). */
  stop(): void {
    this.running = false;
    this.cancelTick?.();
    this.cancelTick = undefined;
    this.cancelExpiry?.();
    this.cancelExpiry = undefined;
  }

  /** Stop, hand every lease back and leave (a clean shutdown: the others take over at their next round). */
  async releaseAll(): Promise<void> {
    this.stop();
    await this.idle();
    for (const accountId of [...this.held.keys()]) await this.drop(accountId, "released", true);
    await this.ops.leave(this.nodeId);
  }

  /**
   * Hand one lease back now (this node cannot serve the account): `lost` is emitted, and the
   * account counts toward no node's share until some node takes it at its next round.
   */
  async giveBack(accountId: string): Promise<void> {
    await this.drop(accountId, "released", true);
  }

  /** Resolves when the round in flight (if any) has finished. */
  idle(): Promise<void> {
    return this.current ?? Promise.resolve();
  }

  /** One round: heartbeat, renew, rebalance. Rounds never overlap. */
  tick(): Promise<void> {
    this.current ??= this.round()
      .catch((err: unknown) => {
        this.emit("error", err);
      })
      .finally(() => {
        this.current = undefined;
        this.expireStale();
      });
    return this.current;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.cancelTick = this.clock.setTimer(() => {
      const started = this.clock.now();
      void this.tick().then(() => this.schedule(Math.max(0, this.renewMs - (this.clock.now() - started))));
    }, ms);
  }

  private async round(): Promise<void> {
    const sentAt = this.clock.now();
    const until = sentAt + this.ttlMs - this.marginMs;
    await this.ops.heartbeat(this.nodeId);
    const renewed = await this.ops.renewAll(this.nodeId, [...this.held.keys()], this.ttlMs);
    for (const [accountId, h] of [...this.held]) {
      const epoch = renewed.get(accountId) ?? null;
      if (epoch === null) {
        await this.drop(accountId, "taken", false);
      } else if (epoch !== h.epoch || h.lostSaid || h.untilMs <= this.clock.now()) {
        // Expired here and renewed (or passed on and back): a fresh grant, announced as one.
        this.sayLost(accountId, h, epoch === h.epoch ? "expiring" : "taken");
        this.grant(accountId, epoch, until);
      } else {
        h.untilMs = until;
      }
    }
    const accounts = new Set(await this.options.accounts());
    const live = new Set(await this.ops.liveNodes(this.ttlMs));
    live.add(this.nodeId);
    const share = Math.ceil(accounts.size / live.size);
    // Accounts no longer configured go back; then the excess over the share.
    for (const accountId of [...this.held.keys()]) {
      if (!accounts.has(accountId)) await this.drop(accountId, "released", true);
    }
    const mine = [...this.held.keys()].sort();
    for (const accountId of mine.slice(share)) await this.drop(accountId, "released", true);
    if (this.held.size >= share) return;
    const holders = await this.ops.holders();
    const taken = new Set(holders.filter((h) => h.live && h.nodeId !== this.nodeId).map((h) => h.accountId));
    const free = [...accounts].filter((id) => !taken.has(id) && !this.held.has(id)).sort();
    // As many as the share lacks, in one statement; again with the next ones for those another
    // node took first.
    while (this.held.size < share && free.length > 0) {
      const batch = free.splice(0, share - this.held.size);
      const granted = await this.ops.acquireMany(this.nodeId, batch, this.ttlMs);
      for (const accountId of batch) {
        const epoch = granted.get(accountId);
        if (epoch !== undefined) this.grant(accountId, epoch, until);
      }
    }
    this.armExpiry();
  }

  private async drop(accountId: string, reason: LostReason, release: boolean): Promise<void> {
    const h = this.held.get(accountId);
    if (!h) return;
    this.held.delete(accountId);
    // Said even after `expiring` was: the gateway keeps an expiring account's turns, not a lost one's.
    h.lostSaid = false;
    this.sayLost(accountId, h, reason);
    if (release) await this.ops.release(this.nodeId, accountId);
  }

  private grant(accountId: string, epoch: number, untilMs: number): void {
    this.held.set(accountId, { epoch, untilMs, lostSaid: false });
    this.emit("gained", { accountId, epoch });
  }

  private sayLost(accountId: string, h: Held, reason: LostReason): void {
    if (h.lostSaid) return;
    h.lostSaid = true;
    this.emit("lost", accountId, reason);
  }

  /** Announce the leases whose renewal is overdue; keep them in `held` so a late renewal restores them. */
  private expireStale(): void {
    const now = this.clock.now();
    for (const [accountId, h] of this.held) if (h.untilMs <= now) this.sayLost(accountId, h, "expiring");
    this.armExpiry();
  }

  private armExpiry(): void {
    this.cancelExpiry?.();
    this.cancelExpiry = undefined;
    if (!this.running) return;
    const next = Math.min(...[...this.held.values()].filter((h) => !h.lostSaid).map((h) => h.untilMs));
    if (!Number.isFinite(next)) return;
    this.cancelExpiry = this.clock.setTimer(() => this.expireStale(), Math.max(0, next - this.clock.now()));
  }
}
