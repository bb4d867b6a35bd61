/**
 * iLink Bot API wire types, spelled exactly as the server spells them (snake_case, `scaned`,
 * `binded_redirect`, `baseurl`). See docs/protocol.md §2 and §6.
 *
 * This file is the only part of `ilink/` the simulator may import: it describes the protocol,
 * it holds no logic. uint64 ids (`message_id`, `msg_id`, `svr_id`) are strings here: the server
 * sends them as JSON numbers that may exceed 2^53, and the client parses them losslessly (§1.10).
 *
 * @example
 * import { MessageType, type WeixinMessage } from "wxagent/ilink";
 * const fromBot = (m: WeixinMessage) => m.message_type === MessageType.BOT;
 */

// ── Enums (§6.1) ────────────────────────────────────────────────────────────

export const MessageType = { NONE: 0, USER: 1, BOT: 2 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * @example
 * import { MessageState, type WeixinMessage } from "wxagent/ilink";
 * const finished = (m: WeixinMessage) => m.message_state === MessageState.FINISH;
 */
export const MessageState = { NEW: 0, GENERATING: 1, FINISH: 2 } as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

/**
 * @example
 * import { type MessageItem, MessageItemType } from "wxagent/ilink";
 * const isImage = (item: MessageItem) => item.type === MessageItemType.IMAGE;
 */
export const MessageItemType = {
  NONE: 0,
  TEXT: 1,
  IMAGE: 2,
  VOICE: 3,
  FILE: 4,
  VIDEO: 5,
  TOOL_CALL_START: 11,
  TOOL_CALL_RESULT: 12,
} as const;
export type MessageItemType = (typeof MessageItemType)[keyof typeof MessageItemType];

/**
 * getuploadurl `media_type`: numbered differently from MessageItemType.
 *
 * @example
 * import { UploadMediaType } from "wxagent/ilink";
 * const mediaType: number = UploadMediaType.VIDEO; // 2, not MessageItemType.VIDEO
 */
export const UploadMediaType = { IMAGE: 1, VIDEO: 2, FILE: 3, VOICE: 4 } as const;
export type UploadMediaType = (typeof UploadMediaType)[keyof typeof UploadMediaType];

/**
 * @example
 * import { TypingStatus } from "wxagent/ilink";
 * const cancel: number = TypingStatus.CANCEL; // 2
 */
export const TypingStatus = { TYPING: 1, CANCEL: 2 } as const;
export type TypingStatus = (typeof TypingStatus)[keyof typeof TypingStatus];

export const VoiceEncodeType = {
  PCM: 1,
  ADPCM: 2,
  FEATURE: 3,
  SPEEX: 4,
  AMR: 5,
  SILK: 6,
  MP3: 7,
  OGG_SPEEX: 8,
} as const;

/**
 * The QR status strings of get_qrcode_status (§2.2), misspellings included.
 *
 * @example
 * import type { QrStatus } from "wxagent/ilink";
 * const done: QrStatus[] = ["confirmed", "binded_redirect"];
 */
export type QrStatus =
  | "wait"
  | "scaned"
  | "confirmed"
  | "expired"
  | "scaned_but_redirect"
  | "need_verifycode"
  | "verify_code_blocked"
  | "binded_redirect";

/**
 * Application error codes seen on the wire.
 *
 * @example
 * import { ErrCode, type GetUpdatesResponse } from "wxagent/ilink";
 * const expired = (r: GetUpdatesResponse) => r.errcode === ErrCode.SESSION_EXPIRED || r.ret === ErrCode.SESSION_EXPIRED;
 */
export const ErrCode = {
  OK: 0,
  /** overloaded: quota per context token spent, burst throttle, stale token, oversize. */
  THROTTLED: -2,
  /** getconfig before the first inbound message ("GetTypingTicket rpc failed"). */
  NO_TICKET: -4,
  /** stale or expired bot token (either `ret` or `errcode`). */
  SESSION_EXPIRED: -14,
} as const;

// ── Common ──────────────────────────────────────────────────────────────────

/**
 * @example
 * import type { BaseInfo } from "wxagent/ilink";
 * const info: BaseInfo = { channel_version: "2.4.9" };
 */
export interface BaseInfo {
  channel_version?: string;
  bot_agent?: string;
}

/**
 * Every API response may carry these. Missing `ret` is success for most endpoints (§1.9).
 *
 * @example
 * import type { ApiStatus } from "wxagent/ilink";
 * const ok = (s: ApiStatus) => (s.ret ?? 0) === 0 && (s.errcode ?? 0) === 0;
 */
export interface ApiStatus {
  ret?: number;
  errcode?: number;
  errmsg?: string;
}

// ── Message model (§6) ──────────────────────────────────────────────────────

/**
 * @example
 * import type { CDNMedia } from "wxagent/ilink";
 * const media: CDNMedia = { encrypt_query_param: "param", aes_key: "base64-key", encrypt_type: 1 };
 */
export interface CDNMedia {
  encrypt_query_param?: string;
  /** base64 of the raw 16 bytes, or base64 of the 32-char hex string (§10.2). */
  aes_key?: string;
  encrypt_type?: number;
  full_url?: string;
}

/**
 * @example
 * import type { TextItem } from "wxagent/ilink";
 * const text: TextItem = { text: "hello" };
 */
export interface TextItem {
  text?: string;
}

/**
 * @example
 * import type { ImageItem } from "wxagent/ilink";
 * const image: ImageItem = { media: { encrypt_query_param: "param" }, aeskey: "00112233445566778899aabbccddeeff" };
 */
export interface ImageItem {
  media?: CDNMedia;
  thumb_media?: CDNMedia;
  /** raw key as 32-char hex; wins over media.aes_key for inbound images. */
  aeskey?: string;
  url?: string;
  mid_size?: number;
  thumb_size?: number;
  thumb_height?: number;
  thumb_width?: number;
  hd_size?: number;
}

/**
 * @example
 * import type { VoiceItem } from "wxagent/ilink";
 * const transcript = (v: VoiceItem) => v.text ?? "(no transcript)";
 */
export interface VoiceItem {
  media?: CDNMedia;
  encode_type?: number;
  bits_per_sample?: number;
  sample_rate?: number;
  playtime?: number;
  /** WeChat's own speech-to-text transcript. */
  text?: string;
}

/**
 * @example
 * import type { FileItem } from "wxagent/ilink";
 * const file: FileItem = { file_name: "report.pdf", len: "2048" };
 */
export interface FileItem {
  media?: CDNMedia;
  file_name?: string;
  md5?: string;
  /** plaintext byte count, as a string. */
  len?: string;
}

/**
 * @example
 * import type { VideoItem } from "wxagent/ilink";
 * const seconds = (v: VideoItem) => (v.play_length ?? 0);
 */
export interface VideoItem {
  media?: CDNMedia;
  video_size?: number;
  play_length?: number;
  video_md5?: string;
  thumb_media?: CDNMedia;
  thumb_size?: number;
  thumb_height?: number;
  thumb_width?: number;
}

export interface ToolCallStartItem {
  tool_name?: string;
  tool_call_id?: string;
}

export interface ToolCallResultItem {
  tool_name?: string;
  tool_call_id?: string;
  status?: "completed" | "failed" | "blocked" | "unknown";
}

export interface PartialText {
  start?: string;
  end?: string;
  startindex?: number;
  endindex?: number;
  quotemd5?: string;
}

/**
 * @example
 * import type { RefMessage } from "wxagent/ilink";
 * const quote: RefMessage = { title: "earlier message", message_item: { type: 1, text_item: { text: "hi" } } };
 */
export interface RefMessage {
  message_item?: MessageItem;
  title?: string;
  /** uint64 as string */
  svr_id?: string;
  partial_text?: PartialText;
}

/** The payload field of each item type. */
interface ItemPayloads {
  text_item: TextItem;
  image_item: ImageItem;
  voice_item: VoiceItem;
  file_item: FileItem;
  video_item: VideoItem;
  tool_call_start_item: ToolCallStartItem;
  tool_call_result_item: ToolCallResultItem;
}

/** The other types' payload fields, absent: code may still read `item.file_item?.…` on any item. */
type WithoutPayloads<Own extends keyof ItemPayloads | never> = {
  [P in Exclude<keyof ItemPayloads, Own>]?: undefined;
};

/**
 * Fields every item may carry, whatever its type.
 *
 * @example
 * import type { MessageItemBase } from "wxagent/ilink";
 * const quoted = (item: MessageItemBase) => item.ref_msg?.title;
 */
export interface MessageItemBase {
  create_time_ms?: number;
  update_time_ms?: number;
  is_completed?: boolean;
  /** uint64 as string */
  msg_id?: string;
  ref_msg?: RefMessage;
}

/**
 * A TEXT item (type 1).
 *
 * @example
 * import { MessageItemType, type TextMessageItem } from "wxagent/ilink";
 * const item: TextMessageItem = { type: MessageItemType.TEXT, text_item: { text: "hello" } };
 */
export interface TextMessageItem extends MessageItemBase, WithoutPayloads<"text_item"> {
  type: typeof MessageItemType.TEXT;
  text_item?: TextItem;
}

/**
 * An IMAGE item (type 2).
 *
 * @example
 * import { type ImageMessageItem, MessageItemType } from "wxagent/ilink";
 * const item: ImageMessageItem = { type: MessageItemType.IMAGE, image_item: { url: "https://example.com/cat.png" } };
 */
export interface ImageMessageItem extends MessageItemBase, WithoutPayloads<"image_item"> {
  type: typeof MessageItemType.IMAGE;
  image_item?: ImageItem;
}

/**
 * A VOICE item (type 3), with WeChat's transcript in `voice_item.text` when it made one.
 *
 * @example
 * import { MessageItemType, type VoiceMessageItem } from "wxagent/ilink";
 * const item: VoiceMessageItem = { type: MessageItemType.VOICE, voice_item: { text: "see you at five" } };
 */
export interface VoiceMessageItem extends MessageItemBase, WithoutPayloads<"voice_item"> {
  type: typeof MessageItemType.VOICE;
  voice_item?: VoiceItem;
}

/**
 * A FILE item (type 4).
 *
 * @example
 * import { type FileMessageItem, MessageItemType } from "wxagent/ilink";
 * const item: FileMessageItem = { type: MessageItemType.FILE, file_item: { file_name: "a.pdf" } };
 */
export interface FileMessageItem extends MessageItemBase, WithoutPayloads<"file_item"> {
  type: typeof MessageItemType.FILE;
  file_item?: FileItem;
}

/**
 * A VIDEO item (type 5).
 *
 * @example
 * import { MessageItemType, type VideoMessageItem } from "wxagent/ilink";
 * const item: VideoMessageItem = { type: MessageItemType.VIDEO, video_item: { play_length: 12 } };
 */
export interface VideoMessageItem extends MessageItemBase, WithoutPayloads<"video_item"> {
  type: typeof MessageItemType.VIDEO;
  video_item?: VideoItem;
}

/**
 * Tool progress (types 11 and 12), sent by bots.
 *
 * @example
 * import { MessageItemType, type ToolCallStartMessageItem } from "wxagent/ilink";
 * const started: ToolCallStartMessageItem = { type: MessageItemType.TOOL_CALL_START, tool_call_start_item: { tool_name: "search" } };
 */
export interface ToolCallStartMessageItem extends MessageItemBase, WithoutPayloads<"tool_call_start_item"> {
  type: typeof MessageItemType.TOOL_CALL_START;
  tool_call_start_item?: ToolCallStartItem;
}
/**
 * @example
 * import { MessageItemType, type ToolCallResultMessageItem } from "wxagent/ilink";
 * const done: ToolCallResultMessageItem = {
 *   type: MessageItemType.TOOL_CALL_RESULT,
 *   tool_call_result_item: { tool_name: "search", status: "completed" },
 * };
 */
export interface ToolCallResultMessageItem extends MessageItemBase, WithoutPayloads<"tool_call_result_item"> {
  type: typeof MessageItemType.TOOL_CALL_RESULT;
  tool_call_result_item?: ToolCallResultItem;
}

/**
 * An item without a type (NONE, 0, or missing).
 *
 * @example
 * import type { NoneMessageItem } from "wxagent/ilink";
 * const empty: NoneMessageItem = {};
 */
export interface NoneMessageItem extends MessageItemBase, WithoutPayloads<never> {
  type?: typeof MessageItemType.NONE;
}

/**
 * One item of a message, discriminated on `type`: `item.type === MessageItemType.TEXT` narrows to
 * {@link TextMessageItem}, and so on. The server sends no other types today; code reading the wire
 * keeps a `default` branch anyway, since a new type would arrive typed as one of these.
 *
 * @example
 * import { type MessageItem, MessageItemType } from "wxagent/ilink";
 * function describe(item: MessageItem): string {
 *   switch (item.type) {
 *     case MessageItemType.TEXT:
 *       return item.text_item?.text ?? "";
 *     case MessageItemType.FILE:
 *       return item.file_item?.file_name ?? "a file";
 *     default:
 *       return `an item of type ${item.type}`;
 *   }
 * }
 */
export type MessageItem =
  | TextMessageItem
  | ImageMessageItem
  | VoiceMessageItem
  | FileMessageItem
  | VideoMessageItem
  | ToolCallStartMessageItem
  | ToolCallResultMessageItem
  | NoneMessageItem;

/**
 * @example
 * import type { WeixinMessage } from "wxagent/ilink";
 * const fromUser = (m: WeixinMessage) => m.message_type === 1 ? m.from_user_id : undefined;
 */
export interface WeixinMessage {
  seq?: number;
  /** uint64 as string */
  message_id?: string;
  from_user_id?: string;
  to_user_id?: string;
  client_id?: string;
  create_time_ms?: number;
  update_time_ms?: number;
  delete_time_ms?: number;
  session_id?: string;
  group_id?: string;
  message_type?: number;
  message_state?: number;
  item_list?: MessageItem[];
  context_token?: string;
  run_id?: string;
}

// ── Endpoints (§2) ──────────────────────────────────────────────────────────

/** POST ilink/bot/get_bot_qrcode?bot_type=3 (GET accepted by the server too). */
export interface GetBotQrcodeRequest {
  local_token_list?: string[];
}
/**
 * @example
 * import type { GetBotQrcodeResponse } from "wxagent/ilink";
 * const qrUrl = (r: GetBotQrcodeResponse) => r.qrcode_img_content;
 */
export interface GetBotQrcodeResponse extends ApiStatus {
  qrcode?: string;
  qrcode_img_content?: string;
}

/**
 * GET ilink/bot/get_qrcode_status?qrcode=…[&verify_code=…]
 *
 * @example
 * import type { GetQrcodeStatusResponse } from "wxagent/ilink";
 * const confirmed = (r: GetQrcodeStatusResponse) => r.status === "confirmed" && r.bot_token !== undefined;
 */
export interface GetQrcodeStatusResponse extends ApiStatus {
  status?: QrStatus | string;
  bot_token?: string;
  ilink_bot_id?: string;
  baseurl?: string;
  ilink_user_id?: string;
  redirect_host?: string;
}

/**
 * POST ilink/bot/getupdates
 *
 * @example
 * import type { GetUpdatesRequest } from "wxagent/ilink";
 * const request: GetUpdatesRequest = { get_updates_buf: "" };
 */
export interface GetUpdatesRequest {
  get_updates_buf: string;
  base_info?: BaseInfo;
}
/**
 * @example
 * import type { GetUpdatesResponse } from "wxagent/ilink";
 * const next = (r: GetUpdatesResponse, cursor: string) => r.get_updates_buf || cursor;
 */
export interface GetUpdatesResponse extends ApiStatus {
  msgs?: WeixinMessage[];
  get_updates_buf?: string;
  longpolling_timeout_ms?: number;
  /** deprecated, ignored */
  sync_buf?: string;
}

/**
 * POST ilink/bot/sendmessage
 *
 * @example
 * import type { SendMessageRequest } from "wxagent/ilink";
 * const request: SendMessageRequest = { msg: { to_user_id: "alice@im.wechat", item_list: [] } };
 */
export interface SendMessageRequest {
  msg: WeixinMessage;
  base_info?: BaseInfo;
}
/**
 * @example
 * import type { SendMessageResponse } from "wxagent/ilink";
 * const id = (r: SendMessageResponse) => r.message_id;
 */
export interface SendMessageResponse extends ApiStatus {
  /** uint64 as string */
  message_id?: string;
}

/**
 * POST ilink/bot/getuploadurl
 *
 * @example
 * import { type GetUploadUrlRequest, UploadMediaType } from "wxagent/ilink";
 * const request: GetUploadUrlRequest = {
 *   filekey: "k", media_type: UploadMediaType.FILE, to_user_id: "alice@im.wechat",
 *   rawsize: 10, rawfilemd5: "md5", filesize: 16, aeskey: "00112233445566778899aabbccddeeff",
 * };
 */
export interface GetUploadUrlRequest {
  filekey: string;
  media_type: number;
  to_user_id: string;
  rawsize: number;
  rawfilemd5: string;
  filesize: number;
  thumb_rawsize?: number;
  thumb_rawfilemd5?: string;
  thumb_filesize?: number;
  no_need_thumb?: boolean;
  /** the AES key as 32-char hex (not base64). */
  aeskey: string;
  base_info?: BaseInfo;
}
/**
 * @example
 * import type { GetUploadUrlResponse } from "wxagent/ilink";
 * const target = (r: GetUploadUrlResponse) => r.upload_full_url ?? r.upload_param;
 */
export interface GetUploadUrlResponse extends ApiStatus {
  upload_param?: string;
  thumb_upload_param?: string;
  upload_full_url?: string;
}

/**
 * POST ilink/bot/getconfig
 *
 * @example
 * import type { GetConfigRequest } from "wxagent/ilink";
 * const request: GetConfigRequest = { ilink_user_id: "alice@im.wechat" };
 */
export interface GetConfigRequest {
  ilink_user_id: string;
  context_token?: string;
  base_info?: BaseInfo;
}
/**
 * @example
 * import type { GetConfigResponse } from "wxagent/ilink";
 * const ticket = (r: GetConfigResponse) => r.typing_ticket ?? "";
 */
export interface GetConfigResponse extends ApiStatus {
  typing_ticket?: string;
}

/**
 * POST ilink/bot/sendtyping
 *
 * @example
 * import { type SendTypingRequest, TypingStatus } from "wxagent/ilink";
 * const request: SendTypingRequest = { ilink_user_id: "alice@im.wechat", typing_ticket: "t", status: TypingStatus.TYPING };
 */
export interface SendTypingRequest {
  ilink_user_id: string;
  typing_ticket: string;
  status: number;
  base_info?: BaseInfo;
}
export type SendTypingResponse = ApiStatus;

/** POST ilink/bot/msg/notifystart and ilink/bot/msg/notifystop */
export interface NotifyRequest {
  base_info?: BaseInfo;
}
export type NotifyResponse = ApiStatus;

// ── Paths, headers, constants (§1, §17) ─────────────────────────────────────

/**
 * @example
 * import { Endpoint } from "wxagent/ilink";
 * const path: string = Endpoint.getUpdates; // "ilink/bot/getupdates"
 */
export const Endpoint = {
  getBotQrcode: "ilink/bot/get_bot_qrcode",
  getQrcodeStatus: "ilink/bot/get_qrcode_status",
  getUpdates: "ilink/bot/getupdates",
  sendMessage: "ilink/bot/sendmessage",
  getUploadUrl: "ilink/bot/getuploadurl",
  getConfig: "ilink/bot/getconfig",
  sendTyping: "ilink/bot/sendtyping",
  notifyStart: "ilink/bot/msg/notifystart",
  notifyStop: "ilink/bot/msg/notifystop",
} as const;
/**
 * @example
 * import { Endpoint, type EndpointName } from "wxagent/ilink";
 * const name: EndpointName = "sendMessage";
 * const path = Endpoint[name]; // "ilink/bot/sendmessage"
 */
export type EndpointName = keyof typeof Endpoint;

export const Header = {
  authorizationType: "AuthorizationType",
  authorization: "Authorization",
  uin: "X-WECHAT-UIN",
  appId: "iLink-App-Id",
  clientVersion: "iLink-App-ClientVersion",
  routeTag: "SKRouteTag",
  /** CDN upload response: the download parameter. */
  encryptedParam: "x-encrypted-param",
  /** CDN error detail. */
  errorMessage: "x-error-message",
} as const;

export const AUTHORIZATION_TYPE = "ilink_bot_token";
export const ILINK_APP_ID = "bot";
/**
 * @example
 * import { DEFAULT_BASE_URL, ILinkClient } from "wxagent/ilink";
 * const client = new ILinkClient({ token: "bot-token", baseUrl: DEFAULT_BASE_URL });
 */
export const DEFAULT_BASE_URL = "https://ilinkai.weixin.qq.com";
/**
 * @example
 * import { DEFAULT_CDN_BASE_URL, ILinkClient } from "wxagent/ilink";
 * const client = new ILinkClient({ token: "bot-token", cdnBaseUrl: DEFAULT_CDN_BASE_URL });
 */
export const DEFAULT_CDN_BASE_URL = "https://novac2c.cdn.weixin.qq.com/c2c";
export const DEFAULT_BOT_TYPE = "3";
export const DEFAULT_LONG_POLL_TIMEOUT_MS = 35_000;
/** CDN query key is spelled with a "d", unlike the JSON field `encrypt_query_param`. */
export const CDN_QUERY_KEY = "encrypted_query_param";
