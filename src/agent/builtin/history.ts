/**
 * What a session keeps of its turns, bounded by size as well as by count. Every later turn sends
 * the whole history to the model and writes it to the store (JSON), so what it holds is paid for
 * on the event loop again and again: a model that answered 4 MB once (or called a tool with 4 MB
 * of arguments, or echoed 300 000 spaces) made each later turn of that contact serialise and
 * store megabytes, up to `maxHistoryMessages` times over, and slowed every other contact's
 * answers twenty-fold. Now each part of a message is cut to `maxPartChars` (the model saw it
 * whole in its own turn; it can read a file again) and the oldest turns go once the whole is
 * over `maxChars`.
 */
import type { ModelMessage } from "ai";

/** Longest text, tool input or tool output kept per part of a message in the history (maxOutputChars: what a reply may show). */
export const HISTORY_PART_CHARS = 8_000;

export interface HistoryBounds {
  /** Messages kept (older turns are dropped whole). */
  maxMessages: number;
  /** Characters kept in all (the JSON of the messages); the latest turn is always kept. */
  maxChars: number;
  maxPartChars?: number;
}

function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n… (${text.length - max} more characters were not kept in this conversation's history)`;
}

function jsonLength(value: unknown): number {
  return JSON.stringify(value ?? null).length;
}

/**
 * About how many characters `value` takes as JSON (its strings and keys, plus a little per
 * value), counted without building the JSON and stopping once past `limit`.
 */
function jsonCharsOver(value: unknown, limit: number): boolean {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") total += v.length + 2;
    else if (Array.isArray(v)) {
      total += v.length + 2;
      for (const x of v) stack.push(x);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        total += k.length + 4;
        stack.push(x);
      }
    } else total += 8;
    if (total > limit) return true;
  }
  return false;
}

type Part = { type: string; [key: string]: unknown };

function cutPart(part: Part, max: number): Part {
  switch (part.type) {
    case "text":
    case "reasoning":
      return typeof part.text === "string" && part.text.length > max
        ? { ...part, text: cutText(part.text, max) }
        : part;
    case "tool-call":
      return jsonCharsOver(part.input, max)
        ? {
            ...part,
            input: { note: `arguments of more than ${max} characters, not kept in the history` },
          }
        : part;
    case "tool-result": {
      const output = part.output as { type: string; value?: unknown } | undefined;
      if (!output) return part;
      if ((output.type === "text" || output.type === "error-text") && typeof output.value === "string")
        return output.value.length > max
          ? { ...part, output: { ...output, value: cutText(output.value, max) } }
          : part;
      if (!jsonCharsOver(output.value, max)) return part;
      return { ...part, output: { type: "text", value: cutText(JSON.stringify(output.value ?? null), max) } };
    }
    default:
      return part;
  }
}

/** The message with each text, tool input and tool output cut to `max` characters. */
function cutMessage(m: ModelMessage, max: number): ModelMessage {
  if (typeof m.content === "string")
    return m.content.length > max ? ({ ...m, content: cutText(m.content, max) } as ModelMessage) : m;
  const parts = m.content as Part[];
  const cut = parts.map((p) => cutPart(p, max));
  return cut.some((p, i) => p !== parts[i]) ? ({ ...m, content: cut } as ModelMessage) : m;
}

/**
 * The messages of a turn in progress with tool-call arguments over `max` characters replaced by a
 * note: the tool has run, and every later step of the turn would send them to the model again
 * (4 MB of arguments, four times serialised per step). Texts and tool results stay whole: the
 * model may still need them in this turn. Returns `messages` itself when nothing was cut.
 */
export function cutToolInputs(messages: ModelMessage[], max = HISTORY_PART_CHARS): ModelMessage[] {
  let changed = false;
  const out = messages.map((m) => {
    if (m.role !== "assistant" || typeof m.content === "string") return m;
    const parts = m.content as Part[];
    const cut = parts.map((p) => (p.type === "tool-call" ? cutPart(p, max) : p));
    if (cut.every((p, i) => p === parts[i])) return m;
    changed = true;
    return { ...m, content: cut } as ModelMessage;
  });
  return changed ? out : messages;
}

/** Index of the first user message at or after `from` (history.length when there is none). */
function turnStart(history: readonly ModelMessage[], from: number): number {
  let i = from;
  while (i < history.length && history[i]?.role !== "user") i++;
  return i;
}

/** Drop the oldest whole turns (each starts at a user message) until at most `max` messages remain. */
export function trimHistory(history: ModelMessage[], max: number): ModelMessage[] {
  if (history.length <= max) return history;
  return history.slice(turnStart(history, history.length - max));
}

/** The history a session keeps: parts cut, then the oldest turns dropped by count and by size. */
export function boundHistory(history: ModelMessage[], bounds: HistoryBounds): ModelMessage[] {
  const max = bounds.maxPartChars ?? HISTORY_PART_CHARS;
  const kept = trimHistory(
    history.map((m) => cutMessage(m, max)),
    bounds.maxMessages,
  );
  const sizes = kept.map(jsonLength);
  let total = sizes.reduce((a, b) => a + b, 0);
  let lastTurn = kept.length;
  for (let i = kept.length - 1; i >= 0; i--)
    if (kept[i]?.role === "user") {
      lastTurn = i;
      break;
    }
  let start = 0;
  while (total > bounds.maxChars && start < lastTurn) {
    const next = Math.min(turnStart(kept, start + 1), lastTurn);
    for (let i = start; i < next; i++) total -= sizes[i] ?? 0;
    start = next;
  }
  return start === 0 ? kept : kept.slice(start);
}
