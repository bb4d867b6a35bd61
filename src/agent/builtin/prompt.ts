/** The system prompt and the user message of a turn (inbound media staged into the workspace). */
import { realpath } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { copyIntoWorkspace, isInside } from "../../shared/workspace/index.js";
import { offeredTools, type ResolvedPreset } from "../presets.js";
import type { AgentInput, MediaRef } from "../types.js";
import { safeSegment } from "../workspace.js";
import type { InboundImage } from "./vision.js";

export function systemPrompt(preset: ResolvedPreset, extra: string | undefined, perMessage: boolean): string {
  const tools = offeredTools(preset.preset);
  const asks = tools.filter((t) => preset.preset[t] === "ask");
  const lines = [
    "You are an assistant inside a WeChat chat. The user reads your reply on a phone: answer in plain text, concisely, in the user's language. Avoid tables and heavy Markdown.",
    "You work in a private workspace directory; every file path is relative to it and cannot leave it.",
    `Permission preset: ${preset.name}. Tools available: ${tools.join(", ") || "none"}.`,
  ];
  if (asks.length) {
    lines.push(
      `These tools need the user's approval in the chat before they run: ${asks.join(", ")}. If refused, do not retry; explain instead.`,
    );
  }
  if (preset.locked) {
    lines.push(
      `More tools (${preset.locked.wanted}) become available after the user sends /unlock <passphrase>.`,
    );
  }
  lines.push(
    perMessage
      ? "Each message starts afresh in an empty temporary workspace that is deleted afterwards; use send_file to give the user a file."
      : "The conversation and the workspace persist between messages until the user sends /new.",
  );
  if (extra) lines.push(extra);
  return lines.join("\n");
}

export interface StagedMedia {
  /** One line per piece of media for the text of the message. */
  notes: string[];
  /** The images among them, by their workspace name (for image parts, see vision.ts). */
  images: InboundImage[];
}

/** Copy downloaded media into `<workspace>/inbox/` so the file tools can reach it. */
export async function stageMedia(root: string, media: readonly MediaRef[]): Promise<StagedMedia> {
  const notes: string[] = [];
  const images: InboundImage[] = [];
  for (const [i, m] of media.entries()) {
    if (m.kind === "voice" && m.transcript) {
      notes.push(`[voice message, transcript: ${m.transcript}]`);
      continue;
    }
    if (!m.path) {
      notes.push(`[${m.kind} not available${m.error ? `: ${m.error}` : ""}]`);
      continue;
    }
    const name = safeSegment(m.name ?? basename(m.path)) || `${m.kind}-${i}`;
    try {
      const size = m.size === undefined ? "" : `, ${m.size} bytes`;
      // A file the gateway already saved in this workspace is not copied a second time (compared
      // as real paths: a copy onto itself would first remove it).
      const rootReal = await realpath(root);
      const given = m.path;
      const source = await realpath(given).catch(() => given);
      if (isInside(rootReal, source)) {
        const already = relative(rootReal, source);
        notes.push(`[${m.kind} attached: ${already}${m.mime ? `, ${m.mime}` : ""}${size}]`);
        continue;
      }
      // What stands at inbox/<name> is replaced by removing that name first: a hard link there
      // loses it and whatever else it names stays untouched. Copy-on-write where the FS can.
      await copyIntoWorkspace(root, source, join("inbox", name), "replace");
      notes.push(`[${m.kind} attached: inbox/${name}${m.mime ? `, ${m.mime}` : ""}${size}]`);
      if (m.kind === "image") {
        images.push({ path: m.path, label: `the image inbox/${name}`, mime: m.mime, size: m.size });
      }
    } catch {
      notes.push(`[${m.kind} could not be staged into the workspace]`);
    }
  }
  return { notes, images };
}

/** A quoted image, to show alongside the message (it is not staged: the quote names it). */
export function quotedImage(input: AgentInput): InboundImage | undefined {
  const m = input.quote?.media;
  if (m?.kind !== "image" || !m.path) return undefined;
  return { path: m.path, label: "the quoted image", mime: m.mime, size: m.size };
}

export function userText(input: AgentInput, mediaNotes: readonly string[]): string {
  const parts: string[] = [];
  if (input.quote) {
    const q = input.quote.text ?? (input.quote.media ? `[${input.quote.media.kind}]` : "");
    if (q) parts.push(`[quoting: ${q}]`);
  }
  if (input.contact.groupId) parts.push(`[in group ${input.contact.groupId}, from ${input.contact.userId}]`);
  parts.push(...mediaNotes);
  if (input.text) parts.push(input.text);
  return parts.join("\n") || "(empty message)";
}
