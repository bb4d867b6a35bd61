/** Size limits of the media layer (docs/protocol.md §10.5: inbound 100 MB, outbound 25 MB, images 10 MiB). */

const MiB = 1024 * 1024;

export interface MediaLimits {
  /** Largest inbound plaintext downloaded (default 100 MiB, the official client's cap). */
  maxInboundBytes: number;
  /** Largest file sent back to WeChat (default 25 MiB). */
  maxFileBytes: number;
  /** Largest image sent as an image bubble (default 10 MiB); bigger ones go as a file if they fit. */
  maxImageBytes: number;
  /** Longest saved file name in code points (default 120). */
  maxNameChars: number;
  /** Longest voice note decoded and transcribed (default 60 000 ms, WeChat's own cap); longer ones are refused before decoding. */
  maxVoiceMs: number;
}

export const DEFAULT_MEDIA_LIMITS: Readonly<MediaLimits> = {
  maxInboundBytes: 100 * MiB,
  maxFileBytes: 25 * MiB,
  maxImageBytes: 10 * MiB,
  maxNameChars: 120,
  maxVoiceMs: 60_000,
};

/**
 * Largest voice note downloaded: `maxVoiceMs` at 256 kbit/s, far above any voice codec (SILK tops
 * out at 40 kbit/s, WeChat's MP3 voice at 64), so a note is refused by its length, not its size.
 */
export function maxVoiceBytes(limits: Pick<MediaLimits, "maxVoiceMs" | "maxInboundBytes">): number {
  return Math.min(limits.maxInboundBytes, Math.max(64 * 1024, limits.maxVoiceMs * 32));
}

export function mediaLimits(partial: Partial<MediaLimits> = {}): MediaLimits {
  return { ...DEFAULT_MEDIA_LIMITS, ...partial };
}

/** `26214400` → `25 MB`, `2048` → `2 KB` (users think in MB; a MiB is close enough for a message). */
export function formatMb(bytes: number): string {
  if (bytes < MiB) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  const mb = bytes / MiB;
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}
