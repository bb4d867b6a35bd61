/**
 * `/media/:id/:item`: the media of an inbound message for the conversation page. The file the
 * gateway stored in `<home>/media/<account>/<id>/` is served when there is one; otherwise the item
 * is downloaded (and decrypted) from the CDN into memory for this response. Only sniffed raster
 * images are shown inline; everything else is an attachment, so a contact cannot make the admin
 * page render HTML or SVG they sent.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Context } from "hono";
import { downloadItemVetted } from "../gateway/media/download.js";
import { inboundMediaDir } from "../gateway/media/inbound.js";
import { itemMedia } from "../ilink/inbound-media.js";
import { mimeFromFileName, sniffImageMime } from "../ilink/mime.js";
import type { OpsContext } from "../ops/context.js";
import { errText } from "../util/logger.js";

/** Previews are small; a larger item is downloaded with `download_media` instead. */
export const MAX_PREVIEW_BYTES = 25 * 1024 * 1024;

interface Found {
  bytes: Buffer;
  name: string;
  /** From the bytes for images, from the name otherwise. */
  mime: string;
}

async function storedFile(dir: string, index: number): Promise<{ path: string; name: string } | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const mine = names.filter((n) => n.startsWith(`${index}-`)).sort();
  // A SILK voice note is kept beside its WAV; the WAV plays in a browser.
  const pick = mine.find((n) => n.endsWith(".wav")) ?? mine.find((n) => !n.endsWith(".bin")) ?? mine[0];
  return pick ? { path: join(dir, pick), name: pick.slice(String(index).length + 1) } : undefined;
}

async function findMedia(
  ops: OpsContext,
  id: number,
  index: number,
  signal: AbortSignal,
): Promise<Found | string> {
  const message = await ops.store.inbound.get(id);
  if (!message) return `no inbound message ${id}`;
  const item = message.items[index];
  if (!item || !itemMedia(item)) return `message ${id} has no media at item ${index}`;
  const stored = await storedFile(inboundMediaDir(ops.paths.mediaDir, message.accountId, id), index);
  if (stored) {
    const bytes = await readFile(stored.path);
    return { bytes, name: stored.name, mime: sniffImageMime(bytes) ?? mimeFromFileName(stored.name) };
  }
  const account = await ops.store.accounts.get(message.accountId);
  if (!account) return `account ${message.accountId} is gone`;
  // The gateway's media URL policy: a full_url the gateway refused is not fetched for a preview.
  const got = await downloadItemVetted(ops.clientFor(account), item, {
    ...(ops.mediaAllowHosts ? { allowHosts: ops.mediaAllowHosts } : {}),
    signal: AbortSignal.any([signal, ops.signal]),
    maxBytes: MAX_PREVIEW_BYTES,
  });
  if (!("bytes" in got)) return "download did not return bytes";
  return { bytes: got.bytes, name: got.name, mime: got.mime };
}

const INLINE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"]);

export async function serveMedia(c: Context, ops: OpsContext): Promise<Response> {
  const id = Number(c.req.param("id"));
  const index = Number(c.req.param("item"));
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(index) || id < 1 || index < 0) {
    return c.text("bad media address", 400);
  }
  let found: Found | string;
  try {
    found = await findMedia(ops, id, index, c.req.raw.signal);
  } catch (err) {
    const text = errText(err);
    ops.logger.warn({ id, index, err: text }, "admin media preview failed");
    return c.text(`media unavailable: ${text}`, 502);
  }
  if (typeof found === "string") return c.text(found, 404);
  const inline = INLINE.has(found.mime) && c.req.query("download") === undefined;
  const headers: Record<string, string> = {
    "Content-Type": inline ? found.mime : "application/octet-stream",
    "Content-Length": String(found.bytes.length),
    "Cache-Control": "private, max-age=3600",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Content-Disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(found.name)}`,
  };
  return new Response(new Uint8Array(found.bytes), { status: 200, headers });
}
