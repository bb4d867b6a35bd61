/**
 * Every `§N` / `§N.M` cited in src/ must name a numbered heading of docs/protocol.md, so a comment
 * that leans on a protocol fact can be followed to it. A failure lists the file and the citation.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const CITATION = /§ ?(\d+(?:\.\d+)*)/g;
const HEADING = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/;

interface Citation {
  file: string;
  line: number;
  section: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|md)$/.test(name)) out.push(path);
  }
  return out;
}

function citationsIn(file: string, text: string): Citation[] {
  const out: Citation[] = [];
  text.split("\n").forEach((lineText, i) => {
    for (const m of lineText.matchAll(CITATION)) out.push({ file, line: i + 1, section: m[1] ?? "" });
  });
  return out;
}

function headingNumbers(markdown: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const m = fenced ? null : HEADING.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

function unresolved(citations: Citation[], headings: readonly string[]): string[] {
  const known = new Set(headings);
  return citations.filter((c) => !known.has(c.section)).map((c) => `${c.file}:${c.line} §${c.section}`);
}

const protocol = readFileSync(join(root, "docs", "protocol.md"), "utf8");
const headings = headingNumbers(protocol);
const citations = sourceFiles(join(root, "src")).flatMap((path) =>
  citationsIn(relative(root, path), readFileSync(path, "utf8")),
);

describe("§ citations in src/ resolve to docs/protocol.md", () => {
  it("finds the citations and the headings (the scan itself works)", () => {
    expect(citations.length).toBeGreaterThan(100);
    expect(headings).toEqual(expect.arrayContaining(["1", "1.10", "8.2.12", "19.33", "21"]));
  });

  it("every cited section has a heading", () => {
    expect(unresolved(citations, headings)).toEqual([]);
  });

  it("no section number is used by two headings", () => {
    const twice = headings.filter((h, i) => headings.indexOf(h) !== i);
    expect(twice).toEqual([]);
  });

  it("reports a citation with no heading, and ignores numbers inside code fences", () => {
    const doc = "## 1. One\n### 1.2 Two\n```\n## 3. fenced\n```\n";
    const cited = citationsIn("x.ts", "// see §1.2 and § 3, also §1\n");
    expect(cited.map((c) => c.section)).toEqual(["1.2", "3", "1"]);
    expect(unresolved(cited, headingNumbers(doc))).toEqual(["x.ts:1 §3"]);
  });
});
