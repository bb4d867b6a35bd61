/**
 * Optional speech-to-text through any OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI,
 * Groq, a local whisper server…). No offline STT package was found worth shipping (none runs well on Node 20), so
 * without one configured the gateway asks the user to type instead.
 */

import { messageOf } from "../../shared/wx-error.js";
import { redactText } from "../../util/logger.js";
import { MediaError } from "./errors.js";

export interface TranscriberOptions {
  /** e.g. `https://api.openai.com/v1`; `/audio/transcriptions` is appended. */
  baseUrl: string;
  apiKey?: string;
  /** e.g. `whisper-1`, `gpt-4o-mini-transcribe`. */
  model: string;
  /** Hint for the endpoint (ISO-639-1, e.g. `zh`). */
  language?: string;
  /** Default 60 000 ms. */
  timeoutMs?: number;
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
}

export interface AudioInput {
  bytes: Uint8Array;
  /** File name sent in the multipart form; its extension tells the endpoint the format. */
  name: string;
  mime: string;
}

export interface Transcriber {
  transcribe(audio: AudioInput, signal?: AbortSignal): Promise<string>;
}

export function createTranscriber(options: TranscriberOptions): Transcriber {
  const url = `${options.baseUrl.replace(/\/+$/, "")}/audio/transcriptions`;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const secrets = options.apiKey ? [options.apiKey] : [];
  const fail = (message: string, cause?: unknown, isRetryable = true) =>
    new MediaError("TRANSCRIBE_FAILED", redactText(message, secrets), { cause, isRetryable });

  return {
    async transcribe(audio, signal) {
      const form = new FormData();
      form.append("file", new Blob([audio.bytes], { type: audio.mime }), audio.name);
      form.append("model", options.model);
      form.append("response_format", "json");
      if (options.language) form.append("language", options.language);
      const headers: Record<string, string> = {};
      if (options.apiKey) headers.Authorization = `Bearer ${options.apiKey}`;
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let res: Response;
      try {
        res = await doFetch(url, { method: "POST", headers, body: form, signal: combined });
      } catch (err) {
        if (signal?.aborted) throw err;
        const why = timeout.aborted ? `timed out after ${timeoutMs} ms` : messageOf(err);
        throw fail(`transcription endpoint ${url} unreachable: ${why}`, err);
      }
      const body = await res.text().catch(() => "");
      if (!res.ok) {
        const retry = res.status === 429 || res.status >= 500;
        const hint = res.status === 401 || res.status === 403 ? " (check media.transcription.apiKey)" : "";
        throw fail(
          `transcription endpoint answered HTTP ${res.status}${hint}: ${body.slice(0, 200)}`,
          undefined,
          retry,
        );
      }
      let text: unknown;
      try {
        text = (JSON.parse(body) as { text?: unknown }).text;
      } catch {
        text = body; // response_format ignored by some servers: plain text
      }
      if (typeof text !== "string")
        throw fail("transcription endpoint answered without a text field", undefined, false);
      return text.trim();
    },
  };
}
