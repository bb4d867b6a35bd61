/**
 * Split a reply into chat bubbles of at most `limitChars` Unicode code points (WeChat truncates or
 * rejects long texts: docs/protocol.md §8.2.5). Boundaries are tried from strongest to weakest:
 * blank lines, lines, sentences, clauses, spaces, and finally a hard cut. A code fence is never cut
 * unless it alone exceeds the limit; then each piece is closed and the next reopens it with the same
 * info string, so every bubble renders as code.
 */

import { BUBBLE_BREAK } from "../../agent/types.js";

export const DEFAULT_CHUNK_CHARS = 2000;

/** Length in code points: a CJK character or an emoji counts once, as WeChat counts them. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

interface Fence {
  open: string;
  /** The fence run that opened it (``` or ~~~, possibly longer): used to close a cut piece. */
  marker: string;
  body: string[];
  close?: string;
}

interface Part {
  text: string;
  /** The text that joined this part to the previous one (dropped when a bubble ends here). */
  sep: string;
  fence?: Fence;
}

const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

function fenceOpen(line: string): string | undefined {
  const m = FENCE_LINE.exec(line);
  if (!m?.[1]) return undefined;
  // CommonMark: a backtick fence's info string cannot contain a backtick (that is inline code).
  if (m[1].startsWith("`") && (m[2] ?? "").includes("`")) return undefined;
  return m[1];
}

function closesFence(line: string, marker: string): boolean {
  const m = FENCE_LINE.exec(line);
  if (!m?.[1]) return false;
  return m[1][0] === marker[0] && m[1].length >= marker.length && (m[2] ?? "").trim() === "";
}

/** Paragraphs (runs of non-blank lines) and whole code fences, with the separators between them. */
function parseBlocks(text: string): Part[] {
  const lines = text.split("\n");
  const blocks: Part[] = [];
  let para: { lines: string[]; sep: string } | undefined;
  let blanks = 0;
  const nextSep = (): string => (blocks.length === 0 && !para ? "" : "\n".repeat(blanks + 1));
  const closePara = (): void => {
    if (para) blocks.push({ text: para.lines.join("\n"), sep: para.sep });
    para = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const marker = fenceOpen(line);
    if (marker) {
      closePara();
      const sep = nextSep();
      const body: string[] = [];
      let close: string | undefined;
      for (i++; i < lines.length; i++) {
        const l = lines[i] ?? "";
        if (closesFence(l, marker)) {
          close = l;
          break;
        }
        body.push(l);
      }
      const all = close === undefined ? [line, ...body] : [line, ...body, close];
      blocks.push({ text: all.join("\n"), sep, fence: { open: line, marker, body, close } });
      blanks = 0;
      continue;
    }
    if (/^[ \t]*$/.test(line)) {
      closePara();
      blanks++;
      continue;
    }
    if (!para) {
      para = { lines: [], sep: nextSep() };
      blanks = 0;
    }
    para.lines.push(line);
  }
  closePara();
  return blocks;
}

/**
 * Greedy packing: join parts while the bubble stays within the limit; a part that is too big on its
 * own is handed to `splitBig`, and its last piece stays open for the following parts.
 */
function pack(parts: Part[], limit: number, splitBig: (part: Part) => string[]): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  let curLen = 0;
  for (const p of parts) {
    const len = codePointLength(p.text);
    if (cur !== undefined) {
      const joined = curLen + codePointLength(p.sep) + len;
      if (joined <= limit) {
        cur += p.sep + p.text;
        curLen = joined;
        continue;
      }
      out.push(cur);
      cur = undefined;
    }
    if (len <= limit) {
      cur = p.text;
      curLen = len;
      continue;
    }
    const pieces = splitBig(p);
    out.push(...pieces.slice(0, -1));
    cur = pieces.at(-1);
    curLen = cur === undefined ? 0 : codePointLength(cur);
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

function hardCut(text: string, limit: number): string[] {
  const cps = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += limit) out.push(cps.slice(i, i + limit).join(""));
  return out;
}

/** Weaker and weaker boundaries inside one paragraph. */
const PROSE_BOUNDARIES: readonly RegExp[] = [
  /\n/g,
  // Sentence ends: Latin ones need a following space; CJK ones are followed directly by text.
  /(?<=[.!?])[ \t]+|(?<=[。！？…])/g,
  /(?<=[,;:])[ \t]+|(?<=[，、；：])/g,
  /[ \t]+/g,
];

function splitOn(text: string, boundary: RegExp): Part[] {
  const parts: Part[] = [];
  let last = 0;
  let sep = "";
  for (const m of text.matchAll(boundary)) {
    if (m.index === last && m[0] === "") continue;
    const piece = text.slice(last, m.index);
    if (piece === "" && parts.length > 0) {
      sep += m[0];
    } else {
      parts.push({ text: piece, sep });
      sep = m[0];
    }
    last = m.index + m[0].length;
  }
  const tail = text.slice(last);
  if (tail !== "") parts.push({ text: tail, sep });
  return parts;
}

function splitProse(text: string, limit: number, level = 0): string[] {
  if (codePointLength(text) <= limit) return [text];
  const boundary = PROSE_BOUNDARIES[level];
  if (!boundary) return hardCut(text, limit);
  const parts = splitOn(text, boundary);
  if (parts.length <= 1) return splitProse(text, limit, level + 1);
  return pack(parts, limit, (p) => splitProse(p.text, limit, level + 1));
}

/** A fence longer than the limit: cut between its lines, close each piece, reopen in the next. */
function splitFence(whole: string, fence: Fence, limit: number): string[] {
  const closeLen = Math.max(codePointLength(fence.marker), codePointLength(fence.close ?? ""));
  const budget = limit - codePointLength(fence.open) - 2 - closeLen;
  if (budget < 1 || fence.body.length === 0) return splitProse(whole, limit);
  const lines = fence.body.map((text, i): Part => ({ text, sep: i === 0 ? "" : "\n" }));
  const chunks = pack(lines, budget, (p) => hardCut(p.text, budget));
  return chunks.map((chunk, i) => {
    const isLast = i === chunks.length - 1;
    const close = isLast ? fence.close : fence.marker;
    return close === undefined ? `${fence.open}\n${chunk}` : `${fence.open}\n${chunk}\n${close}`;
  });
}

function tidy(bubble: string): string {
  return bubble.replace(/^(?:[ \t]*\n)+/, "").trimEnd();
}

/**
 * Split `text` into bubbles of at most `limitChars` code points each, in order, none empty.
 * @example splitMessage("a\n\nb", 2) // → ["a", "b"]
 */
export function splitMessage(text: string, limitChars = DEFAULT_CHUNK_CHARS): string[] {
  if (!Number.isInteger(limitChars) || limitChars < 1) {
    throw new RangeError(`limitChars must be a positive integer, got ${limitChars}`);
  }
  // An agent's separate messages (BUBBLE_BREAK between them) never share a bubble.
  if (text.includes(BUBBLE_BREAK))
    return text.split(BUBBLE_BREAK).flatMap((part) => splitMessage(part, limitChars));
  const normalized = text.replace(/\r\n?/g, "\n");
  const blocks = parseBlocks(normalized);
  const bubbles = pack(blocks, limitChars, (b) =>
    b.fence ? splitFence(b.text, b.fence, limitChars) : splitProse(b.text, limitChars),
  );
  return bubbles.map(tidy).filter((b) => b !== "");
}
