/**
 * Issue 19 item 6: biome.json keeps the layers (README "Code layout"). This test keeps biome.json
 * complete: every folder of src/ but the top (cli) has its own `noRestrictedImports` override, so a
 * new folder cannot slip in unruled, and import cycles are an error.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

interface Override {
  includes?: string[];
  linter?: { rules?: { style?: { noRestrictedImports?: { level?: string } } } };
}
const biome = JSON.parse(readFileSync(join(root, "biome.json"), "utf8")) as {
  linter: { rules: { suspicious?: Record<string, unknown> } };
  overrides: Override[];
};

describe("biome.json keeps the layers", () => {
  it("every folder of src/ but cli/ has a noRestrictedImports override at error level", () => {
    const folders = readdirSync(join(root, "src"), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== "cli")
      .map((d) => d.name);
    expect(folders).toContain("ilink");
    const ruled = biome.overrides
      .filter((o) => o.linter?.rules?.style?.noRestrictedImports?.level === "error")
      .flatMap((o) => o.includes ?? [])
      .map((glob) => /^src\/([^/]+)\/\*\*$/.exec(glob)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(folders.filter((f) => !ruled.includes(f))).toEqual([]);
  });

  it("import cycles are an error", () => {
    expect(biome.linter.rules.suspicious?.noImportCycles).toBe("error");
  });
});
