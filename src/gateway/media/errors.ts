/**
 * Typed errors of the media layer. Each has a stable `code`, an `isRetryable` flag and a message
 * that says what went wrong and what to do; user-facing wording lives in `notices.ts`.
 */
import { WxError } from "../../shared/wx-error.js";

export type MediaErrorCode =
  /** The download link is not on an allowed CDN host and there is no parameter to build one from. */
  | "MEDIA_URL_REFUSED"
  /** The plaintext is 0 bytes. */
  | "MEDIA_EMPTY"
  /** The plaintext does not match the length or MD5 the message announced. */
  | "MEDIA_CORRUPT"
  /** The item has no media to download (no URL and no parameter). */
  | "MEDIA_MISSING"
  /** An outbound path lies outside the contact's workspace. */
  | "FILE_OUTSIDE_WORKSPACE"
  /** An outbound path does not exist or is not a regular file. */
  | "FILE_NOT_FOUND"
  /** An outbound file is over the configured limit. */
  | "FILE_TOO_LARGE"
  /** SILK could not be decoded. */
  | "VOICE_DECODE_FAILED"
  /** A voice note is longer than `media.limits.maxVoiceMs` (refused before decoding). */
  | "VOICE_TOO_LONG"
  /** The transcription endpoint failed or answered nonsense. */
  | "TRANSCRIBE_FAILED";

const RETRYABLE = new Set<MediaErrorCode>(["TRANSCRIBE_FAILED"]);

export class MediaError extends WxError<MediaErrorCode> {
  override readonly name = "MediaError";
  /** Facts of the message as plain values, for wording it in another language (`size`, `max`). */
  readonly details: Readonly<Record<string, string>>;
  constructor(
    code: MediaErrorCode,
    message: string,
    options: { cause?: unknown; isRetryable?: boolean; details?: Record<string, string> } = {},
  ) {
    super(code, message, { cause: options.cause, isRetryable: options.isRetryable ?? RETRYABLE.has(code) });
    this.details = options.details ?? {};
  }
}

/** The stable code of any error that carries one (SDK, workspace and media errors all do). */
export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}
