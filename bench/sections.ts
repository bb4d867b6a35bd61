/** BENCHMARKS.md is one file with a section per benchmark: each benchmark rewrites its own. */
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const mdPath = join(dirname(fileURLToPath(import.meta.url)), "..", "BENCHMARKS.md");

/** Puts `section` (which starts with `\n${heading}`) in BENCHMARKS.md, in place of the old one or at the end. */
export async function replaceSection(heading: string, section: string): Promise<void> {
  const md = existsSync(mdPath) ? readFileSync(mdPath, "utf8") : "# Benchmarks\n";
  const start = md.indexOf(`\n${heading}`);
  const next = start < 0 ? -1 : md.indexOf("\n## ", start + 1);
  const updated =
    start < 0
      ? `${md.trimEnd()}\n${section}`
      : `${md.slice(0, start)}${section}${next < 0 ? "" : md.slice(next)}`;
  await writeFile(mdPath, updated);
}
