/**
 * Images to the model as image parts, when the model takes them.
 *
 * Rule for `vision: "auto"` (the default): on for `openai` and `anthropic` (their current chat
 * models all read images); on for `openai-compatible` unless the model name is a known text-only
 * family (DeepSeek, Kimi K2 / moonshot-v1 text, GLM-4 text, Qwen text). Whatever the rule says,
 * the text of the message always carries the image's workspace path, so a model that ignores
 * image parts still knows the file is there; and an endpoint that rejects image parts gets the
 * turn again with the path text only (see agent.ts).
 */
import { readFile, stat } from "node:fs/promises";
import {
  APICallError,
  type ImagePart,
  type ModelMessage,
  RetryError,
  type TextPart,
  type UserModelMessage,
} from "ai";
import type { ProviderKind, VisionMode } from "./config.js";
import { imageFileSize } from "./image-size.js";

/** The formats OpenAI, Anthropic and the usual compatible servers all accept as image input. */
const SENDABLE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** Text-only model families behind OpenAI-compatible endpoints (a vision variant is excluded). */
const TEXT_ONLY: RegExp[] = [
  /^deepseek-(?!.*vl)/i,
  /^kimi-k2/i,
  /^moonshot-v1-(?!.*vision)/i,
  /^glm-4(?!.*v)/i,
  /^qwen(?!.*(vl|omni|qvq|vision))/i,
];

/** Does the model get image parts? (`auto` as described at the top of this file.) */
export function visionEnabled(mode: VisionMode, provider: ProviderKind, model: string): boolean {
  if (mode !== "auto") return mode === "on";
  if (provider !== "openai-compatible") return true;
  const name = model.replace(/^.*\//, ""); // "deepseek/deepseek-chat" on OpenRouter
  return !TEXT_ONLY.some((re) => re.test(name));
}

export interface InboundImage {
  /** The downloaded file (the gateway's media directory). */
  path: string;
  mime?: string;
  size?: number;
  /** How the text of the message names it ("inbox/image.png", "the quoted image"). */
  label: string;
}

export interface LoadedImages {
  parts: ImagePart[];
  /** Notes for the text: images that were not sent as images, and why. */
  notes: string[];
}

/** Default `maxPixels`: 50 megapixels (a 48 MP phone original fits; decoded, 200 MB of RGBA). */
export const DEFAULT_IMAGE_MAX_PIXELS = 50_000_000;

/**
 * Read the images that fit (`maxBytes` each, at most `maxCount`, at most `maxPixels` by their
 * header, checked before the file is read), for image parts.
 */
export async function loadImages(
  images: readonly InboundImage[],
  limits: { maxBytes: number; maxCount: number; maxPixels?: number },
): Promise<LoadedImages> {
  const maxPixels = limits.maxPixels ?? DEFAULT_IMAGE_MAX_PIXELS;
  const out: LoadedImages = { parts: [], notes: [] };
  for (const img of images) {
    const mime = img.mime?.toLowerCase();
    if (!mime || !SENDABLE.has(mime)) {
      out.notes.push(`[${img.label} is not shown to you as an image (${mime ?? "unknown"} format)]`);
      continue;
    }
    if (out.parts.length >= limits.maxCount) {
      out.notes.push(`[${img.label} is not shown to you: only ${limits.maxCount} images per message]`);
      continue;
    }
    try {
      const size = img.size ?? (await stat(img.path)).size;
      if (size > limits.maxBytes) {
        out.notes.push(
          `[${img.label} is not shown to you as an image: ${mb(size)} is over the ${mb(limits.maxBytes)} limit]`,
        );
        continue;
      }
      const dims = await imageFileSize(img.path);
      if (!dims || dims.width === 0 || dims.height === 0) {
        out.notes.push(`[${img.label} is not shown to you as an image: its header does not give its size]`);
        continue;
      }
      if (dims.width * dims.height > maxPixels) {
        out.notes.push(
          `[${img.label} is not shown to you as an image: ${dims.width}×${dims.height} pixels is over the ${Math.round(maxPixels / 1_000_000)} megapixel limit]`,
        );
        continue;
      }
      const bytes = await readFile(img.path);
      // The size on record can be stale; the bytes read are what counts.
      if (bytes.length > limits.maxBytes) {
        out.notes.push(
          `[${img.label} is not shown to you as an image: ${mb(bytes.length)} is over the ${mb(limits.maxBytes)} limit]`,
        );
        continue;
      }
      out.parts.push({ type: "image", image: new Uint8Array(bytes), mediaType: mime });
    } catch {
      out.notes.push(`[${img.label} could not be read to show to you]`);
    }
  }
  return out;
}

/** The user message of a turn: text alone, or text then the image parts. */
export function userMessage(text: string, images: readonly ImagePart[]): UserModelMessage {
  if (images.length === 0) return { role: "user", content: text };
  return { role: "user", content: [{ type: "text", text }, ...images] };
}

/**
 * The same messages with every image part replaced by a short text note, so per-contact history
 * does not re-send an image's bytes on every later turn (the file stays in the workspace).
 */
export function withoutImages(messages: readonly ModelMessage[]): ModelMessage[] {
  return messages.map((m) => {
    if (m.role !== "user" || typeof m.content === "string") return m;
    const images = m.content.filter((p) => p.type === "image").length;
    if (images === 0) return m;
    const rest = m.content.filter((p) => p.type !== "image");
    const note: TextPart = {
      type: "text",
      text: `[${images === 1 ? "an image was" : `${images} images were`} shown with this message; the file is in the workspace (see its path above)]`,
    };
    return { ...m, content: [...rest, note] };
  });
}

/** Image parts in the messages (for the fallback: did this request carry any?). */
export function countImages(messages: readonly ModelMessage[]): number {
  let n = 0;
  for (const m of messages) {
    if (m.role === "user" && typeof m.content !== "string") {
      n += m.content.filter((p) => p.type === "image").length;
    }
  }
  return n;
}

/**
 * An endpoint's "no image input here" answer: a client error (400, 404, 415, 422) to a request
 * that carried images. DeepSeek, for one, answers 400 to an `image_url` part.
 */
export function rejectsImages(err: unknown): boolean {
  const e = RetryError.isInstance(err) ? err.lastError : err;
  if (!APICallError.isInstance(e)) return false;
  return e.statusCode === 400 || e.statusCode === 404 || e.statusCode === 415 || e.statusCode === 422;
}

function mb(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  return bytes < 1_000_000 ? `${Math.ceil(bytes / 1000)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}
