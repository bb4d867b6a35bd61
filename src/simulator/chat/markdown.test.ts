import { describe, expect, it } from "vitest";
// Browser code without DOM: the page's own module, run as is.
import { filterLine, renderWechatText } from "./browser/markdown.js";

describe("filterLine (docs/protocol.md §7.5)", () => {
  it("strips H5 and H6 markers with their one space, keeps H1-H4 and 7 hashes", () => {
    expect(filterLine("##### Title")).toBe("Title");
    expect(filterLine("###### Title")).toBe("Title");
    expect(filterLine("#### Title")).toBe("#### Title");
    expect(filterLine("####### Title")).toBe("####### Title");
    expect(filterLine("#####Title")).toBe("#####Title");
  });

  it("removes images and keeps a lone ![alt]", () => {
    expect(filterLine("before ![a](u) after")).toBe("before  after");
    expect(filterLine("see ![alt] here")).toBe("see ![alt] here");
  });

  it("unwraps italics only around CJK text", () => {
    expect(filterLine("*中文斜体*")).toBe("中文斜体");
    expect(filterLine("English *中文* English")).toBe("English 中文 English");
    expect(filterLine("*italic*")).toBe("*italic*");
    expect(filterLine("foo_bar_baz")).toBe("foo_bar_baz");
    expect(filterLine("***重点***")).toBe("重点");
    expect(filterLine("**bold**")).toBe("**bold**");
  });
});

describe("renderWechatText", () => {
  it("turns a code fence into a code block and keeps its content verbatim", () => {
    const fence = "```";
    const html = renderWechatText(`run:\n${fence}ts\nconst a = 1 < 2 && **x**;\n${fence}\ndone`);
    expect(html).toContain(
      '<pre class="md-code" data-lang="ts"><code>const a = 1 &lt; 2 &amp;&amp; **x**;</code></pre>',
    );
    expect(html).toContain('<div class="md-text">run:</div>');
    expect(html).toContain('<div class="md-text">done</div>');
  });

  it("keeps an unterminated fence as code to the end", () => {
    expect(renderWechatText("```\nline 1\nline 2")).toBe(
      '<pre class="md-code"><code>line 1\nline 2</code></pre>',
    );
  });

  it("renders bold and inline code, escapes HTML, keeps list markers as text", () => {
    const html = renderWechatText("- **one** <b>x</b>\n- use `npm test`");
    expect(html).toBe(
      '<div class="md-text">- <b>one</b> &lt;b&gt;x&lt;/b&gt;\n- use <code>npm test</code></div>',
    );
  });

  it("keeps tables as monospaced text", () => {
    const html = renderWechatText("| a | b |\n|---|---|\n| 1 | 2 |");
    expect(html).toBe('<div class="md-table">| a | b |\n|---|---|\n| 1 | 2 |</div>');
  });

  it("applies the §7.5 filter before rendering", () => {
    expect(renderWechatText("##### Title\nbody ![i](http://x/y.png)")).toBe(
      '<div class="md-text">Title\nbody </div>',
    );
  });
});
