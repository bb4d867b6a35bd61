/**
 * Files back to WeChat. An agent names files in its reply as `<<FILE:path>>`; each path must lie in
 * the contact's workspace (symlinks followed), exist, and fit the size limit of its bubble kind,
 * which is chosen from the content. Refusals become one clear sentence for the user. A reply too
 * long for a few bubbles goes as a Markdown file with a short summary.
 */
import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { type AgentReply, BUBBLE_BREAK } from "../../agent/types.js";
import type { Lang } from "../../shared/i18n.js";
import { openInWorkspace, writeInWorkspace } from "../../shared/workspace/index.js";
import { trimEndWhere } from "../../util/text.js";
import { splitMessage } from "../delivery/split.js";
import { codeOf, MediaError } from "./errors.js";
import { formatMb, type MediaLimits, mediaLimits } from "./limits.js";
import { visibleName } from "./notices.js";
import { type SendKind, SNIFF_BYTES, sendKindFor, sniffFile } from "./sniff.js";
import { mediaWords } from "./texts.js";

// The spaces before a tag go with it, so "see <<FILE:a>> here" reads "see here". The lookbehind
// starts a match only where a run of blanks starts: without it a long run of spaces costs n².
const FILE_TAG = /(?<![ \t])[ \t]*<<FILE:([^<>\n]*)>>/g;

/** `line.replace(/[ \t]+$/, "")` in linear time (that regex retries at every blank: n²). */
const trimBlanksEnd = (line: string): string => trimEndWhere(line, (c) => c === " " || c === "\t");

/**
 * Pull `<<FILE:path>>` tags out of a reply: the text without them and the paths (in order, once
 * each). Only a text that had tags is tidied (trailing spaces, runs of blank lines), so code
 * blocks in ordinary replies are left exactly as written.
 */
export function extractFileTags(text: string): { text: string; paths: string[] } {
  const paths: string[] = [];
  const stripped = text.replace(FILE_TAG, (_m, p: string) => {
    const path = p.trim().replace(/^(["'`])(.*)\1$/, "$2");
    if (path && !paths.includes(path)) paths.push(path);
    return "";
  });
  if (stripped === text) return { text, paths };
  const tidy = stripped
    .split("\n")
    .map(trimBlanksEnd)
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { text: tidy, paths };
}

export interface OutboundFile {
  /** The real path (symlinks resolved), inside the workspace. */
  path: string;
  name: string;
  kind: SendKind;
  mime: string;
  size: number;
}

export interface OutboundRefusal {
  /** As the agent wrote it. */
  path: string;
  code: string;
  /** A sentence for the user. */
  message: string;
}

export interface ResolvedOutbound {
  files: OutboundFile[];
  refusals: OutboundRefusal[];
}

export type OutboundCheck = { ok: true; file: OutboundFile } | { ok: false; refusal: OutboundRefusal };

/** Check one path the agent named; never throws for a bad path (it becomes a refusal). */
export async function checkOutboundFile(
  requested: string,
  workspaceDir: string,
  limits: Partial<MediaLimits> = {},
  lang: Lang = "en",
): Promise<OutboundCheck> {
  try {
    return { ok: true, file: await resolveOne(requested, workspaceDir, mediaLimits(limits)) };
  } catch (err) {
    const code = codeOf(err) ?? "FILE_NOT_FOUND";
    return { ok: false, refusal: { path: requested, code, message: refusalText(requested, err, lang) } };
  }
}

/** Check each path: the allowed files and the refusals, each in request order. */
export async function resolveOutboundFiles(
  paths: readonly string[],
  workspaceDir: string,
  limits: Partial<MediaLimits> = {},
): Promise<ResolvedOutbound> {
  const out: ResolvedOutbound = { files: [], refusals: [] };
  for (const requested of paths) {
    const r = await checkOutboundFile(requested, workspaceDir, limits);
    if (r.ok) out.files.push(r.file);
    else out.refusals.push(r.refusal);
  }
  return out;
}

async function resolveOne(requested: string, workspaceDir: string, l: MediaLimits): Promise<OutboundFile> {
  // Opened as the file tools open files: no symlink, no FIFO, no hard link (its other name may
  // be outside). The upload reads the checked path again.
  const opened = await openInWorkspace(workspaceDir, requested).catch((err: unknown) => {
    const code = codeOf(err);
    if (code === "WORKSPACE_NOT_FOUND" || code === "WORKSPACE_NOT_A_FILE") {
      throw new MediaError("FILE_NOT_FOUND", `no file at ${requested} in the workspace`);
    }
    throw err;
  });
  const st = opened.stat;
  const real = opened.path;
  let head: Buffer;
  try {
    head = Buffer.alloc(Math.min(SNIFF_BYTES, st.size));
    await opened.handle.read(head, 0, head.length, 0);
  } finally {
    await opened.handle.close();
  }
  if (st.size === 0) throw new MediaError("MEDIA_EMPTY", `${requested} is empty`);
  const sniffed = sendKindFor(head, basename(real));
  let kind = sniffed.kind;
  if (kind === "image" && st.size > l.maxImageBytes) {
    // Too big for an image bubble, but a file bubble still carries it.
    if (st.size > l.maxFileBytes) throw tooLarge(requested, st.size, l.maxFileBytes);
    kind = "file";
  } else if (st.size > l.maxFileBytes) {
    throw tooLarge(requested, st.size, l.maxFileBytes);
  }
  return { path: real, name: basename(real), kind, mime: sniffed.mime, size: st.size };
}

/**
 * The bubble kind for a file that was already checked, by the same rule as `checkOutboundFile`
 * (content sniffed; an image over the image limit goes as a file). For the transport's sendFile,
 * which must not fall back to the extension.
 */
export async function outboundKind(path: string, limits: Partial<MediaLimits> = {}): Promise<SendKind> {
  const [sniffed, st] = await Promise.all([sniffFile(path), stat(path)]);
  return sniffed.kind === "image" && st.size > mediaLimits(limits).maxImageBytes ? "file" : sniffed.kind;
}

function tooLarge(requested: string, size: number, max: number): MediaError {
  const details = { size: formatMb(size), max: formatMb(max) };
  return new MediaError("FILE_TOO_LARGE", `${requested} is ${details.size}, over the ${details.max} limit`, {
    details,
  });
}

function refusalText(requested: string, err: unknown, lang: Lang): string {
  const name = `"${visibleName(basename(requested) || requested)}"`;
  const w = mediaWords(lang);
  switch (codeOf(err)) {
    case "WORKSPACE_ESCAPE":
    case "WORKSPACE_BAD_PATH":
      return w.sendOutside({ name });
    case "WORKSPACE_HARD_LINK":
      return w.sendHardLink({ name });
    case "MEDIA_EMPTY":
      return w.sendEmpty({ name });
    case "FILE_TOO_LARGE": {
      const d = err instanceof MediaError ? err.details : {};
      return w.sendTooLarge({ name, size: d.size ?? "?", max: d.max ?? "?" });
    }
    default:
      return w.sendMissing({ name });
  }
}

export interface LongReplyOptions {
  /** More bubbles than this → a file (default 6). */
  maxBubbles?: number;
  /** Bubble size used to count (default 2000, delivery's). */
  chunkChars?: number;
  /** The contact's workspace: the `.md` goes to its `outbox/` (0600, through a real folder, never a link). */
  workspaceDir: string;
  /** Longest summary in code points (default 300). */
  summaryChars?: number;
  nowMs?: number;
  /** The language of the note on the summary (default en). */
  lang?: Lang;
}

/** A reply that would need more than `maxBubbles` bubbles → a short summary plus the full text as a `.md`. */
export async function longReplyAsFile(
  text: string,
  options: LongReplyOptions,
): Promise<{ text: string; files: string[] } | undefined> {
  const bubbles = splitMessage(text, options.chunkChars ?? 2000).length;
  if (bubbles <= (options.maxBubbles ?? 6)) return undefined;
  // The agent's separate messages are paragraphs in a file: the bubble marker is for delivery only.
  if (text.includes(BUBBLE_BREAK)) {
    text = text
      .split(BUBBLE_BREAK)
      .map((part) => part.trim())
      .filter(Boolean)
      .join("\n\n");
  }
  const stamp = new Date(options.nowMs ?? Date.now()).toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const name = join("outbox", `reply-${stamp}-${randomBytes(3).toString("hex")}.md`);
  const { path } = await writeInWorkspace(
    options.workspaceDir,
    name,
    text.endsWith("\n") ? text : `${text}\n`,
  );
  const summary = summaryOf(text, options.summaryChars ?? 300);
  return {
    text: `${summary}\n\n${mediaWords(options.lang ?? "en").longReply({ name: basename(path) })}`,
    files: [path],
  };
}

/** The first paragraph (skipping a leading heading line's `#`s), capped. */
export function summaryOf(text: string, maxChars: number): string {
  const paragraphs = text.trim().split(/\n\s*\n/);
  const first = (paragraphs.find((p) => !/^\s*(```|~~~)/.test(p)) ?? paragraphs[0] ?? "")
    .trim()
    .replace(/^#+\s*/, "");
  const chars = [...first];
  return chars.length <= maxChars
    ? first
    : `${chars
        .slice(0, maxChars - 1)
        .join("")
        .trimEnd()}…`;
}

export interface PrepareOutboundOptions {
  workspaceDir: string;
  limits?: Partial<MediaLimits>;
  maxBubbles?: number;
  chunkChars?: number;
  /** The language of refusals and the long-reply note (default en). */
  lang?: Lang;
}

/**
 * The whole outbound step between `agent.run` and `deliverReply`: `<<FILE:>>` tags and
 * `reply.files` resolved and checked, refusals appended to the text, a too-long text turned into
 * an attached `.md` in `<workspace>/outbox/`. Files keep their captions; order is kept.
 */
export async function prepareOutboundReply(
  reply: AgentReply,
  options: PrepareOutboundOptions,
): Promise<AgentReply> {
  const tags = extractFileTags(reply.text);
  const wanted: { path: string; caption?: string }[] = [
    ...tags.paths.map((path) => ({ path })),
    ...(reply.files ?? []),
  ];
  const files: { path: string; caption?: string }[] = [];
  const refusals: string[] = [];
  for (const w of wanted) {
    const r = await checkOutboundFile(w.path, options.workspaceDir, options.limits, options.lang);
    if (!r.ok) {
      if (!refusals.includes(r.refusal.message)) refusals.push(r.refusal.message);
    } else if (!files.some((f) => f.path === r.file.path)) {
      files.push(w.caption ? { path: r.file.path, caption: w.caption } : { path: r.file.path });
    }
  }
  let text = tags.text;
  const long = await longReplyAsFile(text, {
    workspaceDir: options.workspaceDir,
    ...(options.lang ? { lang: options.lang } : {}),
    ...(options.maxBubbles === undefined ? {} : { maxBubbles: options.maxBubbles }),
    ...(options.chunkChars === undefined ? {} : { chunkChars: options.chunkChars }),
  });
  if (long) {
    text = long.text;
    files.unshift(...long.files.map((path) => ({ path })));
  }
  if (refusals.length > 0) text = [text, ...refusals].filter((t) => t !== "").join("\n\n");
  return files.length > 0 ? { text, files } : { text };
}
