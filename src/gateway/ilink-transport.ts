/**
 * The iLink implementation of both transport halves, over the SDK client: getupdates long-poll,
 * notifystart/stop, text and media sends (one item per request, the recorded client_id reused),
 * and the typing indicator (with cached tickets). Inbound media is downloaded by `media/` through
 * `media` (the SDK client). The raw `getupdates` elements are validated here into the gateway's own
 * messages, and every SDK error is mapped here, once, to a `TransportError` of the right kind.
 */
import { type FetchLike, ILinkClient } from "../ilink/client.js";
import { ILinkError } from "../ilink/errors.js";
import { sendMedia, sendText } from "../ilink/send.js";
import { sendTypingOnce, TypingTickets } from "../ilink/typing.js";
import { TypingStatus } from "../ilink/wire.js";
import { isWxError, messageOf } from "../shared/wx-error.js";
import type { Account } from "../store/types.js";
import { createLogger, errText, type Logger } from "../util/logger.js";
import type { SendFileArgs, SendTextArgs, TypingArgs } from "./delivery/transport.js";
import { normalizeInbound, refusedInbound } from "./inbound.js";
import type { MediaDownloader } from "./media/download.js";
import { type MediaLimits, mediaLimits, outboundKind } from "./media/index.js";
import type {
  FetchedBatch,
  FetchedMessage,
  FetchOptions,
  GatewayTransport,
  NotifyOptions,
} from "./transport.js";
import { TransportError, type TransportErrorKind } from "./transport-error.js";

export interface ILinkTransportOptions {
  fetch?: FetchLike;
  /** Refuse outbound files above this size before uploading (default `mediaLimits.maxFileBytes`, 25 MiB). */
  maxUploadBytes?: number;
  /** Size limits of the media layer: an image over `maxImageBytes` goes as a file bubble. */
  mediaLimits?: Partial<MediaLimits>;
  logger?: Logger;
}

export class ILinkTransport implements GatewayTransport {
  readonly client: ILinkClient;
  readonly #tickets: TypingTickets;
  readonly #maxUploadBytes: number;
  readonly #limits: Partial<MediaLimits>;
  readonly #log: Logger;

  constructor(client: ILinkClient, options: Omit<ILinkTransportOptions, "fetch"> = {}) {
    this.client = client;
    this.#log = options.logger ?? createLogger("gateway:ilink");
    this.#tickets = new TypingTickets(client, { logger: this.#log });
    this.#limits = options.mediaLimits ?? {};
    this.#maxUploadBytes = options.maxUploadBytes ?? mediaLimits(this.#limits).maxFileBytes;
  }

  /** The SDK client downloads inbound media (its fetch and CDN base URL are all the media layer needs). */
  get media(): MediaDownloader {
    return this.client;
  }

  fetchMessages(cursor: string, options: FetchOptions): Promise<FetchedBatch> {
    return mapped(async () => {
      const res = await this.client.getUpdates(cursor, {
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
      const batch: FetchedBatch = { messages: fromWire(res.msgs) };
      if (typeof res.get_updates_buf === "string") batch.cursor = res.get_updates_buf;
      if (typeof res.longpolling_timeout_ms === "number")
        batch.longPollTimeoutMs = res.longpolling_timeout_ms;
      return batch;
    });
  }

  notifyStart(options: NotifyOptions = {}): Promise<void> {
    return mapped(async () => {
      await this.client.notifyStart(options);
    });
  }

  notifyStop(options: NotifyOptions = {}): Promise<void> {
    return mapped(async () => {
      await this.client.notifyStop(options);
    });
  }

  sendText(args: SendTextArgs): Promise<{ messageId?: string }> {
    return mapped(() => this.#sendText(args));
  }

  sendFile(args: SendFileArgs): Promise<{ messageId?: string }> {
    return mapped(() => this.#sendFile(args));
  }

  typing(args: TypingArgs): Promise<void> {
    return mapped(() => this.#typing(args));
  }

  async #sendText(args: SendTextArgs): Promise<{ messageId?: string }> {
    const r = await sendText(this.client, {
      to: args.to,
      text: args.text,
      contextToken: args.contextToken,
      clientId: args.clientId,
      signal: args.signal,
    });
    return r.messageId === undefined ? {} : { messageId: r.messageId };
  }

  async #sendFile(args: SendFileArgs): Promise<{ messageId?: string }> {
    const r = await sendMedia(this.client, {
      to: args.to,
      filePath: args.filePath,
      // The content decides the bubble kind, not the extension: a PNG named `chart.bin` is an image.
      kind: await outboundKind(args.filePath, this.#limits),
      clientId: args.clientId,
      signal: args.signal,
      maxBytes: this.#maxUploadBytes,
      ...(args.contextToken ? { contextToken: args.contextToken } : {}),
    });
    return r.messageId === undefined ? {} : { messageId: r.messageId };
  }

  async #typing(args: TypingArgs): Promise<void> {
    const ticket = await this.#tickets.get(args.to, args.contextToken, args.signal);
    const status = args.status === "start" ? TypingStatus.TYPING : TypingStatus.CANCEL;
    await sendTypingOnce(this.client, {
      to: args.to,
      ticket,
      status,
      logger: this.#log,
      signal: args.signal,
    });
  }
}

/** The transport of one stored account (its token, base URL and CDN URL). */
export function createILinkTransport(account: Account, options: ILinkTransportOptions = {}): ILinkTransport {
  const client = new ILinkClient({
    baseUrl: account.baseUrl,
    cdnBaseUrl: account.cdnBaseUrl,
    token: account.token,
    // Without an injected fetch the client uses its shared keep-alive pool for every account.
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // The SDK logs nowhere unless told: the gateway's client logs as `ilink:client`.
    logger: options.logger ?? createLogger("ilink:client"),
  });
  return new ILinkTransport(client, options);
}

/** iLink's failure, as the port's one error: -14 → `session-expired`, -2 → `throttled`, else by `isRetryable`. */
export function toTransportError(err: unknown): TransportError {
  if (err instanceof TransportError) return err;
  const code = isWxError(err) ? err.code : undefined;
  let kind: TransportErrorKind = isWxError(err) && err.isRetryable ? "retryable" : "fatal";
  if (err instanceof ILinkError && err.code === "SESSION_EXPIRED") kind = "session-expired";
  if (err instanceof ILinkError && err.code === "THROTTLED") kind = "throttled";
  return new TransportError(kind, messageOf(err), { cause: err, ...(code ? { code } : {}) });
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toTransportError(err);
  }
}

/**
 * A `getupdates` answer's `msgs` as the gateway's messages. Each element is validated on its own and
 * never throws: a malformed one is refused (recorded as a refused row when it names a sender), so
 * the rest of the batch and the cursor go on. A `msgs` that is not a list fails the whole poll.
 */
export function fromWire(msgs: unknown): FetchedMessage[] {
  if (msgs === undefined || msgs === null) return [];
  if (!Array.isArray(msgs)) throw new Error("malformed getupdates result: `msgs` is not a list");
  return msgs.map(vetWire);
}

function vetWire(element: unknown): FetchedMessage {
  try {
    return normalizeInbound(element);
  } catch (err) {
    const reason = `malformed message: it could not be read (${errText(err)})`;
    let refused: FetchedMessage & { ok: false };
    try {
      const row = refusedInbound(element, reason);
      refused = row
        ? { ok: false, reason, level: "warn", refused: row }
        : { ok: false, reason, level: "warn" };
    } catch {
      refused = { ok: false, reason, level: "warn" };
    }
    return refused;
  }
}
