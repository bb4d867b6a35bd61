/**
 * CDN media transfer (docs/protocol.md §2.9, §2.10, §10.4): upload = md5 → getuploadurl → POST of
 * the AES-128-ECB ciphertext (file streamed through the cipher, no whole-file copy); download =
 * GET streamed through the decipher into memory or a file, with a size cap.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { stat, unlink } from "node:fs/promises";
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import type { FetchLike, ILinkClient } from "./client.js";
import {
  createDecryptStream,
  createEncryptStream,
  decryptFailed,
  encryptAesEcb,
  paddedSize,
} from "./crypto.js";
import {
  abortedError,
  httpError,
  ILinkError,
  ILinkTransportError,
  isILinkError,
  networkError,
} from "./errors.js";
import { CDN_QUERY_KEY, type CDNMedia, DEFAULT_CDN_BASE_URL, Header, type UploadMediaType } from "./wire.js";

/** What fetch accepts as a request body (the DOM `BodyInit` is not in our lib). */
type UploadBody = NonNullable<RequestInit["body"]>;

/**
 * @example
 * import { UPLOAD_ATTEMPTS } from "wxagent/ilink";
 * const tries: number = UPLOAD_ATTEMPTS; // 3
 */
export const UPLOAD_ATTEMPTS = 3;
/**
 * @example
 * import { DEFAULT_DOWNLOAD_MAX_BYTES } from "wxagent/ilink";
 * const capMiB = DEFAULT_DOWNLOAD_MAX_BYTES / 1024 / 1024; // 100
 */
export const DEFAULT_DOWNLOAD_MAX_BYTES = 100 * 1024 * 1024;

/**
 * @example
 * import { type UploadOptions, UploadMediaType } from "wxagent/ilink";
 * const options: UploadOptions = { filePath: "./cat.png", toUserId: "alice@im.wechat", mediaType: UploadMediaType.IMAGE };
 */
export interface UploadOptions {
  /** Upload this file (streamed), or … */
  filePath?: string;
  /** … these bytes (encrypted once in memory). */
  bytes?: Uint8Array;
  toUserId: string;
  mediaType: UploadMediaType;
  signal?: AbortSignal;
  /** Refuse larger plaintext with TOO_LARGE before anything is sent. */
  maxBytes?: number;
}

/**
 * @example
 * import type { UploadResult } from "wxagent/ilink";
 * const size = (u: UploadResult) => `${u.rawSize} bytes uploaded`;
 */
export interface UploadResult {
  /** The download parameter (`x-encrypted-param`), for `media.encrypt_query_param`. */
  encryptQueryParam: string;
  /** The AES key as 32-char hex; send it as `encodeAesKeyForSend(aesKeyHex)`. */
  aesKeyHex: string;
  rawSize: number;
  cipherSize: number;
  /** MD5 of the plaintext, lowercase hex. */
  md5: string;
  fileKey: string;
}

function tooLarge(what: string, size: number, maxBytes: number): ILinkError {
  return new ILinkError(
    "TOO_LARGE",
    `${what} is ${size} bytes, over the ${maxBytes}-byte limit; send a smaller file or raise the limit`,
  );
}

async function md5OfFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("md5");
  await pipeline(createReadStream(path), hash, signal ? { signal } : {});
  return hash.digest("hex");
}

function uploadUrl(
  client: ILinkClient,
  res: { upload_full_url?: string; upload_param?: string },
  fileKey: string,
) {
  const full = res.upload_full_url?.trim();
  if (full) return full;
  return `${client.cdnBaseUrl}/upload?${CDN_QUERY_KEY}=${encodeURIComponent(res.upload_param ?? "")}&filekey=${encodeURIComponent(fileKey)}`;
}

/**
 * Encrypt and upload one file; returns what the outgoing media item needs.
 *
 * @example
 * import { ILinkClient, UploadMediaType, upload } from "wxagent/ilink";
 * const client = new ILinkClient({ token: "bot-token" });
 * const up = await upload(client, { filePath: "./a.pdf", toUserId: "alice@im.wechat", mediaType: UploadMediaType.FILE });
 */
export async function upload(client: ILinkClient, options: UploadOptions): Promise<UploadResult> {
  const { filePath, bytes, signal } = options;
  if ((filePath === undefined) === (bytes === undefined)) {
    throw new TypeError("upload: pass exactly one of filePath or bytes");
  }
  let rawSize: number;
  let md5: string;
  if (bytes) {
    rawSize = bytes.length;
    if (options.maxBytes !== undefined && rawSize > options.maxBytes) {
      throw tooLarge("the file", rawSize, options.maxBytes);
    }
    md5 = createHash("md5").update(bytes).digest("hex");
  } else {
    try {
      const st = await stat(filePath as string);
      if (!st.isFile()) throw new Error("not a regular file");
      rawSize = st.size;
    } catch (err) {
      throw new ILinkError("FILE_UNREADABLE", `cannot read the file to upload: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (options.maxBytes !== undefined && rawSize > options.maxBytes) {
      throw tooLarge("the file", rawSize, options.maxBytes);
    }
    md5 = await md5OfFile(filePath as string, signal);
  }
  const key = randomBytes(16);
  const aesKeyHex = key.toString("hex");
  const fileKey = randomBytes(16).toString("hex");
  const cipherSize = paddedSize(rawSize);
  const urls = await client.getUploadUrl(
    {
      filekey: fileKey,
      media_type: options.mediaType,
      to_user_id: options.toUserId,
      rawsize: rawSize,
      rawfilemd5: md5,
      filesize: cipherSize,
      no_need_thumb: true,
      aeskey: aesKeyHex,
    },
    signal ? { signal } : {},
  );
  const url = uploadUrl(client, urls, fileKey);
  const cipherBytes = bytes ? encryptAesEcb(bytes, key) : undefined;
  const body = (): UploadBody => {
    if (cipherBytes) return cipherBytes;
    // A fresh file stream per attempt: a consumed stream cannot be replayed.
    // In place: the file stream's chunks are ours alone, so no second buffer per chunk.
    const enc = createEncryptStream(key, { inPlace: true });
    void pipeline(createReadStream(filePath as string), enc).catch(() => {}); // errors reach the body
    return Readable.toWeb(enc) as unknown as UploadBody;
  };
  const encryptQueryParam = await postWithRetry(client.fetch, url, body, signal);
  return { encryptQueryParam, aesKeyHex, rawSize, cipherSize, md5, fileKey };
}

/** §2.9: success is exactly 200 with x-encrypted-param; 4xx is final; all else retried, 3 attempts. */
async function postWithRetry(
  fetch: FetchLike,
  url: string,
  body: () => UploadBody,
  signal: AbortSignal | undefined,
): Promise<string> {
  const endpoint = "cdn/upload";
  let last: ILinkError | undefined;
  for (let attempt = 1; attempt <= UPLOAD_ATTEMPTS; attempt++) {
    if (signal?.aborted) throw abortedError(endpoint, signal.reason);
    let res: Response;
    try {
      const init = {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream" },
        body: body(),
        duplex: "half", // required by fetch for a stream body
        ...(signal ? { signal } : {}),
      };
      res = await fetch(url, init as RequestInit);
    } catch (err) {
      if (signal?.aborted) throw abortedError(endpoint, signal.reason);
      last = networkError(endpoint, err);
      continue;
    }
    if (res.status === 200) {
      const param = res.headers.get(Header.encryptedParam);
      await res.body?.cancel().catch(() => {});
      if (param) return param;
      last = new ILinkError("BAD_RESPONSE", "CDN upload answered 200 without the x-encrypted-param header", {
        endpoint,
      });
      continue;
    }
    const text = await res.text().catch(() => "");
    if (res.status >= 400 && res.status < 500) {
      const detail = res.headers.get(Header.errorMessage) ?? text;
      throw new ILinkTransportError(
        `HTTP_${res.status}`,
        `CDN upload refused: HTTP ${res.status}: ${detail.slice(0, 200)}`,
        {
          endpoint,
          status: res.status,
        },
      );
    }
    last = httpError(endpoint, res.status, text);
  }
  const final = last as ILinkError;
  throw new ILinkTransportError(
    final.code,
    `CDN upload failed after ${UPLOAD_ATTEMPTS} attempts: ${final.message}`,
    final instanceof ILinkTransportError && final.status !== undefined
      ? { endpoint, cause: final, status: final.status }
      : { endpoint, cause: final },
  );
}

/**
 * @example
 * import type { DownloadOptions } from "wxagent/ilink";
 * const options: DownloadOptions = { maxBytes: 10 * 1024 * 1024, toFile: "/tmp/in.bin" };
 */
export interface DownloadOptions {
  fetch?: FetchLike;
  cdnBaseUrl?: string;
  /** AES key (16 bytes); omit for unencrypted images, which are saved as they come. */
  key?: Uint8Array;
  signal?: AbortSignal;
  /** Plaintext cap; default 100 MiB (§10.3). */
  maxBytes?: number;
  /** Stream the plaintext into this file (mode 0600) instead of memory. */
  toFile?: string;
}

/**
 * @example
 * import type { DownloadResult } from "wxagent/ilink";
 * const where = (r: DownloadResult) => ("path" in r ? r.path : `${r.bytes.length} bytes in memory`);
 */
export type DownloadResult = { bytes: Buffer; size: number } | { path: string; size: number };

/**
 * @example
 * import { downloadUrl } from "wxagent/ilink";
 * const url = downloadUrl({ encrypt_query_param: "param-from-the-item" });
 */
export function downloadUrl(media: CDNMedia, cdnBaseUrl: string = DEFAULT_CDN_BASE_URL): string {
  const full = media.full_url?.trim();
  if (full) return full;
  if (!media.encrypt_query_param) {
    throw new ILinkError("NO_MEDIA", "the media item has neither full_url nor encrypt_query_param", {
      endpoint: "cdn/download",
    });
  }
  return `${cdnBaseUrl.replace(/\/+$/, "")}/download?${CDN_QUERY_KEY}=${encodeURIComponent(media.encrypt_query_param)}`;
}

function byteCap(maxBytes: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > maxBytes) cb(tooLarge(what, seen, maxBytes));
      else cb(null, chunk);
    },
  });
}

/**
 * Download one CDN object and decrypt it while streaming.
 *
 * @example
 * import { download, type ImageItem } from "wxagent/ilink";
 * declare const image: ImageItem;
 * if (image.media) await download(image.media, { toFile: "/tmp/image.bin" });
 */
export async function download(media: CDNMedia, options: DownloadOptions = {}): Promise<DownloadResult> {
  const endpoint = "cdn/download";
  const { key, signal, toFile } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_DOWNLOAD_MAX_BYTES;
  const url = downloadUrl(media, options.cdnBaseUrl);
  const fetch = options.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await fetch(url, signal ? { signal } : {});
  } catch (err) {
    if (signal?.aborted) throw abortedError(endpoint, signal.reason);
    throw networkError(endpoint, err);
  }
  if (!res.ok) throw httpError(endpoint, res.status, await res.text().catch(() => ""));
  const cipherCap = key ? paddedSize(maxBytes) : maxBytes;
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (declared > cipherCap) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge("the media", declared, maxBytes);
  }
  const source = res.body
    ? Readable.fromWeb(res.body as unknown as NodeWebReadableStream)
    : Readable.from([]);
  const stages: NodeJS.ReadWriteStream[] = [byteCap(cipherCap, "the media")];
  if (key) stages.push(createDecryptStream(key), byteCap(maxBytes, "the media"));
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = toFile
    ? createWriteStream(toFile, { mode: 0o600 })
    : new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      });
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline([source, ...stages, counter, sink], signal ? { signal } : {});
  } catch (err) {
    if (toFile) await unlink(toFile).catch(() => {});
    if (isILinkError(err)) throw err;
    if (signal?.aborted) throw abortedError(endpoint, signal.reason);
    if (isOpenSslError(err)) throw decryptFailed(err);
    throw networkError(endpoint, err);
  }
  return toFile ? { path: toFile, size } : { bytes: Buffer.concat(chunks), size };
}

function isOpenSslError(err: unknown): boolean {
  const code = String((err as { code?: unknown }).code ?? "");
  const msg = err instanceof Error ? err.message : "";
  return code.startsWith("ERR_OSSL") || /bad decrypt|wrong final block length/i.test(msg);
}
