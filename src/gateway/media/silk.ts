/**
 * The SILK v3 container, read without decoding: an optional 0x02 (Tencent's variant), the magic
 * `#!SILK_V3`, then packets, each a little-endian int16 byte count and that many bytes, up to the
 * end of the file or a count of -1. Every packet decodes to at least one 20 ms frame, an empty
 * one too (the decoder conceals it as a lost packet), so the packet count bounds what decoding
 * will produce *before* any sample is allocated: 1 MB of empty packets is 524 288 packets, 175
 * minutes, a 480 MB WAV. (A packet may carry up to 5 frames; WeChat's carry one, and the worker's
 * memory cap and deadline hold the rest, see silk-worker.ts.)
 */
import { MediaError } from "./errors.js";

/** Milliseconds of audio in one SILK frame. */
export const SILK_FRAME_MS = 20;
/** The SILK SDK refuses larger packets (MAX_ARITHM_BYTES × frames). */
const MAX_PACKET_BYTES = 1024 * 5;

const MAGIC = "#!SILK_V3";

export interface SilkInfo {
  /** Packets in the file (empty ones included). */
  packets: number;
  /** Packets of 0 bytes: silence the decoder will invent. */
  emptyPackets: number;
  /** packets × 20 ms: what the note claims to last. */
  durationMs: number;
}

/** True for SILK, with or without Tencent's leading 0x02. */
export function isSilkContainer(bytes: Uint8Array): boolean {
  return headerLength(bytes) !== undefined;
}

function headerLength(bytes: Uint8Array): number | undefined {
  const at = bytes[0] === 0x02 ? 1 : 0;
  if (bytes.length < at + MAGIC.length) return undefined;
  const magic = Buffer.from(bytes.buffer, bytes.byteOffset + at, MAGIC.length).toString("latin1");
  return magic === MAGIC ? at + MAGIC.length : undefined;
}

/**
 * Count the packets of a SILK note (a walk over the length fields: linear, no allocation).
 * Throws VOICE_DECODE_FAILED for what is not SILK or has a packet the decoder would refuse.
 */
export function silkInfo(bytes: Uint8Array): SilkInfo {
  const start = headerLength(bytes);
  if (start === undefined) {
    throw new MediaError(
      "VOICE_DECODE_FAILED",
      "the voice note is not SILK audio, so it could not be decoded",
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let packets = 0;
  let emptyPackets = 0;
  let offset = start;
  while (offset + 2 <= bytes.length) {
    const size = view.getInt16(offset, true);
    if (size < 0) break; // -1 ends the stream
    if (size > MAX_PACKET_BYTES) {
      throw new MediaError(
        "VOICE_DECODE_FAILED",
        `the SILK voice note has a packet of ${size} bytes (at most ${MAX_PACKET_BYTES}): it is damaged`,
      );
    }
    if (offset + 2 + size > bytes.length) break; // a truncated last packet is not decoded
    packets++;
    if (size === 0) emptyPackets++;
    offset += 2 + size;
  }
  return { packets, emptyPackets, durationMs: packets * SILK_FRAME_MS };
}
