import { describe, expect, it } from "vitest";
import { filterMarkdown, hasCjk } from "./markdown.js";

describe("filterMarkdown (docs/protocol.md §7.5)", () => {
  it.each([
    // The examples given in §7.5.
    ["*中文斜体*", "中文斜体"],
    ["English *中文* English", "English 中文 English"],
    ["*italic*", "*italic*"],
    ["##### Title\nbody", "Title\nbody"],
    ["before ![a](u) after", "before  after"],
    ["`*中文*`", "`中文`"],
    ["file_名字_x", "file名字x"],
    ["foo_bar_baz", "foo_bar_baz"],
  ])("%j → %j", (input, expected) => {
    expect(filterMarkdown(input)).toBe(expected);
  });

  it("strips exactly 5 or 6 hashes and the one space, at column 0 only", () => {
    expect(filterMarkdown("###### Six\n")).toBe("Six\n");
    expect(filterMarkdown("#####  two spaces")).toBe(" two spaces");
    expect(filterMarkdown("# H1\n## H2\n### H3\n#### H4")).toBe("# H1\n## H2\n### H3\n#### H4");
    expect(filterMarkdown("####### seven")).toBe("####### seven");
    expect(filterMarkdown("#####nospace")).toBe("#####nospace");
    expect(filterMarkdown("  ##### indented")).toBe("  ##### indented");
    expect(filterMarkdown("text ##### mid")).toBe("text ##### mid");
  });

  it("treats the rest of a stripped heading as body text", () => {
    expect(filterMarkdown("##### *标题*")).toBe("标题");
  });

  it("passes code fences through verbatim, including an unterminated one", () => {
    const fenced = "```md\n##### keep\n*中文*\n![a](u)\n```\n";
    expect(filterMarkdown(`${fenced}*中文*`)).toBe(`${fenced}中文`);
    const open = "```\n*中文* ![x](y)\n##### h";
    expect(filterMarkdown(open)).toBe(open);
  });

  it("keeps horizontal rules, bold, strikethrough, links, quotes, lists and tables", () => {
    const keep = [
      "---",
      "* * *",
      "___",
      "**bold** and __bold__ and **粗体**",
      "~~gone~~",
      "[link](https://example.com)",
      "> quote",
      "- item",
      "* item",
      "| a | b |",
      "|---|---|",
    ].join("\n");
    expect(filterMarkdown(keep)).toBe(keep);
  });

  it("removes triple-marker spans around CJK, even across lines, and keeps Latin ones", () => {
    expect(filterMarkdown("***粗斜体***")).toBe("粗斜体");
    expect(filterMarkdown("___第一行\n第二行___ end")).toBe("第一行\n第二行 end");
    expect(filterMarkdown("***both***")).toBe("***both***");
    expect(filterMarkdown("***open 中文")).toBe("***open 中文");
  });

  it("keeps single markers that open nothing", () => {
    expect(filterMarkdown("a * b")).toBe("a * b");
    expect(filterMarkdown("*中文\n*")).toBe("*中文\n*");
    expect(filterMarkdown("*中文")).toBe("*中文");
    expect(filterMarkdown("2*3")).toBe("2*3");
  });

  it("skips double markers inside a single-marker span", () => {
    expect(filterMarkdown("*中**文*")).toBe("中**文");
  });

  it("keeps images that are not complete", () => {
    expect(filterMarkdown("![alt] text")).toBe("![alt] text");
    expect(filterMarkdown("see ![alt](http://x")).toBe("see ![alt](http://x");
    expect(filterMarkdown("wow!")).toBe("wow!");
  });

  it("does not count full-width forms or emoji as CJK", () => {
    expect(hasCjk("，")).toBe(false);
    expect(hasCjk("😀")).toBe(false);
    expect(hasCjk("。")).toBe(true);
    expect(hasCjk("カ")).toBe(true);
    expect(hasCjk("한")).toBe(true);
    expect(filterMarkdown("*，*")).toBe("*，*");
    expect(filterMarkdown("*😀*")).toBe("*😀*");
  });
});
