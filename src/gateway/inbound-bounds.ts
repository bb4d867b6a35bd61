/**
 * How much of one inbound message the gateway takes in. Everything a message holds is hashed,
 * stored, logged, handed to the agent and sent to the model, on the event loop, so a message of
 * 300 000 spaces or a file name of 300 000 dots costs every other contact time at each of those
 * steps. WeChat's own client sends at most a few thousand characters a message (docs field
 * notes: `textChunkLimit` 4000), so the bounds below never touch a real one:
 *
 * - the text (TEXT items, voice transcripts, the quote's title and text) at most 20 000
 *   characters a message, cut with a visible note (`[… N more characters cut]`) that
 *   `describeContent` reads back, so the agent learns the message was longer;
 * - any other string at most 4096 characters (ids, tokens, URLs and names are far shorter; a
 *   file name keeps its last 32 characters, the extension);
 * - all strings together at most 64 Ki characters;
 * - arrays and objects at most 64 entries (a message has about 15 fields and one or two items).
 *
 * Runs after the nesting check (json-depth.ts), so recursion is bounded.
 */
import type { WeixinMessage } from "../ilink/wire.js";

export interface InboundBounds {
  maxTextChars: number;
  maxStringChars: number;
  maxTotalChars: number;
  maxEntries: number;
}

export const INBOUND_BOUNDS: Readonly<InboundBounds> = {
  maxTextChars: 20_000,
  maxStringChars: 4096,
  maxTotalChars: 64 * 1024,
  maxEntries: 64,
};

/** Characters of a cut file name's end that are kept. */
const NAME_TAIL = 32;
const NOTE = /\n\[… (\d+) more characters cut\]$/;

/** The note that ends a text cut at ingestion. */
export function cutNote(chars: number): string {
  return `\n[… ${chars} more characters cut]`;
}

/** A text without its ingestion note, and the characters the note says were cut (0: none). */
export function readCutNote(text: string): { text: string; cutChars: number } {
  const m = NOTE.exec(text);
  return m ? { text: text.slice(0, m.index), cutChars: Number(m[1]) } : { text, cutChars: 0 };
}

export interface BoundedInbound {
  message: WeixinMessage;
  /** What was cut, for one warning (empty: the message was within the bounds, and is returned as is). */
  cuts: string[];
}

/** Keys whose string value is message text (counted against `maxTextChars`). */
const TEXT_PATHS = new Set(["text_item.text", "voice_item.text", "ref_msg.title"]);

/**
 * `m` within the bounds. Texts are taken first, in item order, so they get the shared budget
 * before the other strings; a message within the bounds is returned unchanged (same object).
 */
export function boundInbound(m: WeixinMessage, bounds: InboundBounds = INBOUND_BOUNDS): BoundedInbound {
  const cuts: string[] = [];
  let textLeft = bounds.maxTextChars;
  let totalLeft = bounds.maxTotalChars;
  let changed = false;

  const text = (s: string): string => {
    const keep = Math.min(textLeft, totalLeft);
    if (s.length <= keep) {
      textLeft -= s.length;
      totalLeft -= s.length;
      return s;
    }
    changed = true;
    const n = s.length - keep;
    cuts.push(`text: ${n} characters cut`);
    textLeft = 0;
    totalLeft -= keep;
    return s.slice(0, keep) + cutNote(n);
  };
  const other = (s: string, key: string): string => {
    const keep = Math.min(bounds.maxStringChars, totalLeft);
    totalLeft -= Math.min(s.length, keep);
    if (s.length <= keep) return s;
    changed = true;
    cuts.push(`${key}: ${s.length - keep} characters cut`);
    // A file name keeps its end too: the extension says what the file is.
    if (key === "file_name" && keep > 2 * NAME_TAIL)
      return s.slice(0, keep - NAME_TAIL) + s.slice(-NAME_TAIL);
    return s.slice(0, keep);
  };

  // Pass 1 (texts) and pass 2 (the rest) walk the same shape; the second sees the first's output.
  const walk = (v: unknown, path: string, key: string, texts: boolean): unknown => {
    if (typeof v === "string") {
      const isText = TEXT_PATHS.has(path);
      if (isText !== texts) return v;
      return isText ? text(v) : other(v, key);
    }
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) {
      let list = v;
      if (list.length > bounds.maxEntries) {
        changed = true;
        cuts.push(`${key}: ${list.length - bounds.maxEntries} entries dropped`);
        list = list.slice(0, bounds.maxEntries);
      }
      const out = list.map((x) => walk(x, "", key, texts));
      return out.every((x, i) => x === list[i]) && list === v ? v : out;
    }
    const entries = Object.entries(v);
    let kept = entries;
    if (entries.length > bounds.maxEntries) {
      changed = true;
      cuts.push(`${key}: ${entries.length - bounds.maxEntries} fields dropped`);
      kept = entries.slice(0, bounds.maxEntries);
    }
    let same = kept === entries;
    const out: Record<string, unknown> = {};
    for (const [k, x] of kept) {
      const y = walk(x, path === "" ? k : `${path.split(".").at(-1)}.${k}`, k, texts);
      if (y !== x) same = false;
      out[k] = y;
    }
    return same ? v : out;
  };

  const afterTexts = walk(m, "", "message", true);
  const after = walk(afterTexts, "", "message", false) as WeixinMessage;
  return { message: changed ? after : m, cuts };
}
