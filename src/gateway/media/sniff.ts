/**
 * What a file is, from its first bytes. Inbound images carry no type at all, and an outbound file
 * must go as an image or video bubble only when WeChat can show it: the content decides, the
 * extension only names the MIME of a plain file (the official client used the extension alone:
 * docs/protocol.md §7.2).
 */
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { mimeFromFileName } from "../../ilink/mime.js";

export type SendKind = "image" | "video" | "file";

export interface Sniffed {
  mime: string;
  kind: SendKind;
}

/** Bytes needed by `sniffBytes`. */
export const SNIFF_BYTES = 32;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EBML = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/** Image and video formats recognised by magic bytes; undefined for anything else. */
export function sniffBytes(head: Uint8Array): Sniffed | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, SNIFF_BYTES));
  const ascii = (from: number, to: number) => b.subarray(from, to).toString("latin1");
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG)) return { mime: "image/png", kind: "image" };
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
    return { mime: "image/jpeg", kind: "image" };
  if (b.length >= 6 && (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a"))
    return { mime: "image/gif", kind: "image" };
  if (b.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP")
    return { mime: "image/webp", kind: "image" };
  if (b.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "AVI ")
    return { mime: "video/x-msvideo", kind: "video" };
  if (b.length >= 14 && ascii(0, 2) === "BM" && b.readUInt32LE(2) > 14 && b.readUInt32LE(6) === 0)
    return { mime: "image/bmp", kind: "image" };
  // ISO media (mp4, mov, 3gp): a box of type "ftyp" first; the brand tells QuickTime apart.
  if (b.length >= 12 && ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    if (brand === "qt  ") return { mime: "video/quicktime", kind: "video" };
    if (/^(heic|heix|mif1|msf1|avif)$/.test(brand)) return undefined; // stills in an ISO box
    if (brand.startsWith("M4A") || brand === "M4B ") return { mime: "audio/mp4", kind: "file" };
    return { mime: "video/mp4", kind: "video" };
  }
  // Old QuickTime files start with a moov/mdat/wide/free box.
  if (b.length >= 8 && /^(moov|mdat|wide|free|skip)$/.test(ascii(4, 8)))
    return { mime: "video/quicktime", kind: "video" };
  if (b.length >= 4 && b.subarray(0, 4).equals(EBML)) return { mime: "video/webm", kind: "video" };
  return undefined;
}

/**
 * The bubble kind and MIME for sending `name` with content starting `head`. Content wins; a file
 * whose extension claims an image or video but whose bytes are not one goes as a plain file, since
 * WeChat would show a broken picture. Audio always goes as a file: voice bubbles do not render.
 */
export function sendKindFor(head: Uint8Array, name: string): Sniffed {
  const sniffed = sniffBytes(head);
  if (sniffed) return sniffed;
  const byName = mimeFromFileName(name);
  if (byName.startsWith("image/") || byName.startsWith("video/")) {
    return { mime: "application/octet-stream", kind: "file" };
  }
  return { mime: byName, kind: "file" };
}

export async function readHead(path: string, bytes = SNIFF_BYTES): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** `sendKindFor` of a file on disk. */
export async function sniffFile(path: string): Promise<Sniffed> {
  return sendKindFor(await readHead(path), basename(path));
}
