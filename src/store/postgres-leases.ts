/**
 * Account leases on PostgreSQL: which gateway node polls (and sends for) which account. A lease
 * row carries its holder, an expiry on the server's clock, and an epoch that rises every time the
 * account passes to another node (or back after a release). `withLease` is the fence: a write
 * made under a lease first re-reads the row `FOR SHARE`, so it commits only while that node still
 * holds that epoch, and a takeover (an UPDATE of the row) waits for it to commit.
 */
import { StoreError } from "./errors.js";
import type { Pq } from "./postgres-db.js";

/** A node's claim on one account: the epoch it was granted (the fencing token). */
export interface Lease {
  nodeId: string;
  accountId: string;
  epoch: number;
}

/** One row of the lease table, for `status` (which node polls which account). */
export interface LeaseHolder {
  accountId: string;
  /** Undefined: released, free for any node. */
  nodeId?: string;
  epoch: number;
  expiresAtMs: number;
  /** Unexpired on the server's clock when read. */
  live: boolean;
}

export interface LeaseTable {
  /** Take or renew `accountId` for `ttlMs`; the epoch held, or null while another live node holds it. */
  acquireOrRenew(nodeId: string, accountId: string, ttlMs: number): Promise<number | null>;
  /**
   * `acquireOrRenew` for many accounts in one statement (a node joining takes hundreds; one round
   * trip each made its first round outlast the leases it took early). The epoch of each account
   * taken; one missing from the answer is held by another live node.
   */
  acquireMany(nodeId: string, accountIds: readonly string[], ttlMs: number): Promise<Map<string, number>>;
  /**
   * Renew, in one statement, the leases `nodeId` still holds among `accountIds` (a node holds
   * hundreds: one round trip per account made a busy node's round outlast its leases). The epoch
   * of each one renewed; an account missing from the answer is no longer this node's.
   */
  renewAll(nodeId: string, accountIds: readonly string[], ttlMs: number): Promise<Map<string, number>>;
  /** Give the account back now (the next holder's epoch is higher, even when it is this node). */
  release(nodeId: string, accountId: string): Promise<void>;
  /** Record that `nodeId` is alive (and when it started, the first time). */
  heartbeat(nodeId: string): Promise<void>;
  /** Forget `nodeId` (a clean shutdown): the others count one node fewer at once. */
  leave(nodeId: string): Promise<void>;
  /** Nodes heard from within `ttlMs`, by id. */
  liveNodes(ttlMs: number): Promise<string[]>;
  holders(): Promise<LeaseHolder[]>;
}

const ms = "$3::double precision * interval '1 millisecond'";

export function createPgLeaseTable(q: Pq): LeaseTable {
  const acquireMany: LeaseTable["acquireMany"] = async (nodeId, accountIds, ttlMs) => {
    if (accountIds.length === 0) return new Map();
    // Distinct and sorted: a row is upserted once, and two nodes lock rows in the same order
    // (no deadlock between two joining at once).
    const ids = [...new Set(accountIds)].sort();
    const rows = await q.rows(
      `INSERT INTO leases AS l (account_id, node_id, epoch, expires_at)
       SELECT a, $1, 1, now() + ${ms} FROM unnest($2::text[]) AS a ORDER BY a
       ON CONFLICT (account_id) DO UPDATE SET
         node_id = $1,
         epoch = CASE WHEN l.node_id = $1 THEN l.epoch ELSE l.epoch + 1 END,
         expires_at = now() + ${ms}
       WHERE l.node_id = $1 OR l.node_id IS NULL OR l.expires_at < now()
       RETURNING account_id, epoch`,
      [nodeId, ids, ttlMs],
    );
    return new Map(rows.map((r) => [String(r.account_id), Number(r.epoch)]));
  };
  return {
    // One account is the one-element case of acquireMany: one statement holds the lease rules.
    async acquireOrRenew(nodeId, accountId, ttlMs) {
      return (await acquireMany(nodeId, [accountId], ttlMs)).get(accountId) ?? null;
    },
    acquireMany,
    async renewAll(nodeId, accountIds, ttlMs) {
      if (accountIds.length === 0) return new Map();
      const rows = await q.rows(
        `UPDATE leases SET expires_at = now() + ${ms}
         WHERE node_id = $1 AND account_id = ANY($2::text[])
         RETURNING account_id, epoch`,
        [nodeId, accountIds, ttlMs],
      );
      return new Map(rows.map((r) => [String(r.account_id), Number(r.epoch)]));
    },
    async release(nodeId, accountId) {
      await q.run(
        "UPDATE leases SET node_id = NULL, expires_at = '-infinity' WHERE account_id = $1 AND node_id = $2",
        [accountId, nodeId],
      );
    },
    async heartbeat(nodeId) {
      await q.run(
        `INSERT INTO nodes (id, started_at, heartbeat_at) VALUES ($1, now(), now())
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
        [nodeId],
      );
    },
    async leave(nodeId) {
      await q.run("DELETE FROM nodes WHERE id = $1", [nodeId]);
    },
    async liveNodes(ttlMs) {
      const rows = await q.rows(
        "SELECT id FROM nodes WHERE heartbeat_at > now() - $1::double precision * interval '1 millisecond' ORDER BY id",
        [ttlMs],
      );
      return rows.map((r) => String(r.id));
    },
    async holders() {
      const rows = await q.rows(
        `SELECT account_id, node_id, epoch, expires_at > now() AS live,
                CASE WHEN expires_at = '-infinity' THEN 0 ELSE (extract(epoch FROM expires_at) * 1000)::bigint END AS exp_ms
         FROM leases ORDER BY account_id`,
      );
      return rows.map((r) => ({
        accountId: String(r.account_id),
        ...(r.node_id == null ? {} : { nodeId: String(r.node_id) }),
        epoch: Number(r.epoch),
        expiresAtMs: Number(r.exp_ms),
        live: r.live === true,
      }));
    },
  };
}

/** LEASE_LOST; with `otherAccount`, a fenced view used for an account its lease does not cover. */
export function leaseLost(lease: Lease, otherAccount?: string): StoreError {
  if (otherAccount !== undefined) {
    return new StoreError(
      "LEASE_LOST",
      `this fenced store holds the lease of account ${lease.accountId}, not ${otherAccount}'s; fence each account's writes with that account's own lease`,
    );
  }
  return new StoreError(
    "LEASE_LOST",
    `account ${lease.accountId} moved to another node (node ${lease.nodeId} no longer holds lease epoch ${lease.epoch}); stop polling and sending for it here, the new holder carries on`,
  );
}

/**
 * `fn` in one transaction that commits only while `lease` holds: the lease row is checked and
 * share-locked first (a takeover waits for the commit); LEASE_LOST, with nothing written, if not.
 */
export function withLease<T>(q: Pq, lease: Lease, fn: (t: Pq) => Promise<T>): Promise<T> {
  return q.tx(async (t) => {
    const held = await t.one(
      `SELECT 1 AS ok FROM leases
       WHERE account_id = $1 AND node_id = $2 AND epoch = $3 AND expires_at > now() FOR SHARE`,
      [lease.accountId, lease.nodeId, lease.epoch],
    );
    if (!held) throw leaseLost(lease);
    return fn(t);
  });
}
