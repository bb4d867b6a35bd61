/**
 * The gateway: per account a poller (durable inbox), one dispatcher for all accounts (ordered per
 * conversation, bounded across), and delivery. `stop()` runs in explicit stages so nothing pulled
 * is lost: stop pulling → drain turns with a deadline → leave the rest in the store → notifystop.
 * Its options and interface are in gateway-types.ts.
 */
import { aesStatus, describeAesStatus } from "../ilink/crypto.js";
import { systemLanguage } from "../shared/i18n.js";
import { toAsyncStore } from "../store/async.js";
import { StoreError } from "../store/errors.js";
import { createLogger, errText } from "../util/logger.js";
import { createDelivery, type Delivery } from "./delivery/index.js";
import { createDeliveryPort } from "./delivery-port.js";
import { Dispatcher } from "./dispatcher.js";
import { accountStatus, noSchedule, quotaOf, sharedController } from "./gateway-parts.js";
import type {
  Account,
  AccountStatus,
  DeliveryDeps,
  Gateway,
  GatewayEvent,
  GatewayLeases,
  GatewayOptions,
  PollerLike,
  StopReport,
  Store,
} from "./gateway-types.js";
import { HomeChannel } from "./home.js";
import { askWatcher, homeListener } from "./home-events.js";
import { expiredReason, Poller, type PollerState } from "./poller.js";
import type { DeliveryPort } from "./ports.js";
import { Scheduler } from "./schedule/scheduler.js";
import type { GatewayTransport } from "./transport.js";

export type {
  DeliveryDeps,
  Gateway,
  GatewayLeases,
  GatewayOptions,
  MediaDeps,
} from "./gateway-types.js";
export type { GatewayTransport } from "./transport.js";

/** The store a node records an account's replies on: fenced by its lease; none without the lease. */
function fencedFor(leases: GatewayLeases): (accountId: string) => Store {
  return (accountId) => {
    const fenced = leases.storeFor(accountId);
    if (fenced) return fenced;
    throw new StoreError(
      "LEASE_LOST",
      `this node no longer holds the lease of account ${accountId}: the reply is not recorded here, the account's next holder answers the message`,
    );
  };
}

export function createGateway(options: GatewayOptions): Gateway {
  const store = toAsyncStore(options.store);
  const { agent } = options;
  const log = options.logger ?? createLogger("gateway");
  const languageFor = options.languageFor ?? (() => systemLanguage());
  const listeners = new Set<(event: GatewayEvent) => void>();
  const emit = (event: GatewayEvent) => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (err) {
        log.error({ err: errText(err) }, "gateway event listener threw");
      }
    }
  };
  /** Built when an account starts (from the account it read): sends and media use it after. */
  const transports = new Map<string, GatewayTransport>();
  const transportOf = (accountId: string): GatewayTransport => {
    const cached = transports.get(accountId);
    if (cached) return cached;
    throw new Error(
      `account ${accountId} is not served by this gateway (not in the store, not active, or polled by another node)`,
    );
  };
  const pollers = new Map<string, PollerLike>();
  /** The accounts served: `accountIds` and those resumed since; undefined = every account. */
  const wanted = options.accountIds ? new Set(options.accountIds) : undefined;
  let sendAbort = sharedController();

  /** Accounts whose expiry was announced since their poller last started: one event per expiry. */
  const announced = new Set<string>();
  const announceExpired = (accountId: string, reason: string): void => {
    if (announced.has(accountId)) return;
    announced.add(accountId);
    emit({ type: "expired", accountId, reason });
  };
  /** -14 seen by delivery: mark expired, stop that account's poller, tell listeners. */
  const expireAccount = async (accountId: string, error: string): Promise<void> => {
    const account = await store.accounts.get(accountId);
    if (!account) return;
    const reason = expiredReason(account);
    if (account.state !== "expired") {
      log.error({ accountId, err: error }, `account ${accountId}: ${reason}`);
      await store.accounts.setState(accountId, "expired", reason);
    }
    void pollers.get(accountId)?.stopPulling();
    announceExpired(accountId, reason);
  };
  const deps = (): DeliveryDeps => ({
    store,
    transport: transportOf,
    signal: sendAbort.signal,
    onSessionExpired: (accountId, error) => {
      expireAccount(accountId, error).catch((err: unknown) =>
        log.error({ accountId, err: errText(err) }, "could not record the expired session"),
      );
    },
    logger: log.child({ part: "delivery" }),
  });
  /** The delivery behind the port, when the gateway built it (the scheduler records through it). */
  let rawDelivery: Delivery | undefined;
  const buildDelivery = (): DeliveryPort => {
    const d = deps();
    if (options.deliveryPort) return options.deliveryPort(d);
    const { clock, ...limits } = options.delivery ?? {};
    const delivery = createDelivery({
      store,
      transport: d.transport,
      limits,
      ...(clock ? { clock } : {}),
      logger: d.logger,
      onSessionExpired: d.onSessionExpired,
      languageFor,
      ...(options.leases ? { mayAct: options.leases.owns, recordOn: fencedFor(options.leases) } : {}),
    });
    rawDelivery = delivery;
    return createDeliveryPort(delivery, d.signal, d.logger);
  };
  let delivery: DeliveryPort = buildDelivery();
  let dispatcher: Dispatcher | undefined;
  let scheduler: Scheduler | undefined;
  let running = false;

  /** This gateway sends for the account now: running, its poller started, its lease held (when shared). */
  const serving = (accountId: string): boolean =>
    running && pollers.has(accountId) && (!options.leases || options.leases.owns(accountId));
  const home = options.home === false ? undefined : newHomeChannel();
  function newHomeChannel(): HomeChannel {
    return new HomeChannel({
      store,
      deliver: (reply) =>
        rawDelivery
          ? rawDelivery.deliverReply(reply, sendAbort.signal)
          : Promise.reject(new Error("no delivery")),
      sendsFor: serving,
      settings: options.home || {},
      quotaPerToken: quotaOf(options),
      ...(options.delivery?.clock ? { clock: options.delivery.clock } : {}),
      logger: log.child({ part: "home" }),
    });
  }
  if (home) listeners.add(homeListener(home));
  const watchAsks = askWatcher(() => dispatcher?.pendingAsks() ?? [], home);
  let askTimer: NodeJS.Timeout | undefined;

  const newScheduler = (d: Dispatcher): Scheduler | undefined => {
    const raw = rawDelivery;
    if (options.schedule === false || !raw) return undefined;
    return new Scheduler({
      quotaPerToken: quotaOf(options),
      ...options.schedule,
      store,
      deliver: (reply, signal) => raw.deliverReply(reply, AbortSignal.any([signal, sendAbort.signal])),
      record: async (tx, reply) => {
        const recorded = await raw.recordReply(tx, reply);
        return { ...recorded, send: (signal) => recorded.send(AbortSignal.any([signal, sendAbort.signal])) };
      },
      runPrompt: (message, hooks) => d.submitScheduled(message, hooks),
      ...(options.delivery?.clock ? { clock: options.delivery.clock } : {}),
      logger: log.child({ part: "schedule" }),
      languageFor,
      serves: (accountId) => pollers.has(accountId),
      ...(options.leases ? { storeFor: options.leases.storeFor } : {}),
      onEvent: emit,
    });
  };

  const newDispatcher = () =>
    new Dispatcher({
      ...options.dispatch,
      store,
      agent,
      delivery,
      maxTurns: options.maxTurns ?? 4,
      sendQuota: quotaOf(options),
      // Long replies are counted in the bubbles delivery will actually cut.
      chunkChars: options.dispatch?.chunkChars ?? options.delivery?.chunkChars,
      logger: log.child({ part: "dispatch" }),
      languageFor,
      onEvent: emit,
      ...(options.leases ? { owns: options.leases.owns, onLeft: (id: string) => leftBehind(id) } : {}),
      ...(resolveMedia ? { resolveMedia } : {}),
      ...(options.schedule === false || options.deliveryPort
        ? {}
        : { scheduleFor: (contact) => scheduler?.forContact(contact) ?? noSchedule }),
    });
  const resolveMedia = options.media?.({
    transportOf,
    notify: (message, text) => delivery.sendNotice(message, text),
    languageFor,
  });

  /**
   * Submit the account's unfinished messages in order (the dispatcher skips the ones it holds),
   * after its pending bubbles took their place in the send queues (delivery skips the ones in flight).
   */
  const replayUnfinished = async (id: string, d: Dispatcher): Promise<void> => {
    await delivery.resumePending(id).catch((err: unknown) => {
      log.error({ accountId: id, err: errText(err) }, "resuming pending replies failed");
    });
    const unfinished = await store.inbound.unfinished(id);
    if (unfinished.length > 0)
      log.info({ accountId: id, count: unfinished.length }, "replaying unfinished messages");
    for (const m of unfinished) d.submit(m, { replay: true });
  };
  /**
   * A turn of the account could not record its answer (the lease lapsed meanwhile): its queued
   * turns go back to the store, and the account's unfinished messages are replayed in order as
   * soon as this node holds the lease (now, after a late renewal, or at the next gain: `resume`).
   */
  const leftBehind = (id: string): void => {
    const d = dispatcher;
    if (!d) return;
    d.dropAccount(id);
    if (!options.leases?.owns(id)) return;
    replayUnfinished(id, d).catch((err: unknown) =>
      log.error({ accountId: id, err: errText(err) }, "replaying the account's messages failed"),
    );
  };

  const startAccount = async (account: Account, d: Dispatcher): Promise<boolean> => {
    const id = account.id;
    announced.delete(id);
    let transport: GatewayTransport;
    try {
      // Built afresh from the account just read: a re-login brings a new token.
      transport = options.transportFor(account);
      transports.set(id, transport);
    } catch (err) {
      transports.delete(id);
      log.error({ accountId: id, err: errText(err) }, "cannot build the transport; account skipped");
      return false;
    }
    const leases = options.leases;
    const own = leases ? leases.storeFor(id) : store;
    if (!own) {
      // The lease lapsed between its grant and now: the account is not this node's to poll.
      transports.delete(id);
      return false;
    }
    // What was recorded but not sent takes its place in the contacts' send queues first, so the
    // answers of the replayed turns (and of anything new) go out after it, in order; then the
    // replay, which lands at the head of each conversation's queue, before anything new.
    await replayUnfinished(id, d);
    const poller = new Poller({
      accountId: id,
      store: own,
      transport,
      ...(leases ? { owns: () => leases.owns(id) } : {}),
      onMessages: (messages) => {
        for (const m of messages) d.submit(m);
      },
      waitForCapacity: (signal) => d.waitForCapacity(id, signal),
      onExpired: announceExpired,
      backoff: options.backoff ?? {},
      notifyTimeoutMs: options.notifyTimeoutMs ?? 10_000,
      ...(options.now ? { now: options.now } : {}),
      logger: log.child({ part: "poller" }),
    });
    pollers.set(id, poller);
    poller.start();
    emit({ type: "poller-started", accountId: id });
    // Come from another node: the scheduled prompts it left running are run again here.
    if (leases) {
      scheduler?.recoverFor(id).catch((err: unknown) => {
        log.error({ accountId: id, err: errText(err) }, "recovering the account's scheduled runs failed");
      });
    }
    return true;
  };

  const gateway: Gateway = {
    async start() {
      if (running) return;
      running = true;
      if (sendAbort.signal.aborted) {
        // Started again after a stop: a fresh signal and delivery (the old one was aborted).
        sendAbort = sharedController();
        delivery = buildDelivery();
      }
      dispatcher = newDispatcher();
      scheduler = newScheduler(dispatcher);
      // Which media cipher runs (the addon or node:crypto), so a slow install says why.
      log.info({ aes: aesStatus }, `media AES: ${describeAesStatus()}`);
      for (const account of await store.accounts.list()) {
        if (wanted && !wanted.has(account.id)) continue;
        if (account.state !== "active") {
          log.warn(
            { accountId: account.id, state: account.state, reason: account.stateReason },
            "account not started",
          );
          continue;
        }
        await startAccount(account, dispatcher);
      }
      await scheduler?.start();
      askTimer = setInterval(watchAsks, 15_000);
      askTimer.unref?.();
    },

    async stop(stopOptions = {}) {
      const drainTimeoutMs = stopOptions.drainTimeoutMs ?? 10_000;
      const d = dispatcher;
      running = false;
      // Nothing new fires; a firing whose turn is cut short is run again at the next start.
      scheduler?.stop();
      clearInterval(askTimer);
      // (a) stop pulling: abort every long poll in flight and wait for the loops to end.
      const list = [...pollers.values()];
      await Promise.all(list.map((p) => p.stopPulling()));
      // (b) drain turns with a deadline; the rest is aborted.
      const startedAt = Date.now();
      const drained = d ? await d.drain(drainTimeoutMs) : { aborted: 0, leftQueued: 0 };
      // Replies recorded by finished turns get the rest of the deadline to go out; then sends are
      // aborted and stay pending for resumePending.
      const leftMs = Math.max(0, drainTimeoutMs - (Date.now() - startedAt));
      await Promise.race([delivery.idle(), new Promise((r) => setTimeout(r, leftMs).unref?.())]);
      sendAbort.abort(new Error("gateway stopped"));
      // (c) whatever did not finish is still `pending`/`processing` in the store: the next start replays it.
      let unfinished = 0;
      for (const p of list) unfinished += (await store.inbound.unfinished(p.accountId)).length;
      // (d) notifystop, with its own timeout (the polls' signals are aborted by now).
      await Promise.all(list.filter((p) => p.status().state !== "expired").map((p) => p.notifyStop()));
      for (const p of list) emit({ type: "poller-stopped", accountId: p.accountId });
      pollers.clear();
      try {
        await agent.close?.();
      } catch (err) {
        log.warn({ err: errText(err) }, "agent.close failed");
      }
      const report: StopReport = {
        abortedTurns: drained.aborted,
        leftQueued: drained.leftQueued,
        unfinished,
      };
      log.info(report, "gateway stopped");
      return report;
    },

    async resume(accountId) {
      const account = await store.accounts.get(accountId);
      if (!running || !dispatcher || !account || account.state !== "active") return false;
      // An account added while running joins the ones this gateway serves (and reports).
      wanted?.add(accountId);
      const existing = pollers.get(accountId);
      if (existing?.running) {
        // Still polling (a late renewal came back in time): what the lapse held back (bubbles not
        // sent, turns not recorded) goes out now, in order.
        if (options.leases) await replayUnfinished(accountId, dispatcher);
        return true;
      }
      if (existing) await existing.stopPulling();
      return startAccount(account, dispatcher);
    },

    async release(accountId) {
      wanted?.delete(accountId);
      const poller = pollers.get(accountId);
      pollers.delete(accountId);
      transports.delete(accountId);
      // Its queued turns go back to the store: whoever holds the account next replays them in
      // order, with the ones a lost lease kept from recording their reply.
      const dropped = dispatcher?.dropAccount(accountId) ?? 0;
      if (dropped > 0) log.info({ accountId, dropped }, "queued turns left to the account's next holder");
      if (!poller) return;
      await poller.stopPulling();
      emit({ type: "poller-stopped", accountId });
    },

    async refresh() {
      const started: string[] = [];
      if (!running) return started;
      for (const account of await store.accounts.list()) {
        if (wanted && !wanted.has(account.id)) continue;
        if (account.state !== "active" || pollers.get(account.id)?.running) continue;
        if (await gateway.resume(account.id)) started.push(account.id);
      }
      return started;
    },

    pendingAsks() {
      return dispatcher?.pendingAsks() ?? [];
    },

    deliveryFor(accountId) {
      return serving(accountId) ? rawDelivery : undefined;
    },

    pollingStates() {
      const states = new Map<string, PollerState>();
      for (const [id, p] of pollers) states.set(id, p.status().state);
      return states;
    },

    async status() {
      const listed = (await store.accounts.list()).filter((a) => !wanted || wanted.has(a.id));
      const accounts: AccountStatus[] = await Promise.all(
        listed.map((a) => accountStatus(a, pollers.get(a.id), dispatcher, store, options)),
      );
      return {
        running,
        maxTurns: options.maxTurns ?? 4,
        runningTurns: dispatcher?.runningTurns() ?? 0,
        accounts,
      };
    },

    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    pokeSchedule() {
      scheduler?.poke();
    },

    homeEvents() {
      return home?.recent(100) ?? [];
    },

    reportHome(event) {
      home?.report(event);
    },
  };
  return gateway;
}
