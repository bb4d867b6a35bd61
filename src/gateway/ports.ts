/**
 * What dispatch needs from delivery, as a narrow port. `delivery-port.ts` adapts the delivery
 * module (`delivery/`) to it; tests may pass a recording fake. Calls that "record" resolve once the
 * bubbles are durable in the outbox: sending goes on in the background, in order per contact.
 */
import type { AgentReply } from "../agent/types.js";
import type { InboundMessage } from "../store/types.js";

/** What became of a question: sent now, held back by the send quota, or failed. */
export type QuestionSent = "sent" | "held" | "failed";

export interface DeliveryPort {
  /** A user message arrived: its context token becomes the latest, the outbox is released. */
  onInbound(message: InboundMessage): Promise<void>;
  /** Record the agent's answer to `inbound` (tied to it: a replay after a crash will not redo the turn). */
  deliverReply(inbound: InboundMessage, reply: AgentReply): Promise<void>;
  /**
   * Record a gateway text outside the agent's reply (command answer, `ask` question, failure
   * notice). Not tied to `inbound`, so it never makes a replay skip the turn. `toUserId` overrides
   * the recipient (an `ask` to the account owner).
   */
  sendNotice(inbound: InboundMessage, text: string, options?: { toUserId?: string }): Promise<void>;
  /**
   * An `ask` question: sent as written (no markdown filter), not queued behind the outbox, with
   * an optional file. Resolves `held` when the send quota keeps it back until the person writes.
   * Optional: without it the question goes as a notice.
   */
  sendQuestion?(
    inbound: InboundMessage,
    text: string,
    options?: { toUserId?: string; file?: string },
  ): Promise<QuestionSent>;
  /** A progress note (delivery keeps it within the quota; it may be dropped). */
  progress(inbound: InboundMessage, text: string): void;
  /** `AgentIO.sendFile`: resolves when sent; throws when it could not be sent now. */
  sendFile(inbound: InboundMessage, path: string, caption?: string): Promise<void>;
  /** The typing indicator for one turn. */
  typing(inbound: InboundMessage): { stop(): Promise<void> };
  /**
   * Send what a crash (or a node that died) left pending for an account, in the background;
   * resolves once those bubbles hold their place in each contact's queue, so a reply recorded
   * after this goes out after them.
   */
  resumePending(accountId: string): Promise<void>;
  /** Resolves when every send in flight has settled. */
  idle(): Promise<void>;
}
