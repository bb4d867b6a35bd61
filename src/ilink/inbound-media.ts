/**
 * Download the media of an inbound message item (docs/protocol.md §10.3), choosing the AES key per
 * item type: images prefer `image_item.aeskey` (hex) and may be unencrypted; voice, file and
 * video need `media.aes_key`.
 */
import { open } from "node:fs/promises";
import { type DownloadResult, download } from "./cdn.js";
import type { ILinkClient } from "./client.js";
import { imageKey, parseAesKey } from "./crypto.js";
import { ILinkError } from "./errors.js";
import { extensionForMime, mimeFromFileName, sniffImageMime } from "./mime.js";
import { type CDNMedia, type MessageItem, MessageItemType, VoiceEncodeType } from "./wire.js";

/**
 * @example
 * import type { InboundMediaKind } from "wxagent/ilink";
 * const kinds: InboundMediaKind[] = ["image", "voice"];
 */
export type InboundMediaKind = "image" | "video" | "file" | "voice";

/**
 * @example
 * import type { Context, DownloadItemOptions } from "wxagent/ilink";
 * const save = (ctx: Context) => ctx.download({ toFile: "/tmp/in", maxBytes: 5_000_000 } satisfies DownloadItemOptions);
 */
export interface DownloadItemOptions {
  signal?: AbortSignal;
  /** Plaintext cap; default 100 MiB. */
  maxBytes?: number;
  /** Stream into this file instead of memory. */
  toFile?: string;
}

/**
 * @example
 * import type { ItemMedia } from "wxagent/ilink";
 * const label = (m: ItemMedia) => `${m.kind} ${m.name} (${m.mime}, ${m.size} bytes)`;
 */
export type ItemMedia = DownloadResult & { kind: InboundMediaKind; mime: string; name: string };

/**
 * The kind and CDN reference of an item, if it carries downloadable media.
 *
 * @example
 * import { itemMedia, type MessageItem } from "wxagent/ilink";
 * declare const item: MessageItem;
 * const kind = itemMedia(item)?.kind; // "image" | "video" | "file" | "voice" | undefined
 */
export function itemMedia(item: MessageItem): { kind: InboundMediaKind; media: CDNMedia } | undefined {
  const pick = (kind: InboundMediaKind, media: CDNMedia | undefined) =>
    media && (media.full_url || media.encrypt_query_param) ? { kind, media } : undefined;
  switch (item.type) {
    case MessageItemType.IMAGE:
      return pick("image", item.image_item?.media);
    case MessageItemType.VIDEO:
      return pick("video", item.video_item?.media);
    case MessageItemType.FILE:
      return pick("file", item.file_item?.media);
    case MessageItemType.VOICE:
      return pick("voice", item.voice_item?.media);
    default:
      return undefined;
  }
}

/**
 * The AES key for an item; undefined only for an unencrypted image.
 *
 * @example
 * import { itemMedia, itemMediaKey, type MessageItem } from "wxagent/ilink";
 * declare const item: MessageItem;
 * const found = itemMedia(item);
 * const key = found && itemMediaKey(item, found.kind, found.media);
 */
export function itemMediaKey(item: MessageItem, kind: InboundMediaKind, media: CDNMedia): Buffer | undefined {
  if (kind === "image") return item.image_item ? imageKey(item.image_item) : undefined;
  if (!media.aes_key) {
    throw new ILinkError("BAD_AES_KEY", `the ${kind} item carries no aes_key, so it cannot be decrypted`, {
      endpoint: "cdn/download",
    });
  }
  return parseAesKey(media.aes_key);
}

function voiceMime(encodeType: number | undefined): { mime: string; ext: string } {
  if (encodeType === VoiceEncodeType.MP3) return { mime: "audio/mpeg", ext: ".mp3" };
  if (encodeType === VoiceEncodeType.AMR) return { mime: "audio/amr", ext: ".amr" };
  if (encodeType === VoiceEncodeType.SPEEX || encodeType === VoiceEncodeType.OGG_SPEEX)
    return { mime: "audio/ogg", ext: ".ogg" };
  // SILK is what WeChat sends in practice; transcoding to WAV is left to the caller.
  return { mime: "audio/silk", ext: ".silk" };
}

async function headOf(result: DownloadResult): Promise<Buffer> {
  if ("bytes" in result) return result.bytes.subarray(0, 12);
  const fh = await open(result.path, "r");
  try {
    const buf = Buffer.alloc(12);
    const { bytesRead } = await fh.read(buf, 0, 12, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Download (and decrypt) the media of one item, with a MIME type and a file name for it.
 *
 * @example
 * import { downloadItemMedia, ILinkClient, type MessageItem } from "wxagent/ilink";
 * declare const item: MessageItem;
 * const media = await downloadItemMedia(new ILinkClient({ token: "bot-token" }), item);
 */
export async function downloadItemMedia(
  client: Pick<ILinkClient, "fetch" | "cdnBaseUrl">,
  item: MessageItem,
  options: DownloadItemOptions = {},
): Promise<ItemMedia> {
  const found = itemMedia(item);
  if (!found) {
    throw new ILinkError("NO_MEDIA", `message item of type ${item.type ?? "?"} has no downloadable media`, {
      endpoint: "cdn/download",
    });
  }
  const { kind, media } = found;
  const key = itemMediaKey(item, kind, media);
  const result = await download(media, {
    fetch: client.fetch,
    cdnBaseUrl: client.cdnBaseUrl,
    ...(key ? { key } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    ...(options.toFile ? { toFile: options.toFile } : {}),
  });
  switch (kind) {
    case "image": {
      const mime = sniffImageMime(await headOf(result)) ?? "image/jpeg";
      return { ...result, kind, mime, name: `image${extensionForMime(mime)}` };
    }
    case "video":
      return { ...result, kind, mime: "video/mp4", name: "video.mp4" };
    case "file": {
      const name = item.file_item?.file_name || "file.bin";
      return { ...result, kind, mime: mimeFromFileName(name), name };
    }
    case "voice": {
      const { mime, ext } = voiceMime(item.voice_item?.encode_type);
      return { ...result, kind, mime, name: `voice${ext}` };
    }
  }
}
