/**
 * Make Markdown look in WeChat as the official client makes it look (docs/protocol.md §7.5). WeChat
 * renders most Markdown itself, so this changes very little: it strips H5/H6 markers, removes
 * images, and drops emphasis markers around CJK text (which WeChat shows literally). Code fences pass
 * untouched; inline code is deliberately not protected, matching the official filter.
 * Whole-string version: the reply is complete before delivery runs.
 */

/** CJK radicals and punctuation, kana, ideographs, Hangul, compatibility ideographs (not full-width forms). */
function isCjk(cp: number): boolean {
  return (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xf900 && cp <= 0xfaff);
}

export function hasCjk(text: string): boolean {
  for (const ch of text) {
    if (isCjk(ch.codePointAt(0) ?? 0)) return true;
  }
  return false;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf("\n", from);
  return nl === -1 ? text.length : nl + 1;
}

/** `---`, `* * *`, `___`: one repeated marker (spaces allowed), at least three of it. */
function isRule(line: string): boolean {
  const body = line.replace(/\n$/, "");
  const m = /^[ \t]*([-*_])/.exec(body);
  if (!m?.[1]) return false;
  const ch = m[1];
  let count = 0;
  for (const c of body) {
    if (c === ch) count++;
    else if (c !== " " && c !== "\t") return false;
  }
  return count >= 3;
}

function runLength(text: string, at: number, ch: string): number {
  let n = 0;
  while (text[at + n] === ch) n++;
  return n;
}

/** End index (exclusive) of a complete image `![alt](url)` starting at `at`, or -1. */
function imageEnd(text: string, at: number): number {
  const close = text.indexOf("]", at + 2);
  if (close === -1 || text[close + 1] !== "(") return -1;
  const paren = text.indexOf(")", close + 2);
  return paren === -1 ? -1 : paren + 1;
}

/** Index of the single `marker` closing a `*x*`/`_x_` span on the same line, skipping doubles; -1 if none. */
function singleClose(text: string, from: number, marker: string): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") return -1;
    if (c === marker) {
      const run = runLength(text, i, marker);
      if (run === 1) return i;
      i += run;
      continue;
    }
    i++;
  }
  return -1;
}

/** Apply WeChat's Markdown rendering rules to a whole reply. */
export function filterMarkdown(text: string): string {
  let out = "";
  let i = 0;
  let lineStart = true;

  while (i < text.length) {
    if (lineStart) {
      lineStart = false;
      if (text.startsWith("```", i)) {
        // A fence: this line and every line up to the closing fence line pass unchanged.
        let end = lineEnd(text, i);
        while (end < text.length && !text.startsWith("```", end)) end = lineEnd(text, end);
        if (end < text.length) end = lineEnd(text, end);
        out += text.slice(i, end);
        i = end;
        lineStart = true;
        continue;
      }
      const hashes = runLength(text, i, "#");
      if ((hashes === 5 || hashes === 6) && text[i + hashes] === " ") {
        i += hashes + 1;
        continue;
      }
      const end = lineEnd(text, i);
      if (isRule(text.slice(i, end))) {
        out += text.slice(i, end);
        i = end;
        lineStart = true;
        continue;
      }
    }

    const c = text[i] ?? "";
    if (c === "\n") {
      out += c;
      i++;
      lineStart = true;
      continue;
    }

    if (c === "!" && text[i + 1] === "[") {
      const end = imageEnd(text, i);
      if (end !== -1) {
        i = end;
        continue;
      }
      out += c;
      i++;
      continue;
    }

    if (c === "*" || c === "_") {
      const run = runLength(text, i, c);
      if (run === 3) {
        // ***x*** / ___x___ may span lines; an unclosed one is written out as it came.
        const close = text.indexOf(c.repeat(3), i + 3);
        if (close === -1) {
          out += text.slice(i);
          break;
        }
        const inner = text.slice(i + 3, close);
        out += hasCjk(inner) ? inner : text.slice(i, close + 3);
        i = close + 3;
        continue;
      }
      if (run === 1) {
        const next = text[i + 1];
        if (next !== undefined && next !== " " && next !== "\n") {
          const close = singleClose(text, i + 1, c);
          if (close !== -1) {
            const inner = text.slice(i + 1, close);
            out += hasCjk(inner) ? inner : text.slice(i, close + 1);
            i = close + 1;
            continue;
          }
        }
      }
      // Bold (`**`, `__`), longer runs, and markers that open nothing are kept.
      out += c.repeat(run);
      i += run;
      continue;
    }

    out += c;
    i++;
  }
  return out;
}
