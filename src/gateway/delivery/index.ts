/** The delivery half of the gateway: recorded, quota-aware, spaced, Markdown-faithful replies. */
export { type Clock, systemClock } from "./clock.js";
export {
  createDelivery,
  DEFAULT_DELIVERY_LIMITS,
  type Delivery,
  type DeliveryLimits,
  type DeliveryOptions,
  type DeliveryResult,
  type RecordedReply,
  type ReplyToDeliver,
} from "./delivery.js";
export { filterMarkdown, hasCjk } from "./markdown.js";
export {
  continueNote,
  DEFAULT_PROGRESS_RESERVE,
  DEFAULT_QUOTA_PER_TOKEN,
  planQuota,
  type QuotaOptions,
  type QuotaPlan,
  SendQuota,
  sendsLeft,
} from "./quota.js";
export {
  BubbleSender,
  contactKey,
  DEFAULT_RETRY_DELAYS_MS,
  DEFAULT_SPACING_MS,
  DEFAULT_THROTTLE_DELAYS_MS,
  KeyedQueue,
  type SenderOptions,
  type SendOutcome,
} from "./sender.js";
export { codePointLength, DEFAULT_CHUNK_CHARS, splitMessage } from "./split.js";
export {
  classifySendError,
  describeSendError,
  type OutboundTransport,
  type SendErrorKind,
  type SendFileArgs,
  type SendTextArgs,
  type TransportSource,
  type TypingArgs,
} from "./transport.js";
export {
  DEFAULT_TYPING_REFRESH_MS,
  DEFAULT_TYPING_START_AFTER_MS,
  TypingController,
  type TypingOptions,
  type TypingTarget,
} from "./typing.js";
