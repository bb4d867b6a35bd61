/**
 * One prompt turn as the chat sees it: message chunks gathered into the final answer, and the
 * noisy stream of tool and plan updates boiled down to a few progress lines ("🔧 Edit src/a.ts",
 * "📋 plan: 3 steps"). Chunks never become progress: the answer arrives once, at the end.
 */
import { fileURLToPath } from "node:url";
import type { ContentBlock, SessionUpdate, StopReason } from "@agentclientprotocol/sdk";
import type { AgentIO, AgentReply } from "../types.js";

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
  private planSize = 0;
  private lastProgress = "";

  constructor(private readonly io: AgentIO) {}

  /** Apply one session/update of this turn. */
  apply(update: SessionUpdate): void {
    switch (update.sessionUpdate) {
      case "agent_message_chunk":
        this.addContent(update.content);
        return;
      case "tool_call": {
        const title = update.title.trim() || update.kind || "tool";
        this.titles.set(update.toolCallId, title);
        this.progress(`${KIND_ICON[update.kind ?? ""] ?? "🔧"} ${clip(title, 160)}`);
        if (update.status === "failed") this.progress(`⚠️ failed: ${clip(title, 160)}`);
        return;
      }
      case "tool_call_update": {
        if (update.title) this.titles.set(update.toolCallId, update.title);
        if (update.status === "failed") {
          const title = this.titles.get(update.toolCallId) ?? update.title ?? "tool";
          this.progress(`⚠️ failed: ${clip(title, 160)}`);
        }
        return;
      }
      case "plan": {
        const size = update.entries.length;
        if (size > 0 && size !== this.planSize) {
          this.planSize = size;
          this.progress(`📋 plan: ${size} step${size === 1 ? "" : "s"}`);
        }
        return;
      }
      default:
        // Thoughts, mode and command lists, usage: not for the chat.
        return;
    }
  }

  /** The answer so far (all message chunks of the turn). */
  text(): string {
    return this.chunks.join("").trim();
  }

  /** The reply for a turn that ended with `stopReason`. */
  reply(stopReason: StopReason): AgentReply {
    const text = this.text();
    const note = STOP_NOTES[stopReason];
    const body = note ? (text ? `${text}\n\n${note}` : note) : text || "(the agent finished without a reply)";
    return this.files.length > 0
      ? { text: body, files: this.files.map((path) => ({ path })) }
      : { text: body };
  }

  /** The reply for a turn whose process died: what was said so far, then the notice. */
  crashed(notice: string): AgentReply {
    const text = this.text();
    return { text: text ? `${text}\n\n⚠️ ${notice}` : `⚠️ ${notice}` };
  }

  private addContent(block: ContentBlock): void {
    if (block.type === "text") {
      this.chunks.push(block.text);
    } else if (block.type === "resource_link" && block.uri.startsWith("file:")) {
      // A file the agent points at becomes an attachment (the gateway checks the workspace).
      this.files.push(fileURLToPath(block.uri));
    } else if (block.type === "resource" && "text" in block.resource) {
      this.chunks.push(block.resource.text);
    }
  }

  private progress(line: string): void {
    if (line === this.lastProgress) return;
    this.lastProgress = line;
    this.io.progress(line);
  }
}

const STOP_NOTES: Partial<Record<StopReason, string>> = {
  cancelled: "(stopped)",
  max_tokens: "(the agent ran out of output tokens; say “continue” to go on)",
  max_turn_requests: "(the agent reached its step limit for one turn; say “continue” to go on)",
  refusal: "(the agent declined to continue)",
};

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
