/**
 * Plain words for the user when a piece of media could not be used, in the account's language
 * (texts.ts). Each names what failed and what the user can do; none carries a URL, a key or a
 * path outside the workspace.
 */
import type { Lang } from "../../shared/i18n.js";
import { codeOf } from "./errors.js";
import { formatMb } from "./limits.js";
import { MEDIA_TEXTS, mediaWords } from "./texts.js";

/** `the picture`, `the file "a.pdf"`, `the quoted video` … (`引用的图片` …) */
export function mediaLabel(kind: string, name?: string, quoted = false, lang: Lang = "en"): string {
  const w = mediaWords(lang);
  switch (kind) {
    case "image":
      return w.picture({ quoted });
    case "video":
      return w.video({ quoted });
    case "voice":
      return w.voiceNote({ quoted });
    case "file":
      return name ? w.namedFile({ quoted, name: visibleName(name) }) : w.file({ quoted });
    default:
      return w.attachment({ quoted });
  }
}

/** A name as it may be shown back: control characters made visible, length capped. */
export function visibleName(name: string): string {
  const shown = (name.length > 120 ? name.slice(0, 120) : name).replace(/\p{Cc}/gu, "?");
  const chars = [...shown];
  return chars.length > 60 ? `${chars.slice(0, 57).join("")}…` : shown;
}

/** The user-facing sentence for a failed inbound item (`label` from `mediaLabel` in the same language). */
export function downloadFailureNotice(
  label: string,
  err: unknown,
  maxBytes: number,
  lang: Lang = "en",
): string {
  const w = mediaWords(lang);
  switch (codeOf(err)) {
    case "BAD_AES_KEY":
      return w.badAesKey({ label });
    case "DECRYPT_FAILED":
      return w.decryptFailed({ label });
    case "MEDIA_CORRUPT":
      return w.corrupt({ label });
    case "MEDIA_EMPTY":
      return w.empty({ label });
    case "TOO_LARGE":
      return w.tooLarge({ label, max: formatMb(maxBytes) });
    case "MEDIA_URL_REFUSED":
      return w.untrustedLink({ label });
    case "MEDIA_MISSING":
    case "NO_MEDIA":
      return w.nothingToDownload({ label });
    default:
      return w.downloadFailed({ label });
  }
}

/** A voice note refused for its length (before it was decoded). */
export function voiceTooLongNotice(
  label: string,
  maxVoiceMs: number,
  durationMs?: number,
  lang: Lang = "en",
): string {
  const w = mediaWords(lang);
  const inMinutes = (ms: number) => w.minutes({ n: Math.round(ms / 60_000) });
  const inSeconds = (ms: number) => w.seconds({ n: Math.round(ms / 1000) });
  return w.voiceTooLong({
    label,
    limit: maxVoiceMs % 60_000 === 0 ? inMinutes(maxVoiceMs) : inSeconds(maxVoiceMs),
    lasts:
      durationMs === undefined ? "" : durationMs >= 120_000 ? inMinutes(durationMs) : inSeconds(durationMs),
  });
}

/** What a user who sent a voice note nobody can listen to is asked (in English; every language: `voiceFallback`). */
export const VOICE_FALLBACK_NOTICE = MEDIA_TEXTS.voiceFallback.en;

export function voiceFallbackNotice(lang: Lang): string {
  return mediaWords(lang).voiceFallback;
}
