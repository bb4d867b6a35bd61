/** Size limits of the media layer (field-notes §11: inbound 100 MB, outbound 25 MB, images 10 MiB). */

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
}

export const DEFAULT_MEDIA_LIMITS: Readonly<MediaLimits> = {
  maxInboundBytes: 100 * MiB,
  maxFileBytes: 25 * MiB,
  maxImageBytes: 10 * MiB,
  maxNameChars: 120,
};

export function mediaLimits(partial: Partial<MediaLimits> = {}): MediaLimits {
  return { ...DEFAULT_MEDIA_LIMITS, ...partial };
}

/** `26214400` → `25 MB`, `2048` → `2 KB` (users think in MB; a MiB is close enough for a message). */
export function formatMb(bytes: number): string {
  if (bytes < MiB) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  const mb = bytes / MiB;
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}
