/**
 * `wxagent start` on PostgreSQL: one node of several sharing the accounts. The lease keeper takes
 * this node's fair share of the active accounts; the gateway polls and sends for an account only
 * while its lease holds (`GatewayLeases`), with the cursor moves and sends fenced by the lease's
 * epoch, and starts or stops each account as its lease is gained or lost.
 */
import { hostname } from "node:os";
import type { Gateway, GatewayLeases } from "../../gateway/gateway.js";
import { LeaseKeeper } from "../../gateway/lease-keeper.js";
import { messageOf } from "../../shared/wx-error.js";
import type { PgStore } from "../../store/postgres.js";
import { createLogger } from "../../util/logger.js";

export interface ClusterSettings {
  nodeId?: string | undefined;
  leaseTtlMs: number;
  renewMs: number;
}

export interface ClusterNode {
  nodeId: string;
  /** What the gateway asks before every poll and send. */
  leases: GatewayLeases;
  /** Start taking leases; each gained account is started on `gateway`, each lost one stopped. */
  start(gateway: Gateway): void;
  /** Hand every lease back and leave (a clean stop: the other nodes take over at their next round). */
  stop(): Promise<void>;
}

/** This node's name: `WXAGENT_NODE_ID`, else config `cluster.nodeId`, else host-pid. */
export function nodeIdOf(settings: ClusterSettings, env: NodeJS.ProcessEnv = process.env): string {
  return env.WXAGENT_NODE_ID?.trim() || settings.nodeId || `${hostname()}-${process.pid}`;
}

export function clusterNode(
  store: PgStore,
  settings: ClusterSettings,
  only: readonly string[] | undefined,
  say: (line: string) => void,
): ClusterNode {
  const log = createLogger("cluster");
  const nodeId = nodeIdOf(settings);
  const keeper = new LeaseKeeper({
    nodeId,
    ops: store.leases,
    accounts: async () =>
      (await store.accounts.list())
        .filter((a) => a.state === "active" && (!only?.length || only.includes(a.id)))
        .map((a) => a.id),
    ttlMs: settings.leaseTtlMs,
    renewMs: settings.renewMs,
  });
  const leases: GatewayLeases = {
    owns: (accountId) => keeper.epochOf(accountId) !== undefined,
    storeFor: (accountId) => {
      const epoch = keeper.epochOf(accountId);
      return epoch === undefined ? undefined : store.fenced({ nodeId, accountId, epoch });
    },
  };
  /** Lease changes of one account applied one after another (a gain right after a loss, say). */
  const chains = new Map<string, Promise<void>>();
  const serially = (accountId: string, fn: () => Promise<unknown>): void => {
    const next = (chains.get(accountId) ?? Promise.resolve()).then(fn).then(
      () => undefined,
      (err: unknown) => log.error({ accountId, err: messageOf(err) }, "applying a lease change failed"),
    );
    chains.set(accountId, next);
  };
  let unreachable = false;
  return {
    nodeId,
    leases,
    start(gateway) {
      keeper.on("gained", ({ accountId, epoch }) => {
        log.info({ accountId, epoch }, "lease gained: polling");
        serially(accountId, () => gateway.resume(accountId));
      });
      keeper.on("lost", (accountId, reason) => {
        log.info({ accountId, reason }, "lease lost: polling and sending stop");
        serially(accountId, () => gateway.release(accountId));
      });
      keeper.on("error", (err) => {
        // Once per outage, not every round: the keeper retries at its next round.
        if (!unreachable) say(`cannot reach the database to renew leases (${messageOf(err)}); retrying`);
        unreachable = true;
      });
      keeper.on("gained", () => {
        unreachable = false;
      });
      keeper.start();
    },
    async stop() {
      await keeper.releaseAll().catch((err: unknown) => {
        log.warn({ err: messageOf(err) }, "could not hand the leases back; they run out on their own");
      });
      await Promise.all(chains.values());
    },
  };
}
