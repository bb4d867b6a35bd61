/**
 * The iLink SDK: wire types, the client, typed errors, QR login, CDN crypto and media transfer,
 * and high-level send/typing helpers. Curated exports: what is listed here is the public API.
 * Tiers: the bot (Bot, Context, middleware, filters, Api) first; then the advanced pieces (the
 * client, free send/typing/media functions, wire types); the cipher is at `wxagent/ilink/crypto`.
 *
 * `§N.M` in comments across src/ refers to the numbered sections of docs/protocol.md, wxagent's
 * reference for the iLink wire protocol (test/docs/citations.test.ts keeps every one resolvable).
 */

export {
  type Sequencer,
  type SequentializeOptions,
  sequentialize,
} from "../shared/sequentialize.js";
export { Api, type ApiMediaOptions, type ApiOptions, type ApiSendOptions } from "./api.js";
export { Bot, BotError, type BotOptions, type ErrorHandler, type MessageHandler } from "./bot.js";
export type { DownloadOptions, DownloadResult, UploadOptions, UploadResult } from "./cdn.js";
export { DEFAULT_DOWNLOAD_MAX_BYTES, download, downloadUrl, UPLOAD_ATTEMPTS, upload } from "./cdn.js";
export type { CallOptions, FetchLike, ILinkClientOptions } from "./client.js";
export { DEFAULT_TIMEOUTS_MS, ILinkClient, PROTOCOL_VERSION, SDK_BOT_AGENT } from "./client.js";
export {
  Composer,
  type Middleware,
  type MiddlewareFn,
  type MiddlewareObj,
  type NextFunction,
} from "./composer.js";
export { Context, type ContextEnv, type ReplyOptions } from "./context.js";
export { contentKey, dedupKey } from "./dedup.js";
export { Durable, type DurableInbox, durable, type InboxEntry } from "./durable.js";
export type { ILinkErrorCode, NetworkKind } from "./errors.js";
export {
  ILinkApiError,
  ILinkError,
  ILinkTransportError,
  isILinkApiError,
  isILinkError,
  isILinkTransportError,
  isSessionExpiredError,
} from "./errors.js";
export { type Filter, type FilterNarrowing, type FilterQuery, matchFilter } from "./filter.js";
export { encodeClientVersion, randomWechatUin, sanitizeBotAgent } from "./headers.js";
export type { DownloadItemOptions, InboundMediaKind, ItemMedia } from "./inbound-media.js";
export { downloadItemMedia, itemMedia, itemMediaKey } from "./inbound-media.js";
export { parseJsonLosslessIds, quoteUint64Ids } from "./json-ids.js";
export { type ILinkLogFn, type ILinkLogger, silentLogger } from "./logger.js";
export type { MediaKind } from "./mime.js";
export { mediaKindFromFileName, mimeFromFileName } from "./mime.js";
export type { LoginResult, LoginWithQrOptions, QrCode } from "./qr-login.js";
export { DEFAULT_LOGIN_TIMEOUT_MS, loginWithQr, MAX_QR_CODES, redirectBaseUrl } from "./qr-login.js";
export type {
  EnvelopeOptions,
  SendCallOptions,
  SendMediaOptions,
  SendMediaResult,
  SendResult,
  SendTextOptions,
} from "./send.js";
export { buildMessage, mediaItem, newClientId, sendItem, sendMedia, sendText } from "./send.js";
export type { TypingOptions, TypingSession, TypingTicketsOptions } from "./typing.js";
export { sendTypingOnce, startTyping, stopTyping, TYPING_KEEPALIVE_MS, TypingTickets } from "./typing.js";
export type {
  ApiStatus,
  BaseInfo,
  CDNMedia,
  EndpointName,
  FileItem,
  FileMessageItem,
  GetBotQrcodeResponse,
  GetConfigRequest,
  GetConfigResponse,
  GetQrcodeStatusResponse,
  GetUpdatesRequest,
  GetUpdatesResponse,
  GetUploadUrlRequest,
  GetUploadUrlResponse,
  ImageItem,
  ImageMessageItem,
  MessageItem,
  MessageItemBase,
  NoneMessageItem,
  QrStatus,
  RefMessage,
  SendMessageRequest,
  SendMessageResponse,
  SendTypingRequest,
  TextItem,
  TextMessageItem,
  ToolCallResultMessageItem,
  ToolCallStartMessageItem,
  VideoItem,
  VideoMessageItem,
  VoiceItem,
  VoiceMessageItem,
  WeixinMessage,
} from "./wire.js";
export {
  DEFAULT_BASE_URL,
  DEFAULT_CDN_BASE_URL,
  Endpoint,
  ErrCode,
  MessageItemType,
  MessageState,
  MessageType,
  TypingStatus,
  UploadMediaType,
} from "./wire.js";
export { isWxError, messageOf, WxError, type WxErrorJSON, type WxErrorOptions } from "./wx-error.js";
