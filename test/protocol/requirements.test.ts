import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REQUIREMENTS, verifies } from "./requirements.js";

const root = join(import.meta.dirname, "..", "..");

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (/\.test\.tsx?$/.test(name) && !path.endsWith(join("protocol", "requirements.test.ts")))
      out.push(path);
  }
  return out;
}

describe("protocol requirements", () => {
  it("every requirement id is cited by at least one test file", () => {
    const files = [...testFiles(join(root, "src")), ...testFiles(join(root, "test"))];
    const texts = files.map((f) => readFileSync(f, "utf8"));
    const uncited = Object.keys(REQUIREMENTS).filter((id) => !texts.some((t) => t.includes(`"${id}"`)));
    expect(
      uncited,
      `cited by no test under ${files.map((f) => relative(root, f)).length} test files`,
    ).toEqual([]);
  });

  it("ids are well formed and unique in spelling", () => {
    for (const id of Object.keys(REQUIREMENTS)) expect(id).toMatch(/^[a-z]+:[a-z0-9-]+$/);
    expect(Object.keys(REQUIREMENTS).length).toBeGreaterThanOrEqual(25);
  });

  it("verifies() rejects an unknown id and labels known ones", () => {
    expect(verifies("poll:cursor", "send:quota")).toBe("[poll:cursor, send:quota]");
    expect(() => verifies("nope:nothing" as never)).toThrow(/unknown protocol requirement/);
  });
});
