/**
 * Plain words for the user when a piece of media could not be used. Each names what failed and
 * what the user can do; none carries a URL, a key or a path outside the workspace.
 */
import { codeOf } from "./errors.js";
import { formatMb } from "./limits.js";

/** `the picture`, `the file "a.pdf"`, `the quoted video` … */
export function mediaLabel(kind: string, name?: string, quoted = false): string {
  const q = quoted ? "quoted " : "";
  switch (kind) {
    case "image":
      return `the ${q}picture`;
    case "video":
      return `the ${q}video`;
    case "voice":
      return `the ${q}voice note`;
    case "file":
      return name ? `the ${q}file "${visibleName(name)}"` : `the ${q}file`;
    default:
      return `the ${q}attachment`;
  }
}

/** A name as it may be shown back: control characters made visible, length capped. */
export function visibleName(name: string): string {
  const shown = (name.length > 120 ? name.slice(0, 120) : name).replace(/\p{Cc}/gu, "?");
  const chars = [...shown];
  return chars.length > 60 ? `${chars.slice(0, 57).join("")}…` : shown;
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The user-facing sentence for a failed inbound item. */
export function downloadFailureNotice(label: string, err: unknown, maxBytes: number): string {
  const l = cap(label);
  switch (codeOf(err)) {
    case "BAD_AES_KEY":
      return `${l} could not be opened: it came with a broken decryption key. Please send it again.`;
    case "DECRYPT_FAILED":
      return `${l} could not be decrypted: it arrived incomplete or with the wrong key. Please send it again.`;
    case "MEDIA_CORRUPT":
      return `${l} arrived damaged or incomplete. Please send it again.`;
    case "MEDIA_EMPTY":
      return `${l} arrived empty (0 bytes), so there is nothing to read. Please check it and send it again.`;
    case "TOO_LARGE":
      return `${l} is larger than ${formatMb(maxBytes)}, so I did not download it.`;
    case "MEDIA_URL_REFUSED":
      return `${l} came with a download link I do not trust, so I skipped it.`;
    case "MEDIA_MISSING":
    case "NO_MEDIA":
      return `${l} came without anything to download. Please send it again.`;
    default:
      return `${l} could not be downloaded right now. Please send it again in a moment.`;
  }
}

/** A voice note refused for its length (before it was decoded). */
export function voiceTooLongNotice(label: string, maxVoiceMs: number, durationMs?: number): string {
  const limit =
    maxVoiceMs % 60_000 === 0 ? `${maxVoiceMs / 60_000} min` : `${Math.round(maxVoiceMs / 1000)} s`;
  const claimed =
    durationMs === undefined
      ? ""
      : ` (it lasts ${durationMs >= 120_000 ? `${Math.round(durationMs / 60_000)} min` : `${Math.round(durationMs / 1000)} s`})`;
  return `${cap(label)} is longer than ${limit}${claimed}, so I did not listen to it. Please send a shorter one, or type it.`;
}

export const VOICE_FALLBACK_NOTICE = "I can't listen to voice notes here — please type it.";
