/**
 * One inbound item's media onto disk: the URL vetted, the key chosen per item type (every wire
 * encoding, via the SDK), the ciphertext streamed through the decipher into a file (0600) under a
 * size cap, then checked: not empty, and the plaintext length and MD5 the message announced.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { unlink } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { download } from "../../ilink/cdn.js";
import type { FetchLike } from "../../ilink/client.js";
import {
  downloadItemMedia,
  type InboundMediaKind,
  type ItemMedia,
  itemMedia,
  itemMediaKey,
} from "../../ilink/inbound-media.js";
import type { MessageItem } from "../../ilink/wire.js";
import type { Logger } from "../../util/logger.js";
import { MediaError } from "./errors.js";
import { type CdnUrlPolicy, createCdnUrlPolicy } from "./urls.js";

/** What a download needs of the account's SDK client (an `ILinkClient` fits). */
export interface MediaDownloader {
  fetch: FetchLike;
  cdnBaseUrl: string;
  baseUrl?: string;
}

export interface FetchItemContext {
  downloader: MediaDownloader;
  policy: CdnUrlPolicy;
  maxBytes: number;
  signal?: AbortSignal;
  logger: Logger;
}

export interface FetchedItem {
  kind: InboundMediaKind;
  path: string;
  size: number;
}

async function md5OfFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("md5");
  await pipeline(createReadStream(path), hash, signal ? { signal } : {});
  return hash.digest("hex");
}

/** A hop the policy refused surfaces as itself, not as the SDK's "network failure" around it. */
export function unwrapRefusal(err: unknown): never {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof MediaError && cause.code === "MEDIA_URL_REFUSED") throw cause;
  throw err;
}

/** What the message says the plaintext should be (file `len`/`md5`, video `video_md5`). */
function announced(item: MessageItem): { size?: number; md5?: string } {
  const out: { size?: number; md5?: string } = {};
  const len = item.file_item?.len;
  if (typeof len === "string" && /^\d+$/.test(len)) out.size = Number(len);
  const md5 = item.file_item?.md5 ?? item.video_item?.video_md5;
  if (typeof md5 === "string" && /^[0-9a-f]{32}$/i.test(md5)) out.md5 = md5.toLowerCase();
  return out;
}

/** Download and decrypt `item`'s media into `target`. Throws typed errors; leaves no partial file. */
export async function fetchItemToFile(
  item: MessageItem,
  target: string,
  ctx: FetchItemContext,
): Promise<FetchedItem> {
  const found = itemMedia(item);
  if (!found) throw new MediaError("MEDIA_MISSING", "the item has neither full_url nor encrypt_query_param");
  const key = itemMediaKey(item, found.kind, found.media);
  const vetted = await ctx.policy.vet(found.media);
  if (vetted.refused) {
    ctx.logger.warn(
      { kind: found.kind, reason: vetted.refused },
      "media full_url refused; downloading from the account's CDN by encrypt_query_param instead",
    );
  }
  const got = await download(vetted.media, {
    // Every hop vetted again and pinned to its vetted address; redirects re-checked.
    fetch: ctx.policy.fetchVia(ctx.downloader.fetch),
    cdnBaseUrl: ctx.downloader.cdnBaseUrl,
    maxBytes: ctx.maxBytes,
    toFile: target,
    ...(key ? { key } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  }).catch(unwrapRefusal);
  try {
    if (got.size === 0) throw new MediaError("MEDIA_EMPTY", `the ${found.kind} decrypted to 0 bytes`);
    const expect = announced(item);
    if (expect.size !== undefined && expect.size !== got.size) {
      throw new MediaError(
        "MEDIA_CORRUPT",
        `the ${found.kind} is ${got.size} bytes but the message announced ${expect.size}: truncated or wrong key`,
      );
    }
    if (expect.md5 !== undefined && (await md5OfFile(target, ctx.signal)) !== expect.md5) {
      throw new MediaError("MEDIA_CORRUPT", `the ${found.kind} does not match the MD5 the message announced`);
    }
  } catch (err) {
    await unlink(target).catch(() => {});
    throw err;
  }
  return { kind: found.kind, path: target, size: got.size };
}

export interface VettedItemOptions {
  /** More trusted CDN hosts (config `media.allowHosts`). */
  allowHosts?: readonly string[];
  /** Overrides the policy built from the downloader's hosts and `allowHosts`. */
  urlPolicy?: CdnUrlPolicy;
  signal?: AbortSignal;
  maxBytes?: number;
  toFile?: string;
}

/**
 * `downloadItemMedia` under the gateway's media URL policy, for the admin preview and
 * `download_media`: a `full_url` the gateway would refuse is refused here too (or replaced by the
 * account's CDN URL), and every hop is vetted and pinned the same way.
 */
export async function downloadItemVetted(
  downloader: MediaDownloader,
  item: MessageItem,
  o: VettedItemOptions = {},
): Promise<ItemMedia> {
  const policy =
    o.urlPolicy ??
    createCdnUrlPolicy({
      cdnBaseUrl: downloader.cdnBaseUrl,
      ...(downloader.baseUrl ? { baseUrl: downloader.baseUrl } : {}),
      ...(o.allowHosts ? { allowHosts: o.allowHosts } : {}),
    });
  const copy = structuredClone(item);
  const found = itemMedia(copy);
  if (found) {
    const vetted = await policy.vet(found.media);
    if (vetted.refused) delete found.media.full_url;
  }
  return downloadItemMedia(
    { fetch: policy.fetchVia(downloader.fetch), cdnBaseUrl: downloader.cdnBaseUrl },
    copy,
    {
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.maxBytes === undefined ? {} : { maxBytes: o.maxBytes }),
      ...(o.toFile ? { toFile: o.toFile } : {}),
    },
  ).catch(unwrapRefusal);
}
