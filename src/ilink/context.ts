/**
 * The context of one inbound message for `Bot` handlers: a thin readonly core (the raw message),
 * getters for what handlers read most, and reply shortcuts that fill in the recipient and the
 * message's own context token (docs/protocol.md §6.5: replies echo the triggering message's token).
 */
import { Api } from "./api.js";
import type { ILinkClient } from "./client.js";
import { findItem } from "./filter.js";
import { type DownloadItemOptions, type ItemMedia, itemMedia } from "./inbound-media.js";
import type { SendMediaOptions, SendMediaResult, SendResult } from "./send.js";
import type { TypingSession, TypingTickets } from "./typing.js";
import {
  type FileMessageItem,
  type ImageMessageItem,
  type MessageItem,
  MessageItemType,
  type TextMessageItem,
  type VideoMessageItem,
  type VoiceMessageItem,
  type WeixinMessage,
} from "./wire.js";

/**
 * What a context needs from its bot.
 *
 * @example
 * import { Context, type ContextEnv, ILinkClient, TypingTickets } from "wxagent/ilink";
 * const client = new ILinkClient({ token: "bot-token" });
 * const env: ContextEnv = { client, tickets: new TypingTickets(client), signal: new AbortController().signal };
 * const ctx = new Context({ from_user_id: "alice@im.wechat" }, env);
 */
export interface ContextEnv {
  client: ILinkClient;
  tickets: TypingTickets;
  /** Aborted when the bot stops: default signal of every call made through the context. */
  signal: AbortSignal;
}

/**
 * @example
 * import type { Context, ReplyOptions } from "wxagent/ilink";
 * const retry = (ctx: Context, clientId: string) => ctx.reply("again", { clientId } satisfies ReplyOptions);
 */
export interface ReplyOptions {
  signal?: AbortSignal;
  /** Reuse a stored client_id when retrying. */
  clientId?: string;
}

/**
 * One inbound message, as middleware sees it. `bot.on("message:image", …)` and the other filter
 * queries narrow the matching getter (`ctx.imageItem`) from optional to present.
 *
 * @example
 * import { Bot, type Context } from "wxagent/ilink";
 * async function echo(ctx: Context): Promise<void> {
 *   if (ctx.textItem) await ctx.reply(`you said: ${ctx.text}`);
 * }
 * new Bot({ token: "bot-token" }).on("message", echo);
 */
export class Context {
  readonly message: Readonly<WeixinMessage>;
  /** The account's API, its calls aborted when the bot stops (`ctx.api.sendText(to, text)`). */
  readonly api: Api;
  readonly #env: ContextEnv;

  constructor(message: WeixinMessage, env: ContextEnv) {
    this.message = message;
    this.#env = env;
    this.api = new Api(env.client, { tickets: env.tickets, signal: env.signal });
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

  /** The first TEXT item with a text; present under `on("message:text")`. */
  get textItem(): TextMessageItem | undefined {
    return findItem(this.items, "message:text") as TextMessageItem | undefined;
  }

  /** The first IMAGE item; present under `on("message:image")`. */
  get imageItem(): ImageMessageItem | undefined {
    return findItem(this.items, "message:image") as ImageMessageItem | undefined;
  }

  /** The first VOICE item; present under `on("message:voice")`. */
  get voiceItem(): VoiceMessageItem | undefined {
    return findItem(this.items, "message:voice") as VoiceMessageItem | undefined;
  }

  /** The first FILE item; present under `on("message:file")`. */
  get fileItem(): FileMessageItem | undefined {
    return findItem(this.items, "message:file") as FileMessageItem | undefined;
  }

  /** The first VIDEO item; present under `on("message:video")`. */
  get videoItem(): VideoMessageItem | undefined {
    return findItem(this.items, "message:video") as VideoMessageItem | undefined;
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
    return this.api.sendText(this.from, text, {
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
    return this.api.sendMedia(this.from, filePath, {
      ...options,
      ...(this.contextToken ? { contextToken: this.contextToken } : {}),
    });
  }

  /** Download and decrypt the message's media (`item` defaults to the first media item). */
  download(options: DownloadItemOptions & { item?: MessageItem } = {}): Promise<ItemMedia> {
    const { item, ...rest } = options;
    const target = item ?? this.mediaItem ?? this.items[0] ?? {};
    return this.api.download(target, rest);
  }

  /** Show "typing…" to the sender until `stop()` (a no-op when no typing ticket is available). */
  async typing(): Promise<TypingSession> {
    return this.api.typing(this.from, this.contextToken ? { contextToken: this.contextToken } : {});
  }
}
