/**
 * Voice notes: WeChat sends SILK v3 (`\x02#!SILK_V3`). silk-wasm decodes it to 16-bit mono PCM at
 * the rate we ask for; 24 000 Hz is what Tencent's client uses (docs/protocol.md §10.3). A 44-byte RIFF
 * header makes that a WAV any transcription endpoint accepts. Decoding is bounded before it starts
 * (silk.ts) and runs off the event loop (silk-worker.ts); the gateway decodes only to transcribe.
 */
import { MediaError } from "./errors.js";
import { DEFAULT_MEDIA_LIMITS } from "./limits.js";
import { isSilkContainer, silkInfo } from "./silk.js";
import { decodeSilkInWorker } from "./silk-worker.js";

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
  return isSilkContainer(bytes);
}

export interface SilkToWavOptions {
  sampleRate?: number;
  /** Refuse (VOICE_TOO_LONG) a note longer than this, before decoding (default 60 s). */
  maxVoiceMs?: number;
  /** The decode's deadline (see silk-worker.ts). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Decode SILK to a WAV (24 kHz mono s16le), bounded: the packets are counted first and a note
 * longer than `maxVoiceMs` is refused before one sample is made; the decode runs in a worker.
 * Throws VOICE_TOO_LONG, VOICE_DECODE_FAILED (callers keep the SILK), or the signal's reason.
 */
export async function silkToWav(
  silk: Uint8Array,
  options: SilkToWavOptions = {},
): Promise<{ wav: Buffer; durationMs: number }> {
  const sampleRate = options.sampleRate ?? VOICE_SAMPLE_RATE;
  const maxVoiceMs = options.maxVoiceMs ?? DEFAULT_MEDIA_LIMITS.maxVoiceMs;
  const info = silkInfo(silk);
  if (info.durationMs > maxVoiceMs) throw voiceTooLong(info.durationMs, maxVoiceMs);
  if (info.packets === 0) throw new MediaError("VOICE_DECODE_FAILED", "the SILK voice note holds no audio");
  const { pcm, durationMs } = await decodeSilkInWorker(silk, {
    sampleRate,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (pcm.length === 0)
    throw new MediaError("VOICE_DECODE_FAILED", "the SILK voice note decoded to no audio");
  return { wav: pcmToWav(pcm, sampleRate), durationMs };
}

/** The typed refusal of a note over the limit; `durationMs` is what it claims (or undefined). */
export function voiceTooLong(durationMs: number | undefined, maxVoiceMs: number): MediaError {
  const length = durationMs === undefined ? "" : ` (${Math.round(durationMs / 1000)} s)`;
  return new MediaError(
    "VOICE_TOO_LONG",
    `the voice note is longer than media.limits.maxVoiceMs (${maxVoiceMs} ms)${length}, so it was not decoded`,
  );
}
