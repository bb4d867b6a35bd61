/**
 * Every public export of `wxagent/ilink` (and `wxagent/ilink/crypto`) carries a JSDoc `@example`,
 * and every example type-checks against the sources: each becomes a module importing the package
 * by its public name (mapped to src/ by `paths`), compiled in one program with the project's
 * strictness. A broken example is compiled too, to prove the check can fail.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const entries = {
  "wxagent/ilink": join(root, "src/ilink/index.ts"),
  "wxagent/ilink/crypto": join(root, "src/ilink/crypto-exports.ts"),
};
const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2023,
  lib: ["lib.es2023.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"],
  typeRoots: [join(root, "node_modules/@types")],
  paths: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, [file]])),
};

interface Example {
  name: string;
  code: string;
}

/** The `@example` blocks of every export of each entry, and the exports that have none. */
function collect(): { examples: Example[]; missing: string[] } {
  const program = ts.createProgram(Object.values(entries), options);
  const checker = program.getTypeChecker();
  const examples: Example[] = [];
  const missing: string[] = [];
  for (const [entry, file] of Object.entries(entries)) {
    const source = program.getSourceFile(file);
    const mod = source && checker.getSymbolAtLocation(source);
    if (!mod) throw new Error(`cannot read ${file}`);
    examples.push(...examplesOf(entry, mod, checker));
    for (const sym of checker.getExportsOfModule(mod)) {
      const found = examplesOf(`${entry} ${sym.name}`, aliased(sym, checker), checker);
      if (found.length === 0) missing.push(`${entry}: ${sym.name}`);
      examples.push(...found);
    }
  }
  return { examples, missing };
}

function aliased(sym: ts.Symbol, checker: ts.TypeChecker): ts.Symbol {
  return sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
}

function examplesOf(name: string, sym: ts.Symbol, checker: ts.TypeChecker): Example[] {
  return sym
    .getJsDocTags(checker)
    .filter((t) => t.name === "example")
    .map((t, i) => ({ name: `${name} #${i + 1}`, code: ts.displayPartsToString(t.text) }));
}

const dir = mkdtempSync(join(tmpdir(), "ilink-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Diagnostics of the examples, by example name. */
function typeCheck(examples: Example[]): Map<string, string[]> {
  const files = examples.map((ex, i) => {
    const path = join(dir, `example-${i}.mts`);
    writeFileSync(path, `${ex.code}\nexport {};\n`);
    return { path, ex };
  });
  const program = ts.createProgram(
    files.map((f) => f.path),
    options,
  );
  const errors = new Map<string, string[]>();
  for (const { path, ex } of files) {
    const sf = program.getSourceFile(path);
    const diags = sf ? [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)] : [];
    if (diags.length > 0)
      errors.set(
        ex.name,
        diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
      );
  }
  return errors;
}

describe("JSDoc @example of wxagent/ilink", () => {
  const { examples, missing } = collect();

  it("every public export has an @example", () => {
    expect(missing).toEqual([]);
  });

  it("every @example type-checks, and a wrong one is caught", { timeout: 120_000 }, () => {
    const broken = { name: "broken", code: 'import { Bot } from "wxagent/ilink";\nnew Bot({ tokn: "x" });' };
    const errors = typeCheck([...examples, broken]);
    expect(errors.get("broken")?.join("\n")).toMatch(/tokn/);
    errors.delete("broken");
    expect(Object.fromEntries(errors)).toEqual({});
    expect(examples.length).toBeGreaterThan(50);
  });
});
