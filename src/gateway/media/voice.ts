/**
 * Voice notes: WeChat sends SILK v3 (`\x02#!SILK_V3`). silk-wasm decodes it to 16-bit mono PCM at
 * the rate we ask for; 24 000 Hz is what Tencent's client uses (dependencies.md §6). A 44-byte RIFF
 * header makes that a WAV any transcription endpoint accepts.
 */
import { decode, isSilk } from "silk-wasm";
import { MediaError } from "./errors.js";

export const VOICE_SAMPLE_RATE = 24_000;

/** A canonical 44-byte PCM WAV header followed by the samples. */
export function pcmToWav(
  pcm: Uint8Array,
  sampleRate = VOICE_SAMPLE_RATE,
  channels = 1,
  bitsPerSample = 16,
): Buffer {
  const blockAlign = channels * (bitsPerSample / 8);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** True for SILK, with or without Tencent's leading 0x02. */
export function looksLikeSilk(bytes: Uint8Array): boolean {
  return isSilk(bytes);
}

/** Decode SILK to a WAV (24 kHz mono s16le). Throws VOICE_DECODE_FAILED; callers keep the SILK. */
export async function silkToWav(
  silk: Uint8Array,
  sampleRate = VOICE_SAMPLE_RATE,
): Promise<{ wav: Buffer; durationMs: number }> {
  if (!looksLikeSilk(silk)) {
    throw new MediaError(
      "VOICE_DECODE_FAILED",
      "the voice note is not SILK audio, so it could not be decoded",
    );
  }
  let pcm: Uint8Array;
  let durationMs: number;
  try {
    const out = await decode(silk, sampleRate);
    pcm = out.data;
    durationMs = out.duration;
  } catch (err) {
    throw new MediaError(
      "VOICE_DECODE_FAILED",
      `the SILK voice note could not be decoded: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (pcm.length === 0)
    throw new MediaError("VOICE_DECODE_FAILED", "the SILK voice note decoded to no audio");
  return { wav: pcmToWav(pcm, sampleRate), durationMs };
}
