/**
 * One prompt turn as the chat sees it: message chunks gathered into the final answer (a new
 * `messageId` starts a new bubble), the noisy stream of tool and plan updates boiled down to a
 * few progress lines ("🔧 Edit src/a.ts", "📋 plan: 3 steps"), and images, audio and resources
 * the agent sends saved in the workspace and delivered as files (the gateway's outbound checks
 * and limits apply). Chunks never become progress: the answer arrives once, at the end.
 */
import { writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ContentBlock, SessionUpdate, StopReason } from "@agentclientprotocol/sdk";
import type { Lang } from "../../shared/i18n.js";
import { mkdirInWorkspace } from "../../shared/workspace/index.js";
import { type AgentWords, agentWords } from "../texts.js";
import { type AgentIO, type AgentReply, BUBBLE_BREAK } from "../types.js";
import type { Workspace } from "./workspace.js";

/** Media blocks above this (decoded) are not saved; the gateway's own limits apply below it. */
export const MAX_AGENT_MEDIA_BYTES = 25 * 1024 * 1024;
/** Where media the agent sends are saved, inside the contact's workspace. */
export const AGENT_MEDIA_DIR = "agent-media";

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/ogg": "ogg",
  "audio/mp4": "m4a",
  "application/pdf": "pdf",
  "text/plain": "txt",
  "text/markdown": "md",
};

/** A retry notice, and a retry status sent as a message chunk (Codex: "Reconnecting... 2/5"). */
const RETRY_STATUS = /^\s*(reconnecting|retrying)\b/i;
const RETRY_CHUNK = /^\s*(reconnecting|retrying)\b[^\n]{0,80}?\d+\s*\/\s*\d+\s*$/i;

export interface TurnRecorderOptions {
  /** Where media blocks are saved; without one they are described in the text instead. */
  workspace?: Workspace;
  /** The language of what the recorder itself adds (progress lines, end notes); default en. */
  lang?: Lang;
}

const KIND_ICON: Record<string, string> = {
  read: "📖",
  search: "🔎",
  fetch: "🌐",
  execute: "▶️",
  delete: "🗑️",
  think: "💭",
};

export class TurnRecorder {
  private readonly chunks: string[] = [];
  private readonly files: string[] = [];
  private readonly titles = new Map<string, string>();
  private readonly kinds = new Map<string, string>();
  private readonly shownTitles = new Map<string, string>();
  private readonly saving: Promise<void>[] = [];
  private planSize = 0;
  private lastProgress = "";
  private messageId: string | undefined;
  private retryShown = false;
  private mediaCount = 0;
  private readonly w: AgentWords;

  constructor(
    private readonly io: AgentIO,
    private readonly options: TurnRecorderOptions = {},
  ) {
    this.w = agentWords(options.lang ?? "en");
  }

  /** Apply one session/update of this turn. */
  apply(update: SessionUpdate): void {
    switch (update.sessionUpdate) {
      case "agent_message_chunk": {
        const id = update.messageId ?? undefined;
        if (update.content.type === "text" && RETRY_CHUNK.test(update.content.text)) {
          this.retrying();
          return;
        }
        // A new message id is a new message: it gets its own bubble.
        if (id !== undefined && this.messageId !== undefined && id !== this.messageId) {
          if (this.chunks.join("").trim()) this.chunks.push(BUBBLE_BREAK);
        }
        if (id !== undefined) this.messageId = id;
        this.addContent(update.content);
        return;
      }
      case "agent_thought_chunk":
        if (update.content.type === "text" && RETRY_CHUNK.test(update.content.text)) this.retrying();
        return;
      case "notice":
        // Notices are for the owner's log (process.ts), except a retry status, shown once.
        if (RETRY_STATUS.test(update.title) || RETRY_STATUS.test(update.description ?? "")) this.retrying();
        return;
      case "tool_call": {
        const title = update.title.trim() || update.kind || "tool";
        this.titles.set(update.toolCallId, title);
        this.kinds.set(update.toolCallId, update.kind ?? "");
        this.showTool(update.toolCallId, title);
        if (update.status === "failed") this.progress(this.w.toolFailed({ title: clip(title, 160) }));
        return;
      }
      case "tool_call_update": {
        if (update.kind) this.kinds.set(update.toolCallId, update.kind);
        const title = update.title?.trim();
        if (title) {
          this.titles.set(update.toolCallId, title);
          // Agents often name a call only once its input is known: show the real title.
          if (update.status !== "failed") this.showTool(update.toolCallId, title);
        }
        if (update.status === "failed") {
          const title = this.titles.get(update.toolCallId) ?? update.title ?? "tool";
          this.progress(this.w.toolFailed({ title: clip(title, 160) }));
        }
        return;
      }
      case "plan": {
        const size = update.entries.length;
        if (size > 0 && size !== this.planSize) {
          this.planSize = size;
          this.progress(this.w.plan({ steps: size }));
        }
        return;
      }
      default:
        // Thoughts, mode and command lists, usage: not for the chat.
        return;
    }
  }

  /** The answer so far (all message chunks of the turn; messages apart by BUBBLE_BREAK). */
  text(): string {
    const parts = this.chunks
      .join("")
      .split(BUBBLE_BREAK)
      .map((p) => p.trim())
      .filter(Boolean);
    return parts.join(BUBBLE_BREAK);
  }

  /** The reply for a turn that ended with `stopReason`. */
  async reply(stopReason: StopReason): Promise<AgentReply> {
    await Promise.all(this.saving);
    const text = this.text();
    const note = stopNote(this.w, stopReason);
    const body = note
      ? text
        ? `${text}\n\n${note}`
        : note
      : text || (this.files.length > 0 ? "" : this.w.finishedSilently);
    return this.withFiles(body);
  }

  /** The reply for a turn stopped by wxagent itself: what was said so far, then why. */
  async stopped(notice: string): Promise<AgentReply> {
    await Promise.all(this.saving);
    const text = this.text();
    return this.withFiles(text ? `${text}\n\n⚠️ ${notice}` : `⚠️ ${notice}`);
  }

  /** The reply for a turn whose process died: what was said so far, then the notice. */
  async crashed(notice: string): Promise<AgentReply> {
    await Promise.all(this.saving);
    const text = this.text();
    return { text: text ? `${text}\n\n⚠️ ${notice}` : `⚠️ ${notice}` };
  }

  private withFiles(text: string): AgentReply {
    const files = this.files.filter(Boolean);
    return files.length > 0 ? { text, files: files.map((path) => ({ path })) } : { text };
  }

  private addContent(block: ContentBlock): void {
    if (block.type === "text") {
      this.chunks.push(block.text);
    } else if (block.type === "resource_link" && block.uri.startsWith("file:")) {
      // A file the agent points at becomes an attachment (the gateway checks the workspace).
      this.files.push(fileURLToPath(block.uri));
    } else if (block.type === "image" || block.type === "audio") {
      this.saveMedia(block.data, block.mimeType, undefined, block.type);
    } else if (block.type === "resource") {
      const r = block.resource;
      const name = safeName(r.uri);
      if ("blob" in r) this.saveMedia(r.blob, r.mimeType ?? undefined, name, "file");
      else
        this.saveMedia(
          Buffer.from(r.text, "utf8").toString("base64"),
          r.mimeType ?? "text/plain",
          name,
          "file",
        );
    }
  }

  /** Decode a base64 block into the workspace (bounded before decoding) and attach it. */
  private saveMedia(base64: string, mime: string | undefined, name: string | undefined, what: string): void {
    const workspace = this.options.workspace;
    const approxBytes = Math.floor((base64.length * 3) / 4);
    if (!workspace) {
      this.chunks.push(`\n${this.w.mediaUndeliverable({ what })}`);
      return;
    }
    if (approxBytes > MAX_AGENT_MEDIA_BYTES) {
      this.chunks.push(`\n${this.w.mediaTooBig({ what, bytes: approxBytes, max: MAX_AGENT_MEDIA_BYTES })}`);
      return;
    }
    const n = ++this.mediaCount;
    const ext = EXTENSIONS[(mime ?? "").toLowerCase()] ?? "bin";
    const file = name ?? `${what}-${Date.now()}-${n}.${ext}`;
    const index = this.files.length;
    this.files.push("");
    const dir = join(workspace.root, AGENT_MEDIA_DIR);
    this.saving.push(
      (async () => {
        await mkdirInWorkspace(workspace.root, dir);
        // The folder must still be inside the workspace (not a planted link), and the file new.
        const real = await workspace.resolve(join(dir, `${n}-${file}`));
        await writeFile(real, Buffer.from(base64, "base64"), { flag: "wx", mode: 0o600 });
        this.files[index] = real;
      })().catch(() => {
        this.chunks.push(`\n${this.w.mediaNotSaved({ what })}`);
      }),
    );
  }

  private showTool(toolCallId: string, title: string): void {
    if (this.shownTitles.get(toolCallId) === title) return;
    this.shownTitles.set(toolCallId, title);
    this.progress(`${KIND_ICON[this.kinds.get(toolCallId) ?? ""] ?? "🔧"} ${clip(title, 160)}`);
  }

  private retrying(): void {
    if (this.retryShown) return;
    this.retryShown = true;
    this.progress(this.w.retrying);
  }

  private progress(line: string): void {
    if (line === this.lastProgress) return;
    this.lastProgress = line;
    this.io.progress(line);
  }
}

/** The note a turn's end gets, by its stop reason (none for `end_turn`). */
function stopNote(w: AgentWords, stopReason: StopReason): string | undefined {
  switch (stopReason) {
    case "cancelled":
      return w.stopped;
    case "max_tokens":
      return w.outOfTokens;
    case "max_turn_requests":
      return w.stepLimit;
    case "refusal":
      return w.declined;
    default:
      return undefined;
  }
}

/** A file name from a resource URI: its last path segment, without anything unsafe. */
function safeName(uri: string): string | undefined {
  let last: string;
  try {
    last = basename(new URL(uri).pathname);
  } catch {
    last = basename(uri);
  }
  const clean = decodeURIComponentSafe(last)
    .replace(/[^\p{L}\p{N}._-]+/gu, "_")
    .replace(/^[.]+/, "");
  return clean ? clean.slice(0, 100) : undefined;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
