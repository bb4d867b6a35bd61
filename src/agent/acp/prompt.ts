/** The inbound WeChat message as ACP prompt content. */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import type { AgentCapabilities, ContentBlock } from "@agentclientprotocol/sdk";
import type { AgentInput, MediaRef } from "../types.js";

/** Images above this size go as a link to the file instead of inline base64. */
const MAX_INLINE_IMAGE_BYTES = 5 * 1024 * 1024;

export async function buildPrompt(
  input: Pick<AgentInput, "text" | "media" | "quote">,
  capabilities: AgentCapabilities,
): Promise<ContentBlock[]> {
  const blocks: ContentBlock[] = [];
  const quoted = input.quote?.text?.trim();
  if (quoted) blocks.push({ type: "text", text: `(replying to: “${quoted}”)` });
  if (input.text.trim()) blocks.push({ type: "text", text: input.text });
  const media = input.quote?.media ? [input.quote.media, ...input.media] : input.media;
  for (const m of media) blocks.push(await mediaBlock(m, capabilities));
  if (blocks.length === 0) blocks.push({ type: "text", text: "(empty message)" });
  return blocks;
}

async function mediaBlock(m: MediaRef, capabilities: AgentCapabilities): Promise<ContentBlock> {
  if (m.kind === "voice" && m.transcript) return { type: "text", text: `(voice message) ${m.transcript}` };
  if (!m.path) return { type: "text", text: `(${m.kind} not available: ${m.error ?? "not downloaded"})` };
  const inlineImage =
    m.kind === "image" &&
    capabilities.promptCapabilities?.image === true &&
    m.mime?.startsWith("image/") === true &&
    (m.size ?? 0) <= MAX_INLINE_IMAGE_BYTES;
  if (inlineImage && m.mime) {
    const data = await readFile(m.path);
    return { type: "image", data: data.toString("base64"), mimeType: m.mime };
  }
  // Every ACP agent accepts links to files; the file is already in the contact's workspace.
  return {
    type: "resource_link",
    uri: pathToFileURL(m.path).href,
    name: m.name ?? basename(m.path),
    ...(m.mime ? { mimeType: m.mime } : {}),
    ...(m.size !== undefined ? { size: m.size } : {}),
  };
}
