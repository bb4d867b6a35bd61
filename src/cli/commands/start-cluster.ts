/**
 * `wxagent start` on PostgreSQL: one node of several sharing the accounts. The lease keeper takes
 * this node's fair share of the active accounts; the gateway polls and sends for an account only
 * while its lease holds (`GatewayLeases`), with the cursor moves and sends fenced by the lease's
 * epoch, and starts or stops each account as its lease is gained or lost.
 */
import { hostname } from "node:os";
import type { Gateway, GatewayLeases } from "../../gateway/gateway.js";
import { LeaseKeeper } from "../../gateway/lease-keeper.js";
import { sequentialize } from "../../shared/sequentialize.js";
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
    // Writes are fenced in the database, so they may use the lease until it is let go even when a
    // slow renewal round let it pass the local margin; polls and sends (`owns`) may not.
    storeFor: (accountId) => {
      const epoch = keeper.fencingEpochOf(accountId);
      return epoch === undefined ? undefined : store.fenced({ nodeId, accountId, epoch });
    },
  };
  /** Lease changes of one account applied one after another (a gain right after a loss, say). */
  const changes = sequentialize((accountId: string) => accountId);
  const serially = (accountId: string, fn: () => Promise<unknown>): void => {
    void changes
      .run(accountId, fn)
      .catch((err: unknown) =>
        log.error({ accountId, err: messageOf(err) }, "applying a lease change failed"),
      );
  };
  /** When the database was last said unreachable: once a minute at most, the keeper retries every round. */
  let saidUnreachableAtMs = Number.NEGATIVE_INFINITY;
  return {
    nodeId,
    leases,
    start(gateway) {
      keeper.on("gained", ({ accountId, epoch }) => {
        log.info({ accountId, epoch }, "lease gained: polling");
        serially(accountId, async () => {
          if (await gateway.resume(accountId).catch(() => false)) return;
          // Not started here (its transport could not be built, the store did not answer): a
          // lease held without a poller would keep every node off the account, so it goes back.
          log.warn({ accountId }, "account not started on this node: its lease is given back");
          await keeper.giveBack(accountId);
        });
      });
      keeper.on("lost", (accountId, reason) => {
        log.info({ accountId, reason }, "lease lost: polling and sending stop");
        // Expiring (a renewal is late): the poller and the sends stop by themselves (`owns`), and
        // the next renewal brings them back, with the turns in flight kept. Taken or released: the
        // account is another node's, its queued turns go back to the store.
        if (reason !== "expiring") serially(accountId, () => gateway.release(accountId));
      });
      keeper.on("error", (err) => {
        if (Date.now() - saidUnreachableAtMs < 60_000) return;
        saidUnreachableAtMs = Date.now();
        say(`cannot reach the database to renew leases (${messageOf(err)}); retrying every round`);
      });
      keeper.start();
    },
    async stop() {
      await keeper.releaseAll().catch((err: unknown) => {
        log.warn({ err: messageOf(err) }, "could not hand the leases back; they run out on their own");
      });
      await changes.idle();
    },
  };
}
