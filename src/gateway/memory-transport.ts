/**
 * A bridge with no network and no SDK in it: a chat kept in memory (only the item shape of stored
 * messages is iLink's, as it is for every bridge: the store keeps items in that form). It implements the whole
 * transport port (transport.ts), so the gateway runs on it as on iLink: tests write to it, read what
 * the bot answered, and script the failures a real platform has, each as the port's one error:
 *
 * - `expire()`: the session is gone. Every fetch and send throws `session-expired` until `renew()`.
 * - `sendsPerInbound`: a per-contact send quota (iLink's ~10 per inbound message, answered with -2):
 *   over it, a send throws `throttled` until the contact writes again.
 * - `throttleNext(n, retryAfterMs)`: a burst throttle: the next `n` sends throw `throttled`.
 * - `failNextFetch(error)`: the next fetch throws `error`.
 *
 * Messages are a log and the cursor is an index into it, so a batch whose store write failed is
 * fetched again from the old cursor, as a real server does. It downloads no media (`media` is unset).
 */
import { MessageItemType } from "../ilink/wire.js";
import type { NewInbound } from "../store/types.js";
import type { SendFileArgs, SendTextArgs, TypingArgs } from "./delivery/transport.js";
import type { FetchedBatch, FetchOptions, GatewayTransport, NotifyOptions } from "./transport.js";
import { TransportError } from "./transport-error.js";

export interface MemoryMessage {
  from: string;
  text: string;
  groupId?: string;
  /** Default: a fresh `mem-<n>` (a message written twice with one id is a redelivery). */
  messageId?: string;
}

export interface MemorySend {
  to: string;
  text?: string;
  filePath?: string;
  clientId: string;
  contextToken?: string;
}

export interface MemoryTransportOptions {
  /** Sends to one contact allowed per message it wrote (default: no limit). */
  sendsPerInbound?: number;
  /** The clock of message times (default `Date.now`). */
  now?: () => number;
}

export class MemoryTransport implements GatewayTransport {
  /** Every bubble the bot sent, in order. */
  readonly sent: MemorySend[] = [];
  readonly typingCalls: { to: string; status: TypingArgs["status"] }[] = [];
  readonly notifies: ("start" | "stop")[] = [];
  /** Sends refused (throttled or expired): they were not delivered. */
  refused = 0;
  readonly #log: NewInbound[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #sendsLeft = new Map<string, number>();
  readonly #o: MemoryTransportOptions;
  #expired = false;
  #throttled: { count: number; retryAfterMs?: number } = { count: 0 };
  #fetchFaults: TransportError[] = [];
  #n = 0;

  constructor(options: MemoryTransportOptions = {}) {
    this.#o = options;
  }

  /** A contact writes to the bot. Returns the message id. */
  write(m: MemoryMessage): string {
    this.#n += 1;
    const messageId = m.messageId ?? `mem-${this.#n}`;
    const inbound: NewInbound = {
      fromUserId: m.from,
      messageId,
      dedupKey: `id:${messageId}`,
      contextToken: `mem-ctx-${m.from}-${this.#n}`,
      createTimeMs: (this.#o.now ?? Date.now)(),
      items: [{ type: MessageItemType.TEXT, text_item: { text: m.text } }],
    };
    if (m.groupId) inbound.groupId = m.groupId;
    this.#log.push(inbound);
    if (this.#o.sendsPerInbound !== undefined) this.#sendsLeft.set(m.from, this.#o.sendsPerInbound);
    this.#wake();
    return messageId;
  }

  /** The session ends (iLink -14): fetches and sends throw `session-expired` until `renew()`. */
  expire(): void {
    this.#expired = true;
    this.#wake();
  }

  renew(): void {
    this.#expired = false;
  }

  /** The next `count` sends are throttled (a burst throttle), with the platform's hint when given. */
  throttleNext(count: number, retryAfterMs?: number): void {
    this.#throttled = retryAfterMs === undefined ? { count } : { count, retryAfterMs };
  }

  failNextFetch(error: TransportError): void {
    this.#fetchFaults.push(error);
    this.#wake();
  }

  textsTo(userId: string): string[] {
    return this.sent.filter((s) => s.to === userId && s.text !== undefined).map((s) => s.text as string);
  }

  async fetchMessages(cursor: string, options: FetchOptions): Promise<FetchedBatch> {
    const from = /^\d+$/.test(cursor) ? Number(cursor) : 0;
    await this.#hold(from, options);
    const fault = this.#fetchFaults.shift();
    if (fault) throw fault;
    if (this.#expired) throw expiredError("fetch");
    const messages = this.#log.slice(from).map((inbound) => ({ ok: true as const, inbound }));
    return { messages, cursor: String(this.#log.length) };
  }

  async notifyStart(_options?: NotifyOptions): Promise<void> {
    this.notifies.push("start");
  }

  async notifyStop(_options?: NotifyOptions): Promise<void> {
    this.notifies.push("stop");
  }

  async sendText(args: SendTextArgs): Promise<{ messageId?: string }> {
    return this.#send(args, { text: args.text });
  }

  async sendFile(args: SendFileArgs): Promise<{ messageId?: string }> {
    return this.#send(args, { filePath: args.filePath });
  }

  async typing(args: TypingArgs): Promise<void> {
    if (this.#expired) throw expiredError("typing");
    this.typingCalls.push({ to: args.to, status: args.status });
  }

  #send(
    args: SendTextArgs | SendFileArgs,
    body: Pick<MemorySend, "text" | "filePath">,
  ): { messageId: string } {
    if (args.signal.aborted)
      throw new TransportError("retryable", "send aborted", { cause: args.signal.reason });
    if (this.#expired) {
      this.refused += 1;
      throw expiredError("send");
    }
    const left = this.#sendsLeft.get(args.to);
    if (this.#throttled.count > 0 || left === 0) {
      this.refused += 1;
      const burst = this.#throttled.count > 0;
      const retryAfterMs = burst ? this.#throttled.retryAfterMs : undefined;
      if (burst) this.#throttled.count -= 1;
      throw new TransportError(
        "throttled",
        burst ? "memory transport: sends throttled" : `memory transport: send quota to ${args.to} spent`,
        retryAfterMs === undefined ? {} : { retryAfterMs },
      );
    }
    if (left !== undefined) this.#sendsLeft.set(args.to, left - 1);
    this.sent.push({
      to: args.to,
      clientId: args.clientId,
      ...(args.contextToken ? { contextToken: args.contextToken } : {}),
      ...body,
    });
    return { messageId: `mem-out-${this.sent.length}` };
  }

  /** A long poll: resolves when there is something to answer, the hold time passes or the signal aborts. */
  async #hold(from: number, options: FetchOptions): Promise<void> {
    const ready = () =>
      this.#log.length > from || this.#expired || this.#fetchFaults.length > 0 || options.signal.aborted;
    if (ready()) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        options.signal.removeEventListener("abort", done);
        resolve();
      };
      const check = () => {
        if (ready()) done();
      };
      const timer = setTimeout(done, options.timeoutMs);
      this.#waiters.add(check);
      options.signal.addEventListener("abort", done, { once: true });
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

function expiredError(what: string): TransportError {
  return new TransportError("session-expired", `memory transport: ${what} refused, the session expired`);
}
