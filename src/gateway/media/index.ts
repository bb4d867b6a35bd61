/**
 * Media both ways: inbound images/files/video/voice/quotes to the agent, and files back to WeChat.
 */
export type { FetchedItem, MediaDownloader } from "./download.js";
export { downloadItemVetted, fetchItemToFile, type VettedItemOptions } from "./download.js";
export { codeOf, MediaError, type MediaErrorCode } from "./errors.js";
export {
  inboundMediaDir,
  type PreparedInbound,
  type PrepareInboundOptions,
  prepareInboundMedia,
} from "./inbound.js";
export { DEFAULT_MEDIA_LIMITS, formatMb, type MediaLimits, mediaLimits } from "./limits.js";
export { numbered, type SafeName, safeFileName, saveUnique } from "./names.js";
export { VOICE_FALLBACK_NOTICE } from "./notices.js";
export {
  checkOutboundFile,
  extractFileTags,
  type LongReplyOptions,
  longReplyAsFile,
  type OutboundCheck,
  type OutboundFile,
  type OutboundRefusal,
  outboundKind,
  type PrepareOutboundOptions,
  prepareOutboundReply,
  type ResolvedOutbound,
  resolveOutboundFiles,
  summaryOf,
} from "./outbound.js";
export { createMediaResolver, type MediaResolverOptions, needsMedia } from "./resolver.js";
export { type SendKind, type Sniffed, sendKindFor, sniffBytes, sniffFile } from "./sniff.js";
export {
  type AudioInput,
  createTranscriber,
  type Transcriber,
  type TranscriberOptions,
} from "./transcribe.js";
export { type CdnUrlPolicy, type CdnUrlPolicyOptions, createCdnUrlPolicy, type VettedMedia } from "./urls.js";
export { looksLikeSilk, pcmToWav, silkToWav, VOICE_SAMPLE_RATE } from "./voice.js";
