/**
 * High-level sends over `ILinkClient.sendMessage` (docs/protocol.md §7): exactly one item per
 * request, BOT/FINISH, `from_user_id` "", a `client_id` per request, and the context token and
 * run id echoed when known. A caption and its media are two messages.
 */
import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import { type UploadResult, upload } from "./cdn.js";
import type { ILinkClient } from "./client.js";
import { encodeAesKeyForSend } from "./crypto.js";
import { type MediaKind, mediaKindFromFileName } from "./mime.js";
import {
  type MessageItem,
  MessageItemType,
  MessageState,
  MessageType,
  UploadMediaType,
  type WeixinMessage,
} from "./wire.js";

/**
 * `wxagent:<ms>-<8 hex>`: our counterpart of the official `openclaw-weixin:` ids (§6.4). The hex
 * is the head of a v4 UUID (32 random bits): `randomUUID` draws from a cached entropy pool, where
 * `randomBytes(4)` costs a trip into OpenSSL per id, and a gateway makes one id per bubble.
 *
 * @example
 * import { newClientId } from "wxagent/ilink";
 * const id = newClientId(); // "wxagent:<ms>-<8 hex>"
 */
export function newClientId(nowMs: number = Date.now()): string {
  return `wxagent:${nowMs}-${randomUUID().slice(0, 8)}`;
}

/**
 * @example
 * import { buildMessage, type EnvelopeOptions } from "wxagent/ilink";
 * const envelope: EnvelopeOptions = { to: "alice@im.wechat", contextToken: "token-of-the-inbound-message" };
 * const msg = buildMessage(undefined, envelope);
 */
export interface EnvelopeOptions {
  to: string;
  contextToken?: string | undefined;
  runId?: string | undefined;
  /** Reuse a stored id on retries so the server can de-duplicate; fresh otherwise. */
  clientId?: string | undefined;
}

/**
 * @example
 * import type { SendResult } from "wxagent/ilink";
 * const id = (r: SendResult) => r.messageId ?? r.clientId;
 */
export interface SendResult {
  clientId: string;
  /** Server-assigned uint64 id as a string, when the server returned one. */
  messageId: string | undefined;
}

/**
 * The outgoing message around one item (or none, for empty text: §7.1).
 *
 * @example
 * import { buildMessage, MessageItemType } from "wxagent/ilink";
 * const msg = buildMessage({ type: MessageItemType.TEXT, text_item: { text: "hi" } }, { to: "alice@im.wechat" });
 */
export function buildMessage(item: MessageItem | undefined, options: EnvelopeOptions): WeixinMessage {
  return {
    from_user_id: "",
    to_user_id: options.to,
    client_id: options.clientId ?? newClientId(),
    message_type: MessageType.BOT,
    message_state: MessageState.FINISH,
    ...(item ? { item_list: [item] } : {}),
    ...(options.contextToken ? { context_token: options.contextToken } : {}),
    ...(options.runId ? { run_id: options.runId } : {}),
  };
}

/**
 * @example
 * import type { SendCallOptions } from "wxagent/ilink";
 * const call: SendCallOptions = { timeoutMs: 10_000 };
 */
export interface SendCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Send one item (text, media, or a tool-progress item of type 11/12).
 *
 * @example
 * import { ILinkClient, MessageItemType, sendItem } from "wxagent/ilink";
 * const item = { type: MessageItemType.TEXT, text_item: { text: "hi" } } as const;
 * await sendItem(new ILinkClient({ token: "bot-token" }), item, { to: "alice@im.wechat" });
 */
export async function sendItem(
  client: ILinkClient,
  item: MessageItem | undefined,
  options: EnvelopeOptions & SendCallOptions,
): Promise<SendResult> {
  const msg = buildMessage(item, options);
  const res = await client.sendMessage(msg, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return { clientId: msg.client_id as string, messageId: res.message_id ?? undefined };
}

/**
 * @example
 * import { ILinkClient, type SendTextOptions, sendText } from "wxagent/ilink";
 * const options: SendTextOptions = { to: "alice@im.wechat", text: "hello" };
 * await sendText(new ILinkClient({ token: "bot-token" }), options);
 */
export interface SendTextOptions extends EnvelopeOptions, SendCallOptions {
  text: string;
}

/**
 * One TEXT item; an empty text sends a message with no `item_list`, as the official client does.
 *
 * @example
 * import { ILinkClient, sendText } from "wxagent/ilink";
 * await sendText(new ILinkClient({ token: "bot-token" }), { to: "alice@im.wechat", text: "hello" });
 */
export function sendText(client: ILinkClient, options: SendTextOptions): Promise<SendResult> {
  const item: MessageItem | undefined = options.text
    ? { type: MessageItemType.TEXT, text_item: { text: options.text } }
    : undefined;
  return sendItem(client, item, options);
}

const UPLOAD_TYPE: Readonly<Record<MediaKind, UploadMediaType>> = {
  image: UploadMediaType.IMAGE,
  video: UploadMediaType.VIDEO,
  file: UploadMediaType.FILE,
};

/**
 * The item for an uploaded file, exactly the fields of §7.2 (thumbnails and md5 never sent).
 *
 * @example
 * import { mediaItem, type UploadResult } from "wxagent/ilink";
 * declare const uploaded: UploadResult;
 * const item = mediaItem("file", uploaded, "report.pdf");
 */
export function mediaItem(kind: MediaKind, uploaded: UploadResult, fileName: string): MessageItem {
  const media = {
    encrypt_query_param: uploaded.encryptQueryParam,
    aes_key: encodeAesKeyForSend(uploaded.aesKeyHex),
    encrypt_type: 1,
  };
  switch (kind) {
    case "image":
      return { type: MessageItemType.IMAGE, image_item: { media, mid_size: uploaded.cipherSize } };
    case "video":
      return { type: MessageItemType.VIDEO, video_item: { media, video_size: uploaded.cipherSize } };
    case "file":
      return {
        type: MessageItemType.FILE,
        file_item: { media, file_name: fileName, len: String(uploaded.rawSize) },
      };
  }
}

/**
 * @example
 * import { ILinkClient, type SendMediaOptions, sendMedia } from "wxagent/ilink";
 * const options: SendMediaOptions = { to: "alice@im.wechat", filePath: "./cat.png", caption: "a cat" };
 * await sendMedia(new ILinkClient({ token: "bot-token" }), options);
 */
export interface SendMediaOptions extends SendCallOptions {
  to: string;
  filePath: string;
  caption?: string;
  contextToken?: string;
  runId?: string;
  /** Override the kind chosen from the extension. */
  kind?: MediaKind;
  /** Name shown for a FILE; default the path's base name. */
  fileName?: string;
  /** Stored ids for retries. */
  clientId?: string;
  captionClientId?: string;
  /** Refuse larger files with TOO_LARGE before uploading. */
  maxBytes?: number;
}

/**
 * @example
 * import type { SendMediaResult } from "wxagent/ilink";
 * const summary = (r: SendMediaResult) => `${r.kind} sent as ${r.clientId}`;
 */
export interface SendMediaResult extends SendResult {
  kind: MediaKind;
  /** The caption's own send, when there was a caption. */
  caption: SendResult | undefined;
  upload: UploadResult;
}

/**
 * Upload the file, then send the caption (if any) and the media item as two messages. The upload
 * runs first so a failed upload sends nothing at all.
 *
 * @example
 * import { ILinkClient, sendMedia } from "wxagent/ilink";
 * await sendMedia(new ILinkClient({ token: "bot-token" }), { to: "alice@im.wechat", filePath: "./report.pdf" });
 */
export async function sendMedia(client: ILinkClient, options: SendMediaOptions): Promise<SendMediaResult> {
  const fileName = options.fileName ?? basename(options.filePath);
  const kind = options.kind ?? mediaKindFromFileName(fileName);
  const signal = options.signal ? { signal: options.signal } : {};
  const uploaded = await upload(client, {
    filePath: options.filePath,
    toUserId: options.to,
    mediaType: UPLOAD_TYPE[kind],
    ...signal,
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  });
  const envelope = { to: options.to, contextToken: options.contextToken, runId: options.runId, ...signal };
  const caption = options.caption
    ? await sendText(client, { ...envelope, text: options.caption, clientId: options.captionClientId })
    : undefined;
  const sent = await sendItem(client, mediaItem(kind, uploaded, fileName), {
    ...envelope,
    clientId: options.clientId,
  });
  return { ...sent, kind, caption, upload: uploaded };
}
