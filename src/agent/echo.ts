/**
 * The echo agent: answers with the inbound text verbatim, a description of any media and of the
 * quoted message, if any. Used by
 * the first-run experience, the simulator demo and benchmarks (`--echo-delay-ms` simulates a
 * slow model; the delay is abortable so `/stop` and shutdown work against it too).
 */
import { sleep } from "../shared/sleep.js";
import { clip } from "../util/text.js";
import { type AgentWords, agentWords, wordsOf } from "./texts.js";
import type { Agent, AgentInput, AgentReply, MediaRef } from "./types.js";

export interface EchoAgentOptions {
  /** Wait this long before answering (default 0). */
  delayMs?: number;
}

export function createEchoAgent(options: EchoAgentOptions = {}): Agent {
  const delayMs = options.delayMs ?? 0;
  return {
    name: "echo",
    async run(input: AgentInput): Promise<AgentReply> {
      if (delayMs > 0) await sleep(delayMs, input.signal);
      input.signal.throwIfAborted();
      return { text: echoText(input, wordsOf(input.contact)) };
    },
    async reset() {},
  };
}

/** The reply text: the inbound text verbatim, one line per media item, then what it quotes. */
export function echoText(
  input: Pick<AgentInput, "text" | "media" | "quote">,
  w: AgentWords = agentWords("en"),
): string {
  const lines: string[] = [];
  if (input.text !== "") lines.push(input.text);
  for (const m of input.media) lines.push(describeMedia(m, w));
  const q = input.quote;
  if (q) {
    const text = q.text === undefined ? [] : [JSON.stringify(clip(q.text, QUOTE_ECHO_CHARS))];
    lines.push(w.echoQuoting({ what: [...text, ...(q.media ? [describeMedia(q.media, w)] : [])].join(" ") }));
  }
  return lines.length > 0 ? lines.join("\n") : w.echoEmpty;
}

/** A quoted text is shown this long at most in the echo (it is context, not the message). */
const QUOTE_ECHO_CHARS = 200;

/** `[image 12 KB photo.jpg]`, `[voice "transcript"]`, `[file report.pdf (download failed: …)]`. */
export function describeMedia(m: MediaRef, w: AgentWords = agentWords("en")): string {
  const kind = { image: w.echoImage, file: w.echoFile, video: w.echoVideo, voice: w.echoVoice }[m.kind];
  const parts: string[] = [kind];
  if (m.size !== undefined) parts.push(formatBytes(m.size));
  if (m.name) parts.push(m.name);
  if (m.kind === "voice" && m.transcript) parts.push(JSON.stringify(m.transcript));
  if (m.error) parts.push(`(${m.error})`);
  return `[${parts.join(" ")}]`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
