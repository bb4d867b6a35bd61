/**
 * Browser code (plain ES2020, no build step) that turns a bot's text into the HTML of a WeChat
 * bubble. WeChat renders only part of Markdown (docs/protocol.md §7.5): code fences become code
 * blocks and **bold** is bold; lists, tables, quotes and links stay as the text they are. The
 * §7.5 filter is applied first (H5/H6 markers and images removed, CJK-only italics unwrapped), so
 * the page shows what a phone would show even when a bot skipped the filter.
 *
 * Kept as a string because `tsc` copies only .ts files into dist. It must not contain a backtick
 * or a dollar-brace: the fence marker is built from a char code instead.
 */
export const markdownScript = String.raw`
(function (root) {
  "use strict";
  var FENCE = String.fromCharCode(96, 96, 96);
  var TICK = String.fromCharCode(96);
  var CJK = /[\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]/;

  function escapeHtml(s) {
    return String(s)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  // §7.5 inline rules on one line of body text.
  function filterInline(line) {
    line = line.replace(/!\[[^\]\n]*\]\([^)\n]*\)/g, "");
    line = line.replace(/(\*\*\*|___)([^\n]+?)\1/g, function (m, mark, body) {
      return CJK.test(body) ? body : m;
    });
    line = line.replace(/(^|[^*])\*([^*\s][^*\n]*?)\*(?!\*)/g, function (m, pre, body) {
      return CJK.test(body) ? pre + body : m;
    });
    line = line.replace(/(^|[^_])_([^_\s][^_\n]*?)_(?!_)/g, function (m, pre, body) {
      return CJK.test(body) ? pre + body : m;
    });
    return line;
  }

  // §7.5 line-start rule: exactly five or six hashes and one space are removed.
  function filterLine(line) {
    return filterInline(line.replace(/^#{5,6} /, ""));
  }

  // What WeChat draws inside a text bubble: bold, inline code, everything else as text.
  function renderInline(line) {
    var parts = line.split(TICK);
    var out = "";
    for (var i = 0; i < parts.length; i++) {
      var piece = escapeHtml(parts[i]);
      var isCode = i % 2 === 1 && i < parts.length - 1;
      if (isCode) {
        out += "<code>" + piece + "</code>";
      } else {
        if (i % 2 === 1) out += TICK;
        out += piece.replace(/\*\*([^*\n]+?)\*\*|__([^_\n]+?)__/g, function (m, a, b) {
          return "<b>" + (a || b) + "</b>";
        });
      }
    }
    return out;
  }

  function isTableLine(line) {
    return /^\s*\|.*\|\s*$/.test(line);
  }

  function renderWechatText(text) {
    var lines = String(text == null ? "" : text).replace(/\r\n/g, "\n").split("\n");
    var html = [];
    var i = 0;
    while (i < lines.length) {
      var line = lines[i];
      if (line.indexOf(FENCE) === 0) {
        var lang = line.slice(3).trim();
        var body = [];
        i++;
        while (i < lines.length && lines[i].indexOf(FENCE) !== 0) body.push(lines[i++]);
        i++; // the closing fence, or past the end when it is unterminated
        html.push(
          '<pre class="md-code"' + (lang ? ' data-lang="' + escapeHtml(lang) + '"' : "") + "><code>" +
            escapeHtml(body.join("\n")) + "</code></pre>"
        );
        continue;
      }
      if (isTableLine(line)) {
        var rows = [];
        while (i < lines.length && isTableLine(lines[i])) rows.push(filterLine(lines[i++]));
        html.push('<div class="md-table">' + escapeHtml(rows.join("\n")) + "</div>");
        continue;
      }
      var para = [];
      while (i < lines.length && lines[i].indexOf(FENCE) !== 0 && !isTableLine(lines[i])) {
        para.push(renderInline(filterLine(lines[i++])));
      }
      html.push('<div class="md-text">' + para.join("\n") + "</div>");
    }
    return html.join("");
  }

  root.wxMarkdown = { renderWechatText: renderWechatText, filterLine: filterLine, escapeHtml: escapeHtml };
})(typeof window !== "undefined" ? window : globalThis);
`;
