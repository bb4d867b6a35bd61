/**
 * Delivery: turn an agent's reply into recorded, quota-aware, spaced bubbles. Order of work:
 * markdown filter → split → record every bubble with its client_id in one transaction → (in the
 * contact's queue) plan the quota → send in order → defer the overflow behind a "reply anything to
 * continue" note. Nothing is sent before it is recorded, a retry reuses the recorded client_id, and a
 * restart resumes what is still pending without re-sending what was sent.
 */
import { newClientId } from "../../ilink/send.js";
import type { AsyncStore } from "../../store/async.js";
import type { NewOutbound, OutboundMessage } from "../../store/types.js";
import { createLogger } from "../../util/logger.js";
import { systemClock } from "./clock.js";
import {
  addResult,
  DEFAULT_DELIVERY_LIMITS,
  type Delivery,
  type DeliveryLimits,
  type DeliveryOptions,
  type DeliveryResult,
  emptyResult,
  type ReplyToDeliver,
} from "./delivery-types.js";
import { filterMarkdown } from "./markdown.js";
import { continueNote, SendQuota } from "./quota.js";
import { BubbleSender, contactKey, KeyedQueue } from "./sender.js";
import { splitMessage } from "./split.js";
import type { OutboundTransport } from "./transport.js";
import { TypingController, type TypingTarget } from "./typing.js";

export * from "./delivery-types.js";

async function nextSeq(
  outbound: Pick<AsyncStore["outbound"], "forInbound">,
  inboundId: number | undefined,
): Promise<number> {
  if (inboundId === undefined) return 0;
  const seqs = (await outbound.forInbound(inboundId)).map((m) => m.seq);
  return seqs.length === 0 ? 0 : Math.max(...seqs) + 1;
}

export function createDelivery(options: DeliveryOptions): Delivery {
  const limits: DeliveryLimits = { ...DEFAULT_DELIVERY_LIMITS, ...options.limits };
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger("gateway:delivery");
  const source = options.transport;
  const transportFor = typeof source === "function" ? source : () => source;
  const quota = new SendQuota(store, limits);
  const queue = new KeyedQueue();
  /** Bubbles owned by a queued job, so `resumePending` never sends one twice. */
  const owned = new Set<number>();
  const progressSlots = new Map<string, { text: string }>();
  /**
   * Accounts whose session expired (-14): nothing more is sent for them until `resumePending`
   * (after the re-login), which sends every pending bubble oldest first, so a contact's later
   * replies never overtake the one that met the expiry.
   */
  const expired = new Set<string>();

  /**
   * The tables an account's sends are recorded in: on shared accounts the lease holder's fenced
   * ones (`recordOn`, which throws when the lease is gone), else the store.
   */
  const tablesOf = (accountId: string): Pick<AsyncStore, "outbound" | "contextTokens"> =>
    options.recordOn?.(accountId) ?? store;

  const sender = new BubbleSender({
    transportFor,
    outboundOf: (b) => tablesOf(b.accountId).outbound,
    durable: () => store.durable(),
    clock,
    logger,
    spacingMs: limits.spacingMs,
    retryDelaysMs: limits.retryDelaysMs,
    throttleDelaysMs: limits.throttleDelaysMs,
    tokenFor: async (b) => (await quota.token(b.accountId, b.toUserId)) ?? b.contextToken,
    looksExhausted: (b) => quota.looksExhausted(b.accountId, b.toUserId),
    reserve: (b) => quota.reserve(b.accountId, b.toUserId, tablesOf(b.accountId)),
    ...(options.mayAct ? { mayAct: options.mayAct } : {}),
    refund: (b, reservation) => quota.refund(b.accountId, b.toUserId, reservation),
  });

  /** Record bubbles on `on` (the store, or a transaction's `tx`, which then holds every call). */
  const record = async (
    base: { accountId: string; toUserId: string; inboundId?: number; contextToken?: string },
    items: Pick<NewOutbound, "kind" | "text" | "filePath">[],
    on?: Pick<AsyncStore, "outbound" | "contextTokens">,
  ): Promise<OutboundMessage[]> => {
    if (items.length === 0) return [];
    on ??= tablesOf(base.accountId);
    const now = clock.now();
    const first = await nextSeq(on.outbound, base.inboundId);
    const contextToken =
      base.contextToken ?? (await on.contextTokens.get(base.accountId, base.toUserId))?.token;
    const rows = await on.outbound.enqueue(
      items.map((item, i) => ({
        accountId: base.accountId,
        toUserId: base.toUserId,
        inboundId: base.inboundId,
        seq: first + i,
        clientId: newClientId(now),
        contextToken,
        ...item,
      })),
      now,
    );
    for (const r of rows) owned.add(r.id);
    return rows;
  };

  /** Runs inside the contact's queue: plan, send in order, defer the overflow behind a note. */
  const flush = async (
    accountId: string,
    userId: string,
    bubbles: readonly OutboundMessage[],
    signal: AbortSignal,
    opts: { behindBacklog: boolean; onlyIfReachable?: boolean },
  ): Promise<DeliveryResult> => {
    const result = emptyResult();
    const release = () => {
      for (const b of bubbles) owned.delete(b.id);
    };
    try {
      if (bubbles.length === 0) return result;
      if (expired.has(accountId)) {
        result.pending = bubbles.length;
        result.sessionExpired = true;
        return result;
      }
      const defer = async (list: readonly OutboundMessage[], reason: string) => {
        for (const b of list) await store.outbound.defer(b.id, reason);
        result.deferred += list.length;
      };
      if (opts.onlyIfReachable) {
        const token = await store.contextTokens.get(accountId, userId);
        const ageMs = token ? clock.now() - token.updatedAtMs : undefined;
        if (ageMs === undefined || ageMs >= limits.windowMs) {
          const since =
            ageMs === undefined ? "has never written" : `last wrote ${Math.floor(ageMs / 3_600_000)} h ago`;
          await defer(
            bubbles,
            `${userId} ${since}: WeChat lets the bot write only within 24 h of their last message; sent after they write again`,
          );
          logger.info({ accountId, userId, ageMs }, "held at once: the recipient's 24 h window is closed");
          return result;
        }
      }
      // New bubbles never overtake older ones waiting in the outbox.
      if (opts.behindBacklog && (await quota.backlog(accountId, userId)) > 0) {
        await defer(bubbles, "queued behind earlier messages waiting for the contact to write");
        return result;
      }
      const plan = await quota.plan(accountId, userId, bubbles.length);
      const sendNow = bubbles.slice(0, plan.sendNow);
      let later = bubbles.slice(plan.sendNow);
      let noteAllowed = plan.note;
      for (const [k, bubble] of sendNow.entries()) {
        const outcome = await sender.send(bubble, signal);
        if (outcome.status === "sent") result.sent++;
        else if (outcome.status === "failed") result.failed++;
        else if (outcome.status === "throttled") {
          later = [...sendNow.slice(k), ...later];
          noteAllowed = false;
          break;
        } else {
          result.pending = sendNow.length - k + later.length;
          if (outcome.status === "session-expired") {
            expired.add(accountId);
            result.sessionExpired = true;
            options.onSessionExpired?.(accountId, outcome.error);
          }
          return result;
        }
      }
      if (later.length === 0) return result;
      await defer(later, "send quota for this context token is spent; sent after the contact writes again");
      logger.info({ accountId, deferred: later.length }, "reply overflow moved to the outbox");
      // The note counts the whole outbox, which may hold more than this reply's overflow.
      if (noteAllowed)
        result.noteSent = await sendNote(bubbles[0], await quota.backlog(accountId, userId), signal);
      return result;
    } finally {
      release();
    }
  };

  const sendNote = async (
    like: OutboundMessage | undefined,
    waiting: number,
    signal: AbortSignal,
  ): Promise<boolean> => {
    if (!like) return false;
    const [note] = await record(like, [
      { kind: "text", text: continueNote(waiting, options.languageFor?.(like.accountId)) },
    ]);
    if (!note) return false;
    try {
      const outcome = await sender.send(note, signal);
      // A note that cannot go now is pointless later: the outbox goes out when the contact writes.
      if (outcome.status === "throttled")
        await store.outbound.markFailed(note.id, `note not sent: ${outcome.error}`);
      return outcome.status === "sent";
    } finally {
      owned.delete(note.id);
    }
  };

  /** A recorded reply's bubbles sent (inside the contact's queue). */
  const flushReply = (reply: ReplyToDeliver, bubbles: readonly OutboundMessage[], signal: AbortSignal) =>
    flush(reply.accountId, reply.toUserId, bubbles, signal, {
      behindBacklog: reply.priority !== true,
      onlyIfReachable: reply.priority === true,
    });

  const recordReply: Delivery["recordReply"] = async (on, reply) => {
    const texts = splitMessage(reply.verbatim ? reply.text : filterMarkdown(reply.text), limits.chunkChars);
    const items: Pick<NewOutbound, "kind" | "text" | "filePath">[] = texts.map((text) => ({
      kind: "text",
      text,
    }));
    for (const f of reply.files ?? []) {
      if (f.caption?.trim()) items.push({ kind: "text", text: f.caption });
      items.push({ kind: "file", filePath: f.path });
    }
    // Recorded first, atomically: a crash from here on resumes, never loses.
    const bubbles = await record(reply, items, on);
    const drop = () => {
      for (const b of bubbles) owned.delete(b.id);
    };
    if (reply.hold !== undefined) {
      for (const b of bubbles) await on.outbound.defer(b.id, reply.hold);
      drop();
      return { bubbles, send: () => Promise.resolve({ ...emptyResult(), deferred: bubbles.length }), drop };
    }
    return {
      bubbles,
      send: (signal) =>
        queue.run(contactKey(reply.accountId, reply.toUserId), () => flushReply(reply, bubbles, signal)),
      drop,
    };
  };

  const deliverReply: Delivery["deliverReply"] = (reply, signal) => {
    // The contact's queue place is taken now, in call order; the bubbles are told recorded as
    // soon as they are, and sent in that place.
    const recorded = Promise.resolve()
      .then(() => recordReply(tablesOf(reply.accountId), reply))
      .then((r) => {
        reply.onRecorded?.(r.bubbles);
        return r;
      });
    if (reply.hold !== undefined) return recorded.then((r) => r.send(signal));
    // Awaited in the queue below, maybe only after earlier jobs: not an unhandled rejection meanwhile.
    recorded.catch(() => {});
    return queue.run(contactKey(reply.accountId, reply.toUserId), async () =>
      flushReply(reply, (await recorded).bubbles, signal),
    );
  };

  const progress: Delivery["progress"] = (note, signal) => {
    const key = contactKey(note.accountId, note.toUserId);
    const waiting = progressSlots.get(key);
    if (waiting) {
      // One queued progress note per contact: the newest text replaces the one not yet sent.
      waiting.text = note.text;
      return Promise.resolve({ ...emptyResult(), skipped: true });
    }
    const slot = { text: note.text };
    progressSlots.set(key, slot);
    return queue.run(key, async () => {
      progressSlots.delete(key);
      const skipped = { ...emptyResult(), skipped: true };
      if (!(await quota.allowsProgress(note.accountId, note.toUserId))) return skipped;
      if ((await quota.backlog(note.accountId, note.toUserId)) > 0) return skipped;
      const [text] = splitMessage(filterMarkdown(slot.text), limits.chunkChars);
      if (!text) return skipped;
      return flush(note.accountId, note.toUserId, await record(note, [{ kind: "text", text }]), signal, {
        behindBacklog: false,
      });
    });
  };

  const onInbound: Delivery["onInbound"] = (inbound, signal) => {
    // The token is written at once (sends read the freshest one), the outbox released in the queue.
    const recorded = quota.recordInbound(
      inbound.accountId,
      inbound.userId,
      inbound.contextToken,
      clock.now(),
    );
    // Awaited only once the contact's earlier jobs are done (or never, when the queue is cleared
    // for a lease that went): observed now, so a store failure meanwhile is not an unhandled
    // rejection that ends the process. The job still awaits it and fails with it.
    recorded.catch(() => {});
    // Released inside the queue, so whatever earlier jobs defer meanwhile is released too, in order.
    return queue.run(contactKey(inbound.accountId, inbound.userId), async () => {
      await recorded;
      const released = await quota.release(inbound.accountId, inbound.userId);
      for (const b of released) owned.add(b.id);
      if (released.length > 0)
        logger.info({ accountId: inbound.accountId, released: released.length }, "outbox released");
      return flush(inbound.accountId, inbound.userId, released, signal, { behindBacklog: false });
    });
  };

  const resumePending: Delivery["resumePending"] = async (accountId, signal, onQueued) => {
    expired.delete(accountId);
    const byContact = new Map<string, OutboundMessage[]>();
    for (const b of await store.outbound.pending(accountId)) {
      if (owned.has(b.id)) continue;
      owned.add(b.id);
      const list = byContact.get(b.toUserId) ?? [];
      list.push(b);
      byContact.set(b.toUserId, list);
    }
    const sends = [...byContact].map(([userId, bubbles]) =>
      queue.run(contactKey(accountId, userId), () =>
        flush(accountId, userId, bubbles, signal, { behindBacklog: false }),
      ),
    );
    onQueued?.();
    return (await Promise.all(sends)).reduce(addResult, emptyResult());
  };

  /** An account this delivery cannot reach now (released to another node): its turns show no typing. */
  const typingTransport = (accountId: string): OutboundTransport => {
    try {
      return transportFor(accountId);
    } catch (err) {
      const gone = Promise.reject(err);
      gone.catch(() => {});
      return { sendText: () => gone, sendFile: () => gone, typing: () => Promise.resolve() };
    }
  };

  const typing: Delivery["typing"] = (target) => {
    const to: TypingTarget = { to: target.toUserId };
    if (target.contextToken) to.contextToken = target.contextToken;
    // Without the message's token, the stored one: read now, long before typing shows.
    else
      quota.token(target.accountId, target.toUserId).then(
        (token) => {
          if (token) to.contextToken = token;
        },
        () => {},
      );
    return new TypingController(typingTransport(target.accountId), to, {
      startAfterMs: limits.typingStartAfterMs,
      refreshMs: limits.typingRefreshMs,
      clock,
      logger,
    }).start();
  };

  return { deliverReply, recordReply, progress, onInbound, resumePending, typing, idle: () => queue.idle() };
}
