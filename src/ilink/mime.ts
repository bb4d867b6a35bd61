/**
 * Extension → MIME and the outbound media kind (docs/protocol.md §7.2). The kind is chosen from the
 * extension only; audio goes out as a FILE because iLink has no working voice send.
 */
import { extname } from "node:path";

const MIME_BY_EXT: Readonly<Record<string, string>> = {
  ".pdf": "application/pdf",
  ".doc": "application/msword",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xls": "application/vnd.ms-excel",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".ppt": "application/vnd.ms-powerpoint",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".zip": "application/zip",
  ".tar": "application/x-tar",
  ".gz": "application/gzip",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".wav": "audio/wav",
  ".mp4": "video/mp4",
  ".mov": "video/quicktime",
  ".webm": "video/webm",
  ".mkv": "video/x-matroska",
  ".avi": "video/x-msvideo",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".bmp": "image/bmp",
};

export const OCTET_STREAM = "application/octet-stream";

/**
 * @example
 * import { mimeFromFileName } from "wxagent/ilink";
 * const mime = mimeFromFileName("report.pdf"); // "application/pdf"
 */
export function mimeFromFileName(name: string): string {
  return MIME_BY_EXT[extname(name).toLowerCase()] ?? OCTET_STREAM;
}

/**
 * @example
 * import type { MediaKind } from "wxagent/ilink";
 * const kind: MediaKind = "image";
 */
export type MediaKind = "image" | "video" | "file";

/**
 * @example
 * import { mediaKindFromFileName } from "wxagent/ilink";
 * const kind = mediaKindFromFileName("cat.png"); // "image"
 */
export function mediaKindFromFileName(name: string): MediaKind {
  const mime = mimeFromFileName(name);
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("video/")) return "video";
  return "file";
}

/** Image type from its first bytes (inbound images carry no name or type). */
export function sniffImageMime(head: Uint8Array): string | undefined {
  const b = Buffer.from(head.subarray(0, 12));
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 6 && b.subarray(0, 4).toString("latin1") === "GIF8") return "image/gif";
  if (
    b.length >= 12 &&
    b.subarray(0, 4).toString("latin1") === "RIFF" &&
    b.subarray(8, 12).toString("latin1") === "WEBP"
  )
    return "image/webp";
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return "image/bmp";
  return undefined;
}

export function extensionForMime(mime: string): string {
  for (const [ext, m] of Object.entries(MIME_BY_EXT)) if (m === mime) return ext;
  return ".bin";
}
