/**
 * `Api`: the ergonomic methods a bot calls (`bot.api.sendText(to, text)`), over the free functions
 * of send.ts, typing.ts and inbound-media.ts, which stay public. `api.raw` is the `ILinkClient`,
 * whose methods match the HTTP endpoints one to one. An `Api` knows nothing of middleware.
 */
import type { ILinkClient } from "./client.js";
import { type DownloadItemOptions, downloadItemMedia, type ItemMedia } from "./inbound-media.js";
import type { MediaKind } from "./mime.js";
import {
  type EnvelopeOptions,
  type SendCallOptions,
  type SendMediaOptions,
  type SendMediaResult,
  type SendResult,
  sendItem,
  sendMedia,
  sendText,
} from "./send.js";
import { startTyping, type TypingSession, TypingTickets } from "./typing.js";
import type { MessageItem } from "./wire.js";

/**
 * Per-call options of `api.sendText` and `api.sendItem`: all but the recipient.
 *
 * @example
 * import type { ApiSendOptions } from "wxagent/ilink";
 * const options: ApiSendOptions = { contextToken: "token-of-the-inbound-message", timeoutMs: 5_000 };
 */
export type ApiSendOptions = Omit<EnvelopeOptions, "to"> & SendCallOptions;

/**
 * Per-call options of `api.sendImage`, `sendVideo`, `sendFile` and `sendMedia`.
 *
 * @example
 * import type { ApiMediaOptions } from "wxagent/ilink";
 * const options: ApiMediaOptions = { caption: "the report", fileName: "report.pdf" };
 */
export type ApiMediaOptions = Omit<SendMediaOptions, "to" | "filePath">;

/**
 * @example
 * import { Api, type ApiOptions, ILinkClient } from "wxagent/ilink";
 * const options: ApiOptions = { signal: AbortSignal.timeout(30_000) };
 * const api = new Api(new ILinkClient({ token: "bot-token" }), options);
 */
export interface ApiOptions {
  /** Typing-ticket cache shared with others (a `Bot` shares its own); a fresh one otherwise. */
  tickets?: TypingTickets;
  /** Default signal of every call that does not pass its own. */
  signal?: AbortSignal;
}

/**
 * Sends, typing and downloads for one account.
 *
 * @example
 * import { Api, ILinkClient } from "wxagent/ilink";
 * const api = new Api(new ILinkClient({ token: "bot-token" }));
 * await api.sendText("alice@im.wechat", "the build is green");
 */
export class Api {
  /** The client, endpoint for endpoint (`api.raw.getUpdates(cursor)`). */
  readonly raw: ILinkClient;
  readonly tickets: TypingTickets;
  readonly #signal: AbortSignal | undefined;

  constructor(client: ILinkClient, options: ApiOptions = {}) {
    this.raw = client;
    this.tickets = options.tickets ?? new TypingTickets(client);
    this.#signal = options.signal;
  }

  /** The same account with another default signal (what each `ctx.api` is). */
  withSignal(signal: AbortSignal): Api {
    return new Api(this.raw, { tickets: this.tickets, signal });
  }

  /** One text bubble; pass the inbound message's `contextToken` to reply in its conversation. */
  sendText(to: string, text: string, options: ApiSendOptions = {}): Promise<SendResult> {
    return sendText(this.raw, { ...options, ...this.#call(options), to, text });
  }

  /** One prepared item (media already uploaded, or a tool-progress item). */
  sendItem(to: string, item: MessageItem, options: ApiSendOptions = {}): Promise<SendResult> {
    return sendItem(this.raw, item, { ...options, ...this.#call(options), to });
  }

  /** Upload a file and send it as the kind its extension names (image, video, else file). */
  sendMedia(to: string, filePath: string, options: ApiMediaOptions = {}): Promise<SendMediaResult> {
    return sendMedia(this.raw, { ...options, ...this.#call(options), to, filePath });
  }

  /** Upload and send an image (shown inline). */
  sendImage(
    to: string,
    filePath: string,
    options: Omit<ApiMediaOptions, "kind"> = {},
  ): Promise<SendMediaResult> {
    return this.#sendAs("image", to, filePath, options);
  }

  /** Upload and send a video. */
  sendVideo(
    to: string,
    filePath: string,
    options: Omit<ApiMediaOptions, "kind"> = {},
  ): Promise<SendMediaResult> {
    return this.#sendAs("video", to, filePath, options);
  }

  /** Upload and send a file attachment, whatever its extension. */
  sendFile(
    to: string,
    filePath: string,
    options: Omit<ApiMediaOptions, "kind"> = {},
  ): Promise<SendMediaResult> {
    return this.#sendAs("file", to, filePath, options);
  }

  /**
   * Show "typing…" to `to` until the session's `stop()`; a no-op session when the server gives no
   * typing ticket (it gives one only after the user has written to the bot).
   */
  async typing(
    to: string,
    options: { contextToken?: string; signal?: AbortSignal } = {},
  ): Promise<TypingSession> {
    const ticket = await this.tickets.get(to, options.contextToken, options.signal ?? this.#signal);
    return startTyping(this.raw, { to, ticket });
  }

  /** Download and decrypt the media of an inbound item. */
  download(item: MessageItem, options: DownloadItemOptions = {}): Promise<ItemMedia> {
    return downloadItemMedia(this.raw, item, { ...options, ...this.#call(options) });
  }

  #sendAs(kind: MediaKind, to: string, filePath: string, options: ApiMediaOptions): Promise<SendMediaResult> {
    return this.sendMedia(to, filePath, { ...options, kind });
  }

  #call(options: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
    const signal = options.signal ?? this.#signal;
    return signal ? { signal } : {};
  }
}
