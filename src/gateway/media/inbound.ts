/**
 * Inbound media for one message: every image, file, video and voice item (and a quoted one) is
 * downloaded into `<mediaDir>/<account>/<inbound id>/`, files are also copied into the contact's
 * workspace inbox, voice becomes text (WeChat's transcript, else SILK → WAV → an optional
 * transcription endpoint, else the user is asked to type). A voice note longer than
 * `limits.maxVoiceMs` is refused before it is decoded; SILK is decoded only for a transcriber. One bad item never drops the others:
 * it becomes a MediaRef with `error`, a log line and a notice for the user.
 */
import { mkdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { MediaRef, QuotedMessage } from "../../agent/types.js";
import { safeSegment } from "../../agent/workspace.js";
import { mimeFromFileName } from "../../ilink/mime.js";
import { type MessageItem, MessageItemType, VoiceEncodeType } from "../../ilink/wire.js";
import type { Lang } from "../../shared/i18n.js";
import { messageOf } from "../../shared/wx-error.js";
import { createLogger, type Logger } from "../../util/logger.js";
import { quoteOf } from "../inbound.js";
import { type FetchItemContext, fetchItemToFile, type MediaDownloader } from "./download.js";
import { codeOf } from "./errors.js";
import { type MediaLimits, maxVoiceBytes, mediaLimits } from "./limits.js";
import { safeFileName, saveUnique } from "./names.js";
import {
  downloadFailureNotice,
  mediaLabel,
  visibleName,
  voiceFallbackNotice,
  voiceTooLongNotice,
} from "./notices.js";
import { silkInfo } from "./silk.js";
import { readHead, sniffBytes } from "./sniff.js";
import { mediaWords } from "./texts.js";
import type { AudioInput, Transcriber } from "./transcribe.js";
import { type CdnUrlPolicy, createCdnUrlPolicy } from "./urls.js";
import { looksLikeSilk, silkToWav } from "./voice.js";

export interface PrepareInboundOptions {
  accountId: string;
  /** The store id of the inbound message: its media directory is named after it. */
  inboundId: number | string;
  items: readonly MessageItem[];
  /** The contact's workspace; files land in `<workspaceDir>/inbox/`. */
  workspaceDir: string;
  /** `<home>/media`; this message's files go to `<mediaDir>/<account-safe>/<inboundId>/`. */
  mediaDir: string;
  /** The account's SDK client (or anything with its `fetch` and `cdnBaseUrl`). */
  downloader: MediaDownloader;
  /** More trusted CDN hosts for `full_url`. */
  allowHosts?: readonly string[];
  /** Overrides the policy built from the downloader's hosts and `allowHosts`. */
  urlPolicy?: CdnUrlPolicy;
  transcriber?: Transcriber;
  limits?: Partial<MediaLimits>;
  signal?: AbortSignal;
  logger?: Logger;
  /** The language of `userNotices` (default en); what is for the agent stays in English. */
  lang?: Lang;
}

export interface PreparedInbound {
  /** One entry per media item, in message order; failed ones carry `error`. */
  media: MediaRef[];
  /** The quoted message (text, title and media), when the message quotes one with content. */
  quote?: QuotedMessage;
  /**
   * Lines for the agent that the message text does not hold yet: transcripts made here, where a
   * file was saved, what could not be used. WeChat's own voice transcript is not repeated: the
   * gateway's message text already carries it (`describeContent`).
   */
  textAdditions: string[];
  /** Sentences to send the user (one per problem), e.g. a broken file or the voice fallback. */
  userNotices: string[];
}

interface Ctx extends FetchItemContext {
  dir: string;
  workspaceDir: string;
  limits: MediaLimits;
  transcriber?: Transcriber;
  out: PreparedInbound;
  lang: Lang;
}

const HANDLED = new Set<number>([
  MessageItemType.TEXT,
  MessageItemType.TOOL_CALL_START,
  MessageItemType.TOOL_CALL_RESULT,
]);

/** The media directory of one inbound message. */
export function inboundMediaDir(mediaDir: string, accountId: string, inboundId: number | string): string {
  return join(mediaDir, safeSegment(accountId), safeSegment(String(inboundId)));
}

export async function prepareInboundMedia(options: PrepareInboundOptions): Promise<PreparedInbound> {
  const logger = (options.logger ?? createLogger("gateway:media")).child({
    accountId: options.accountId,
    inboundId: options.inboundId,
  });
  const out: PreparedInbound = { media: [], textAdditions: [], userNotices: [] };
  const limits = mediaLimits(options.limits);
  const ctx: Ctx = {
    downloader: options.downloader,
    policy:
      options.urlPolicy ??
      createCdnUrlPolicy({
        cdnBaseUrl: options.downloader.cdnBaseUrl,
        ...(options.downloader.baseUrl ? { baseUrl: options.downloader.baseUrl } : {}),
        ...(options.allowHosts ? { allowHosts: options.allowHosts } : {}),
      }),
    maxBytes: limits.maxInboundBytes,
    logger,
    dir: inboundMediaDir(options.mediaDir, options.accountId, options.inboundId),
    workspaceDir: options.workspaceDir,
    limits,
    out,
    lang: options.lang ?? "en",
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.transcriber ? { transcriber: options.transcriber } : {}),
  };
  let quoted = false;
  for (const [index, item] of options.items.entries()) {
    if (item.ref_msg && !quoted) {
      quoted = true;
      const quote = await prepareQuote(item, ctx);
      if (quote) out.quote = quote;
    }
    const type = item.type ?? 0;
    if (HANDLED.has(type)) continue;
    const ref = await prepareItem(item, String(index), ctx, false);
    if (ref) out.media.push(ref);
  }
  return out;
}

async function prepareQuote(item: MessageItem, ctx: Ctx): Promise<QuotedMessage | undefined> {
  const inner = item.ref_msg?.message_item;
  const quote: QuotedMessage = {};
  const text = quoteOf(item)?.text;
  if (text !== undefined) quote.text = text;
  if (inner && inner.type !== MessageItemType.TEXT && !HANDLED.has(inner.type ?? 0)) {
    const media = await prepareItem(inner, "quote", ctx, true);
    if (media) quote.media = media;
  }
  return quote.text !== undefined || quote.media !== undefined ? quote : undefined;
}

/** One item → a MediaRef (never throws, except when the turn is aborted). */
async function prepareItem(
  item: MessageItem,
  tag: string,
  ctx: Ctx,
  quoted: boolean,
): Promise<MediaRef | undefined> {
  try {
    switch (item.type) {
      case MessageItemType.IMAGE:
        return await prepareImage(item, tag, ctx, quoted);
      case MessageItemType.FILE:
        return await prepareFile(item, tag, ctx, quoted);
      case MessageItemType.VIDEO:
        return await prepareVideo(item, tag, ctx, quoted);
      case MessageItemType.VOICE:
        return await prepareVoice(item, tag, ctx, quoted);
      default: {
        ctx.logger.warn({ itemType: item.type }, "inbound item of an unknown type skipped");
        ctx.out.userNotices.push(mediaWords(ctx.lang).unknownItem({ type: String(item.type) }));
        return undefined;
      }
    }
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    return failed(item, err, ctx, quoted);
  }
}

function kindOf(item: MessageItem): MediaRef["kind"] {
  if (item.type === MessageItemType.IMAGE) return "image";
  if (item.type === MessageItemType.VIDEO) return "video";
  if (item.type === MessageItemType.VOICE) return "voice";
  return "file";
}

function failed(item: MessageItem, err: unknown, ctx: Ctx, quoted: boolean): MediaRef {
  const kind = kindOf(item);
  const name =
    kind === "file"
      ? safeFileName(item.file_item?.file_name, "file.bin", ctx.limits.maxNameChars).name
      : undefined;
  ctx.logger.warn(
    { kind, quoted, code: codeOf(err), err: messageOf(err) },
    "inbound media could not be used",
  );
  const label = mediaLabel(kind, name, quoted, ctx.lang);
  const notice = downloadFailureNotice(label, err, ctx.limits.maxInboundBytes, ctx.lang);
  ctx.out.userNotices.push(notice);
  ctx.out.textAdditions.push(`[${mediaLabel(kind, name, quoted)} could not be used: ${notice}]`);
  const ref: MediaRef = { kind, error: notice };
  if (name) ref.name = name;
  return ref;
}

async function fetchInto(item: MessageItem, fileName: string, ctx: Ctx) {
  await mkdir(ctx.dir, { recursive: true, mode: 0o700 });
  return fetchItemToFile(item, join(ctx.dir, fileName), ctx);
}

async function prepareImage(item: MessageItem, tag: string, ctx: Ctx, quoted: boolean): Promise<MediaRef> {
  const got = await fetchInto(item, `${tag}-image.bin`, ctx);
  const sniffed = sniffBytes(await readHead(got.path));
  if (sniffed?.kind === "image") {
    const ext = sniffed.mime.slice("image/".length).replace("jpeg", "jpg");
    const path = join(ctx.dir, `${tag}-image.${ext}`);
    await rename(got.path, path);
    return { kind: "image", path, name: `image.${ext}`, mime: sniffed.mime, size: got.size };
  }
  // Not a format a model can take as an image: keep it, as a file, and say so.
  ctx.logger.warn({ size: got.size }, "inbound image is not PNG/JPEG/GIF/WebP/BMP; kept as a file");
  ctx.out.userNotices.push(
    mediaWords(ctx.lang).imageFormat({ label: mediaLabel("image", undefined, quoted, ctx.lang) }),
  );
  return {
    kind: "file",
    path: got.path,
    name: "image.bin",
    mime: "application/octet-stream",
    size: got.size,
  };
}

async function prepareFile(item: MessageItem, tag: string, ctx: Ctx, quoted: boolean): Promise<MediaRef> {
  const original = item.file_item?.file_name;
  const safe = safeFileName(original, "file.bin", ctx.limits.maxNameChars);
  const got = await fetchInto(item, `${tag}-${safe.name}`, ctx);
  const saved = await saveUnique(got.path, ctx.workspaceDir, "inbox", safe.name);
  if (safe.changed) {
    ctx.logger.warn({ original: visibleName(original ?? ""), saved }, "unsafe inbound file name replaced");
    ctx.out.userNotices.push(
      mediaWords(ctx.lang).unsafeName({ original: visibleName(original ?? ""), saved }),
    );
  }
  ctx.out.textAdditions.push(`[${quoted ? "quoted " : ""}file saved in the workspace as inbox/${saved}]`);
  return {
    kind: "file",
    path: join(ctx.workspaceDir, "inbox", saved),
    name: saved,
    mime: mimeFromFileName(saved),
    size: got.size,
  };
}

async function prepareVideo(item: MessageItem, tag: string, ctx: Ctx, _quoted: boolean): Promise<MediaRef> {
  const got = await fetchInto(item, `${tag}-video.mp4`, ctx);
  const sniffed = sniffBytes(await readHead(got.path));
  if (sniffed?.mime === "video/quicktime") {
    const path = join(ctx.dir, `${tag}-video.mov`);
    await rename(got.path, path);
    return { kind: "video", path, name: "video.mov", mime: sniffed.mime, size: got.size };
  }
  if (sniffed?.kind !== "video") {
    ctx.logger.warn({ size: got.size }, "inbound video has no recognised container; kept as video/mp4");
  }
  return { kind: "video", path: got.path, name: "video.mp4", mime: "video/mp4", size: got.size };
}

async function prepareVoice(item: MessageItem, tag: string, ctx: Ctx, quoted: boolean): Promise<MediaRef> {
  const voice = item.voice_item;
  const playtimeMs = typeof voice?.playtime === "number" ? voice.playtime : undefined;
  // WeChat transcribed it already: nothing to download (docs/protocol.md §19.33).
  if (voice?.text) return { kind: "voice", transcript: voice.text };
  const ref: MediaRef = { kind: "voice" };
  const maxVoiceMs = ctx.limits.maxVoiceMs;
  if (voice?.media && (voice.media.full_url || voice.media.encrypt_query_param)) {
    // What the message claims is checked first (no download), then what the audio holds.
    if (playtimeMs !== undefined && playtimeMs > maxVoiceMs) return tooLong(ref, ctx, quoted, playtimeMs);
    const mp3 = voice.encode_type === VoiceEncodeType.MP3;
    let got: Awaited<ReturnType<typeof fetchInto>>;
    try {
      got = await fetchInto(item, `${tag}-voice.${mp3 ? "mp3" : "silk"}`, {
        ...ctx,
        maxBytes: maxVoiceBytes(ctx.limits),
      });
    } catch (err) {
      if (codeOf(err) === "TOO_LARGE" && !ctx.signal?.aborted) return tooLong(ref, ctx, quoted, undefined);
      throw err;
    }
    ref.path = got.path;
    ref.size = got.size;
    ref.mime = mp3 ? "audio/mpeg" : "audio/silk";
    ref.name = mp3 ? "voice.mp3" : "voice.silk";
    const raw = await readFile(got.path);
    let audio: { bytes: Uint8Array; name: string; mime: string } | undefined = mp3
      ? { bytes: raw, name: "voice.mp3", mime: "audio/mpeg" }
      : undefined;
    if (!mp3 && looksLikeSilk(raw)) {
      let claimedMs: number | undefined;
      try {
        claimedMs = silkInfo(raw).durationMs;
      } catch (err) {
        ctx.logger.warn({ err: messageOf(err) }, "SILK voice note is damaged; kept as SILK");
      }
      if (claimedMs !== undefined && claimedMs > maxVoiceMs) {
        await unlink(got.path).catch(() => {});
        return tooLong({ kind: "voice" }, ctx, quoted, claimedMs);
      }
      // Decoded only to be transcribed: without an endpoint the SILK is all anyone needs.
      if (ctx.transcriber && claimedMs !== undefined) {
        try {
          const { wav } = await silkToWav(raw, { maxVoiceMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
          audio = { bytes: wav, name: "voice.wav", mime: "audio/wav" };
        } catch (err) {
          if (ctx.signal?.aborted) throw err;
          ctx.logger.warn({ err: messageOf(err) }, "SILK voice note could not be decoded; kept as SILK");
        }
      }
    } else if (!mp3) {
      audio = { bytes: raw, name: ref.name, mime: ref.mime };
    }
    if (audio && (await transcribeInto(ref, audio, ctx, quoted))) return ref;
  } else {
    ctx.logger.warn("voice note without transcript or audio");
  }
  const seconds = playtimeMs ? ` (${Math.max(1, Math.round(playtimeMs / 1000))} s)` : "";
  ref.error = "the voice note could not be transcribed";
  ctx.out.textAdditions.push(
    `[The user sent a ${quoted ? "quoted " : ""}voice note${seconds} that could not be transcribed; they were asked to type it instead.]`,
  );
  const fallback = voiceFallbackNotice(ctx.lang);
  if (!ctx.out.userNotices.includes(fallback)) ctx.out.userNotices.push(fallback);
  return ref;
}

/** Asks the transcription endpoint (if any) for the text of `audio`; true when `ref` got a transcript. */
async function transcribeInto(ref: MediaRef, audio: AudioInput, ctx: Ctx, quoted: boolean): Promise<boolean> {
  if (!ctx.transcriber) return false;
  try {
    const text = await ctx.transcriber.transcribe(audio, ctx.signal);
    if (text) {
      ref.transcript = text;
      ctx.out.textAdditions.push(
        `${quoted ? "[quoted voice note, transcribed] " : "[voice note, transcribed] "}${text}`,
      );
      return true;
    }
    ctx.logger.warn("the transcription endpoint returned no text");
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    ctx.logger.warn({ code: codeOf(err), err: messageOf(err) }, "voice transcription failed");
  }
  return false;
}

/** A voice note over `maxVoiceMs`: not decoded, not kept, the user told why. */
function tooLong(ref: MediaRef, ctx: Ctx, quoted: boolean, durationMs: number | undefined): MediaRef {
  const label = mediaLabel("voice", undefined, quoted, ctx.lang);
  const notice = voiceTooLongNotice(label, ctx.limits.maxVoiceMs, durationMs, ctx.lang);
  ctx.logger.warn(
    { durationMs, maxVoiceMs: ctx.limits.maxVoiceMs },
    "voice note over media.limits.maxVoiceMs refused before decoding",
  );
  ctx.out.userNotices.push(notice);
  ctx.out.textAdditions.push(`[${mediaLabel("voice", undefined, quoted)} was not listened to: ${notice}]`);
  return { ...ref, error: notice };
}
