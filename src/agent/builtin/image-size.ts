/**
 * The pixel size of an image from its header, without decoding it: PNG (IHDR), GIF (logical
 * screen), BMP (DIB header), WebP (VP8, VP8L, VP8X) and JPEG (the first SOF marker). A few KB of
 * PNG can claim 100 000 × 100 000 pixels, 40 GB once decoded: whoever decodes it (the model's
 * endpoint here) must not be handed one, so images are bounded by their size before anything
 * decodes them, as voice notes are by their length.
 */
import { open } from "node:fs/promises";

export interface ImageSize {
  width: number;
  height: number;
}

/** Bytes read from the start of the file: JPEG's SOF can follow 64 KB of EXIF. */
export const IMAGE_HEAD_BYTES = 256 * 1024;

function jpegSize(b: Buffer): ImageSize | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1] ?? 0;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data before any frame header
    i += 2 + b.readUInt16BE(i + 2);
  }
  return undefined;
}

function webpSize(b: Buffer): ImageSize | undefined {
  const chunk = b.toString("latin1", 12, 16);
  if (chunk === "VP8X" && b.length >= 30) {
    return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  }
  if (chunk === "VP8L" && b.length >= 25) {
    const bits = b.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (chunk === "VP8 " && b.length >= 30) {
    return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  return undefined;
}

/** Width and height from the first bytes of an image; undefined when the header does not say. */
export function imageSize(head: Uint8Array): ImageSize | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString("latin1", 12, 16) === "IHDR") {
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (b.length >= 10 && b.toString("latin1", 0, 3) === "GIF") {
    return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  }
  if (b.length >= 26 && b.toString("latin1", 0, 2) === "BM") {
    return { width: Math.abs(b.readInt32LE(18)), height: Math.abs(b.readInt32LE(22)) };
  }
  if (b.length >= 16 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP") {
    return webpSize(b);
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpegSize(b);
  return undefined;
}

/** `imageSize` of a file on disk (reads at most IMAGE_HEAD_BYTES). */
export async function imageFileSize(path: string): Promise<ImageSize | undefined> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(IMAGE_HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return imageSize(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
