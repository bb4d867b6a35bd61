/**
 * Every `exports` entry of package.json points at what `npm run build` emits: `default` at the
 * .js and `types` at the .d.ts of one module under src/ that tsconfig.build.json compiles (not
 * a test, not a testkit), and that module is one vitest can import. Cheap: no build, no tarball
 * (registry-install.test.ts installs the packed package for real).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, { types: string; default: string }>;
};
const build = JSON.parse(readFileSync(join(root, "tsconfig.build.json"), "utf8")) as { exclude: string[] };

describe("package.json exports", () => {
  it("names wxagent/simulator/testing", () => {
    expect(pkg.exports["./simulator/testing"]).toEqual({
      types: "./dist/simulator/testing.d.ts",
      default: "./dist/simulator/testing.js",
    });
  });

  for (const [name, target] of Object.entries(pkg.exports)) {
    it(`${name} → a built module of src/`, async () => {
      const js = /^\.\/dist\/(.+)\.js$/.exec(target.default)?.[1];
      expect(js, target.default).toBeDefined();
      expect(target.types).toBe(`./dist/${js}.d.ts`);
      const source = join(root, "src", `${js}.ts`);
      expect(existsSync(source), source).toBe(true);
      // Not dropped by the build: its excludes are test files, testkits, testing/ folders, the browser bundle.
      const excluded = build.exclude.some((glob) =>
        new RegExp(
          `^${glob
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*\*\//g, "(?:.*/)?")
            .replace(/\*/g, "[^/]*")}(?:/.*)?$`,
        ).test(`src/${js}.ts`),
      );
      expect(excluded, `tsconfig.build.json excludes src/${js}.ts`).toBe(false);
      expect(Object.keys(await import(source)).length).toBeGreaterThan(0);
    });
  }
});
