/**
 * The context of one inbound message for `Bot` handlers: a thin readonly core (the raw message),
 * getters for what handlers read most, and reply shortcuts that fill in the recipient and the
 * message's own context token (docs/protocol.md §6.5: replies echo the triggering message's token).
 */
import type { ILinkClient } from "./client.js";
import { type DownloadItemOptions, downloadItemMedia, type ItemMedia, itemMedia } from "./inbound-media.js";
import { type SendMediaOptions, type SendMediaResult, type SendResult, sendMedia, sendText } from "./send.js";
import { startTyping, type TypingSession, type TypingTickets } from "./typing.js";
import { type MessageItem, MessageItemType, type WeixinMessage } from "./wire.js";

/** What a context needs from its bot. */
export interface ContextEnv {
  client: ILinkClient;
  tickets: TypingTickets;
  /** Aborted when the bot stops: default signal of every call made through the context. */
  signal: AbortSignal;
}

export interface ReplyOptions {
  signal?: AbortSignal;
  /** Reuse a stored client_id when retrying. */
  clientId?: string;
}

export class Context {
  readonly message: Readonly<WeixinMessage>;
  readonly #env: ContextEnv;

  constructor(message: WeixinMessage, env: ContextEnv) {
    this.message = message;
    this.#env = env;
  }

  /** The sender's user id (`…@im.wechat`). */
  get from(): string {
    return this.message.from_user_id ?? "";
  }

  get groupId(): string | undefined {
    return this.message.group_id || undefined;
  }

  get messageId(): string | undefined {
    return this.message.message_id || undefined;
  }

  get contextToken(): string | undefined {
    return this.message.context_token || undefined;
  }

  get items(): readonly MessageItem[] {
    return this.message.item_list ?? [];
  }

  /** The first TEXT item's text, else a voice transcript, else "". */
  get text(): string {
    for (const item of this.items) {
      if (item.type === MessageItemType.TEXT && typeof item.text_item?.text === "string")
        return item.text_item.text;
    }
    for (const item of this.items) {
      if (item.type === MessageItemType.VOICE && item.voice_item?.text) return item.voice_item.text;
    }
    return "";
  }

  /** The first item with downloadable media (image, video, file or voice), if any. */
  get mediaItem(): MessageItem | undefined {
    return this.items.find((i) => itemMedia(i) !== undefined);
  }

  /** Send a text bubble back to the sender, with this message's context token. */
  reply(text: string, options: ReplyOptions = {}): Promise<SendResult> {
    return sendText(this.#env.client, {
      to: this.from,
      text,
      contextToken: this.contextToken,
      clientId: options.clientId,
      signal: options.signal ?? this.#env.signal,
    });
  }

  /** Upload a file and send it back (a caption goes as its own text bubble first). */
  replyFile(
    filePath: string,
    options: Omit<SendMediaOptions, "to" | "filePath" | "contextToken"> = {},
  ): Promise<SendMediaResult> {
    const sendOptions: SendMediaOptions = {
      ...options,
      to: this.from,
      filePath,
      signal: options.signal ?? this.#env.signal,
    };
    if (this.contextToken) sendOptions.contextToken = this.contextToken;
    return sendMedia(this.#env.client, sendOptions);
  }

  /** Download and decrypt the message's media (`item` defaults to the first media item). */
  download(options: DownloadItemOptions & { item?: MessageItem } = {}): Promise<ItemMedia> {
    const { item, ...rest } = options;
    const target = item ?? this.mediaItem ?? this.items[0] ?? {};
    return downloadItemMedia(this.#env.client, target, { signal: this.#env.signal, ...rest });
  }

  /** Show "typing…" to the sender until `stop()` (a no-op when no typing ticket is available). */
  async typing(): Promise<TypingSession> {
    const ticket = await this.#env.tickets.get(this.from, this.contextToken, this.#env.signal);
    return startTyping(this.#env.client, { to: this.from, ticket });
  }
}
