/**
 * Turns a bot's text into the HTML of a WeChat bubble. WeChat renders only part of Markdown
 * (docs/protocol.md §7.5): code fences become code blocks and **bold** is bold; lists, tables,
 * quotes and links stay as the text they are. The §7.5 filter is applied first (H5/H6 markers and
 * images removed, CJK-only italics unwrapped), so the page shows what a phone would show even
 * when a bot skipped the filter. Pure string code: no DOM, so the unit tests run it in Node.
 */
const FENCE = "```";
const TICK = "`";
const CJK = /[\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]/;

export function escapeHtml(s: unknown): string {
  return String(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// §7.5 inline rules on one line of body text.
function filterInline(line: string): string {
  let out = line.replace(/!\[[^\]\n]*\]\([^)\n]*\)/g, "");
  out = out.replace(/(\*\*\*|___)([^\n]+?)\1/g, (m, _mark: string, body: string) =>
    CJK.test(body) ? body : m,
  );
  out = out.replace(/(^|[^*])\*([^*\s][^*\n]*?)\*(?!\*)/g, (m, pre: string, body: string) =>
    CJK.test(body) ? pre + body : m,
  );
  out = out.replace(/(^|[^_])_([^_\s][^_\n]*?)_(?!_)/g, (m, pre: string, body: string) =>
    CJK.test(body) ? pre + body : m,
  );
  return out;
}

/** §7.5 line-start rule (exactly five or six hashes and one space are removed), then inline. */
export function filterLine(line: string): string {
  return filterInline(line.replace(/^#{5,6} /, ""));
}

// What WeChat draws inside a text bubble: bold, inline code, everything else as text.
function renderInline(line: string): string {
  const parts = line.split(TICK);
  let out = "";
  parts.forEach((part, i) => {
    const piece = escapeHtml(part);
    const isCode = i % 2 === 1 && i < parts.length - 1;
    if (isCode) {
      out += `<code>${piece}</code>`;
      return;
    }
    if (i % 2 === 1) out += TICK;
    out += piece.replace(
      /\*\*([^*\n]+?)\*\*|__([^_\n]+?)__/g,
      (_m, a: string | undefined, b: string | undefined) => `<b>${a || b}</b>`,
    );
  });
  return out;
}

function isTableLine(line: string | undefined): line is string {
  return line !== undefined && /^\s*\|.*\|\s*$/.test(line);
}

function isFence(line: string | undefined): line is string {
  return line !== undefined && line.indexOf(FENCE) === 0;
}

export function renderWechatText(text: string | null | undefined): string {
  const lines = String(text == null ? "" : text)
    .replace(/\r\n/g, "\n")
    .split("\n");
  const html: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (isFence(line)) {
      const lang = line.slice(3).trim();
      const body: string[] = [];
      i++;
      for (let l = lines[i]; i < lines.length && !isFence(l); l = lines[++i]) body.push(l ?? "");
      i++; // the closing fence, or past the end when it is unterminated
      const attr = lang ? ` data-lang="${escapeHtml(lang)}"` : "";
      html.push(`<pre class="md-code"${attr}><code>${escapeHtml(body.join("\n"))}</code></pre>`);
      continue;
    }
    if (isTableLine(line)) {
      const rows: string[] = [];
      for (let l = lines[i]; isTableLine(l); l = lines[++i]) rows.push(filterLine(l));
      html.push(`<div class="md-table">${escapeHtml(rows.join("\n"))}</div>`);
      continue;
    }
    const para: string[] = [];
    for (let l = lines[i]; l !== undefined && !isFence(l) && !isTableLine(l); l = lines[++i]) {
      para.push(renderInline(filterLine(l)));
    }
    html.push(`<div class="md-text">${para.join("\n")}</div>`);
  }
  return html.join("");
}
