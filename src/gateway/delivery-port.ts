/**
 * Adapts the delivery module to the dispatcher's port. Sends run in the background (delivery keeps
 * them ordered per contact and spaced); a turn only waits until its reply is recorded, so the next
 * turn does not wait for bubble spacing. One gateway-wide signal aborts sends at shutdown: what
 * was not sent stays pending in the store and `resumePending` sends it at the next start.
 */
import type { InboundMessage } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import { errText } from "../util/logger.js";
import type { Delivery, DeliveryResult, ReplyToDeliver } from "./delivery/index.js";
import type { DeliveryPort } from "./ports.js";

const noop = (): void => {};

export function createDeliveryPort(delivery: Delivery, signal: AbortSignal, log: Logger): DeliveryPort {
  const background = (what: string, message: { accountId: string }, p: Promise<DeliveryResult>): void => {
    p.then(
      (r) => {
        if (r.failed > 0)
          log.warn({ accountId: message.accountId, what, failed: r.failed }, "some bubbles failed");
      },
      (err: unknown) =>
        log.error({ accountId: message.accountId, what, err: errText(err) }, "delivery failed"),
    );
  };
  /**
   * Start a reply in the background and resolve once its bubbles are recorded (or it failed before
   * that): the turn goes on while delivery spaces and sends them.
   */
  const recordThenSend = async (
    what: string,
    message: { accountId: string },
    reply: ReplyToDeliver,
  ): Promise<void> => {
    let recorded!: () => void;
    const onRecorded = new Promise<void>((resolve) => {
      recorded = resolve;
    });
    const done = delivery.deliverReply({ ...reply, onRecorded: () => recorded() }, signal);
    background(what, message, done);
    await Promise.race([onRecorded, done]);
  };
  const base = (m: InboundMessage) => {
    const r: { accountId: string; toUserId: string; contextToken?: string } = {
      accountId: m.accountId,
      toUserId: m.fromUserId,
    };
    if (m.contextToken) r.contextToken = m.contextToken;
    return r;
  };

  return {
    async onInbound(m) {
      const target: { accountId: string; userId: string; contextToken?: string } = {
        accountId: m.accountId,
        userId: m.fromUserId,
      };
      if (m.contextToken) target.contextToken = m.contextToken;
      // The token is written at once by this call; releasing the outbox goes on behind it.
      background("outbox", m, delivery.onInbound(target, signal));
    },
    async deliverReply(m, reply) {
      const r = {
        ...base(m),
        inboundId: m.id,
        text: reply.text,
        ...(reply.files ? { files: reply.files } : {}),
      };
      await recordThenSend("reply", m, r);
    },
    async sendNotice(m, text, options = {}) {
      if (options.toUserId && options.toUserId !== m.fromUserId) {
        await recordThenSend("notice", m, { accountId: m.accountId, toUserId: options.toUserId, text });
        return;
      }
      await recordThenSend("notice", m, { ...base(m), text });
    },
    async sendQuestion(m, text, options = {}) {
      const to = options.toUserId && options.toUserId !== m.fromUserId ? options.toUserId : undefined;
      const target = to ? { accountId: m.accountId, toUserId: to } : base(m);
      const files = options.file ? { files: [{ path: options.file }] } : {};
      try {
        const r = await delivery.deliverReply(
          { ...target, text, ...files, verbatim: true, priority: true },
          signal,
        );
        if (r.failed > 0) return "failed";
        return r.deferred > 0 || r.pending > 0 ? "held" : "sent";
      } catch (err) {
        log.error({ accountId: m.accountId, err: errText(err) }, "sending a question failed");
        return "failed";
      }
    },
    progress(m, text) {
      background("progress", m, delivery.progress({ ...base(m), text }, signal));
    },
    async sendFile(m, path, caption) {
      const file = caption === undefined ? { path } : { path, caption };
      const r = await delivery.deliverReply({ ...base(m), text: "", files: [file] }, signal);
      if (r.failed > 0) throw new Error(`the file ${path} could not be sent`);
      if (r.deferred > 0 || r.pending > 0) {
        log.info(
          { accountId: m.accountId, path },
          "file held back: it goes out after the contact writes again",
        );
      }
    },
    typing(m) {
      return delivery.typing(base(m));
    },
    async resumePending(accountId) {
      let queued!: () => void;
      const inQueue = new Promise<void>((resolve) => {
        queued = resolve;
      });
      const done = delivery.resumePending(accountId, signal, () => queued());
      background("resume", { accountId }, done);
      // Resolves once every contact's pending bubbles hold their place in its queue (or it failed).
      await Promise.race([inQueue, done.then(noop, noop)]);
    },
    idle() {
      return delivery.idle();
    },
  };
}
