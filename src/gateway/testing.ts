/**
 * Test doubles for the gateway's transports, usable by anyone testing a bot on the gateway:
 * a scripted inbound transport that holds the long poll until a batch is pushed (or the poll is
 * aborted), and an outbound transport that records every bubble. Both speak iLink inside: pushed
 * batches are raw `getupdates` elements, read by the iLink transport's own validation (`fromWire`),
 * and failures go through its error mapping (`toTransportError`), so they behave as iLink's do.
 * For a bridge with no iLink in it at all, see `memory-transport.ts`.
 */

import type { AgentReply } from "../agent/types.js";
import { MessageItemType, MessageType, type WeixinMessage } from "../ilink/wire.js";
import type { InboundMessage } from "../store/types.js";
import type { OutboundTransport, SendFileArgs, SendTextArgs, TypingArgs } from "./delivery/transport.js";
import { fromWire, toTransportError } from "./ilink-transport.js";
import type { DeliveryPort } from "./ports.js";
import type { FetchedBatch, FetchOptions, InboundTransport, NotifyOptions } from "./transport.js";

/** A scripted poll answer: raw `getupdates` elements, as the iLink server sends them. */
export interface WireBatch {
  msgs: unknown;
  cursor?: string;
  longPollTimeoutMs?: number;
}

type Step = { batch: WireBatch } | { error: unknown };

export class FakeInboundTransport implements InboundTransport {
  readonly calls: { cursor: string; timeoutMs: number }[] = [];
  readonly notifies: { kind: "start" | "stop"; timeoutMs?: number; tiedToAbort: boolean }[] = [];
  readonly #steps: Step[] = [];
  #wake: (() => void) | undefined;
  #n = 0;

  /** Queue a batch; `cursor` defaults to a fresh `c<n>`. */
  push(msgs: unknown[], extra: Omit<WireBatch, "msgs"> = {}): void {
    this.#n += 1;
    this.#steps.push({ batch: { cursor: `c${this.#n}`, ...extra, msgs } });
    this.#wake?.();
  }

  /** Queue a failure of the next fetch (an SDK error is mapped as the iLink transport maps it). */
  fail(error: unknown): void {
    this.#steps.push({ error });
    this.#wake?.();
  }

  async fetchMessages(cursor: string, options: FetchOptions): Promise<FetchedBatch> {
    this.calls.push({ cursor, timeoutMs: options.timeoutMs });
    while (this.#steps.length === 0) {
      // Hold the long poll open until something is pushed or the poll is aborted.
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        options.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      this.#wake = undefined;
      if (options.signal.aborted) return { messages: [], cursor };
    }
    const step = this.#steps.shift() as Step;
    if ("error" in step) throw toTransportError(step.error);
    const { msgs, ...rest } = step.batch;
    return { ...rest, messages: fromWire(msgs) };
  }

  async notifyStart(options: NotifyOptions = {}): Promise<void> {
    this.notifies.push({ kind: "start", ...opt(options) });
  }

  async notifyStop(options: NotifyOptions = {}): Promise<void> {
    this.notifies.push({ kind: "stop", ...opt(options) });
  }

  get pendingSteps(): number {
    return this.#steps.length;
  }
}

function opt(o: NotifyOptions): { timeoutMs?: number; tiedToAbort: boolean } {
  return {
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    tiedToAbort: o.signal !== undefined,
  };
}

export interface SentBubble {
  to: string;
  text?: string;
  filePath?: string;
  clientId: string;
  contextToken?: string;
}

export class FakeOutboundTransport implements OutboundTransport {
  readonly sent: SentBubble[] = [];
  readonly typingCalls: TypingArgs["status"][] = [];
  /** When set, every send throws it, mapped as iLink's (e.g. `new TransportError("session-expired", …)`). */
  failSends: unknown;
  #n = 0;

  async sendText(args: SendTextArgs): Promise<{ messageId?: string }> {
    if (this.failSends !== undefined) throw toTransportError(this.failSends);
    this.sent.push(bubble(args.to, args.clientId, args.contextToken, { text: args.text }));
    this.#n += 1;
    return { messageId: String(this.#n) };
  }

  async sendFile(args: SendFileArgs): Promise<{ messageId?: string }> {
    if (this.failSends !== undefined) throw toTransportError(this.failSends);
    this.sent.push(bubble(args.to, args.clientId, args.contextToken, { filePath: args.filePath }));
    this.#n += 1;
    return { messageId: String(this.#n) };
  }

  async typing(args: TypingArgs): Promise<void> {
    this.typingCalls.push(args.status);
  }

  textsTo(userId: string): string[] {
    return this.sent.filter((b) => b.to === userId && b.text !== undefined).map((b) => b.text as string);
  }
}

function bubble(
  to: string,
  clientId: string,
  contextToken: string | undefined,
  rest: Partial<SentBubble>,
): SentBubble {
  return { to, clientId, ...(contextToken ? { contextToken } : {}), ...rest };
}

/** Both halves in one object, as `createGateway`'s `transportFor` wants. */
export class FakeTransport extends FakeOutboundTransport implements InboundTransport {
  readonly inbound = new FakeInboundTransport();
  fetchMessages(cursor: string, options: FetchOptions): Promise<FetchedBatch> {
    return this.inbound.fetchMessages(cursor, options);
  }
  notifyStart(options?: NotifyOptions): Promise<void> {
    return this.inbound.notifyStart(options);
  }
  notifyStop(options?: NotifyOptions): Promise<void> {
    return this.inbound.notifyStop(options);
  }
}

let seq = 0;

/** A user's text message as getupdates returns it. */
export function userText(from: string, text: string, extra: Partial<WeixinMessage> = {}): WeixinMessage {
  seq += 1;
  return {
    message_id: `m${seq}`,
    from_user_id: from,
    to_user_id: "bot@im.bot",
    create_time_ms: 1_700_000_000_000 + seq,
    message_type: MessageType.USER,
    message_state: 2,
    context_token: `ctx-${from}-${seq}`,
    item_list: [{ type: MessageItemType.TEXT, text_item: { text } }],
    ...extra,
  };
}

/** A DeliveryPort that records what dispatch asks it to send, per recipient (dispatcher tests). */
export class RecordingDelivery implements DeliveryPort {
  readonly out: { to: string; text: string; inboundId?: number }[] = [];
  /** Inbound message ids whose context token was handed to delivery. */
  readonly inbound: number[] = [];
  readonly files: string[] = [];
  async onInbound(m: InboundMessage) {
    this.inbound.push(m.id);
  }
  async deliverReply(m: InboundMessage, reply: AgentReply) {
    this.out.push({ to: m.fromUserId, text: reply.text, inboundId: m.id });
  }
  async sendNotice(m: InboundMessage, text: string, o: { toUserId?: string } = {}) {
    this.out.push({ to: o.toUserId ?? m.fromUserId, text });
  }
  progress(m: InboundMessage, text: string) {
    this.out.push({ to: m.fromUserId, text: `progress: ${text}` });
  }
  async sendFile(_m: InboundMessage, path: string) {
    this.files.push(path);
  }
  typing() {
    return { stop: async () => {} };
  }
  async resumePending() {}
  async idle() {}
  textsTo(u: string) {
    return this.out.filter((o) => o.to === u).map((o) => o.text);
  }
}
