/**
 * The iLink implementation of both transport halves, over the SDK client: getupdates long-poll,
 * notifystart/stop, text and media sends (one item per request, the recorded client_id reused),
 * and the typing indicator (with cached tickets). Inbound media is downloaded by `media/` through
 * `client` (see GatewayOptions.media).
 */
import { type FetchLike, ILinkClient } from "../ilink/client.js";
import { sendMedia, sendText } from "../ilink/send.js";
import { sendTypingOnce, TypingTickets } from "../ilink/typing.js";
import { TypingStatus } from "../ilink/wire.js";
import type { Account } from "../store/types.js";
import { createLogger, type Logger } from "../util/logger.js";
import type { OutboundTransport, SendFileArgs, SendTextArgs, TypingArgs } from "./delivery/transport.js";
import { type MediaLimits, mediaLimits, outboundKind } from "./media/index.js";
import type { GetUpdatesOptions, InboundBatch, InboundTransport, NotifyOptions } from "./transport.js";

export interface ILinkTransportOptions {
  fetch?: FetchLike;
  /** Refuse outbound files above this size before uploading (default `mediaLimits.maxFileBytes`, 25 MiB). */
  maxUploadBytes?: number;
  /** Size limits of the media layer: an image over `maxImageBytes` goes as a file bubble. */
  mediaLimits?: Partial<MediaLimits>;
  logger?: Logger;
}

export class ILinkTransport implements InboundTransport, OutboundTransport {
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

  async getUpdates(cursor: string, options: GetUpdatesOptions): Promise<InboundBatch> {
    const res = await this.client.getUpdates(cursor, {
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    // `msgs` is handed on as it came: the poller validates it and each element.
    const batch: InboundBatch = { msgs: res.msgs === undefined || res.msgs === null ? [] : res.msgs };
    if (typeof res.get_updates_buf === "string") batch.cursor = res.get_updates_buf;
    if (typeof res.longpolling_timeout_ms === "number") batch.longPollTimeoutMs = res.longpolling_timeout_ms;
    return batch;
  }

  async notifyStart(options: NotifyOptions = {}): Promise<void> {
    await this.client.notifyStart(options);
  }

  async notifyStop(options: NotifyOptions = {}): Promise<void> {
    await this.client.notifyStop(options);
  }

  async sendText(args: SendTextArgs): Promise<{ messageId?: string }> {
    const r = await sendText(this.client, {
      to: args.to,
      text: args.text,
      contextToken: args.contextToken,
      clientId: args.clientId,
      signal: args.signal,
    });
    return r.messageId === undefined ? {} : { messageId: r.messageId };
  }

  async sendFile(args: SendFileArgs): Promise<{ messageId?: string }> {
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

  async typing(args: TypingArgs): Promise<void> {
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
