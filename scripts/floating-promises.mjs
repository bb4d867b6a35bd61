#!/usr/bin/env node
/**
 * Promises dropped on the floor in src/: an expression statement whose value is a Promise (a
 * store write nobody awaits loses its ordering and its error), or a Promise tested as a boolean
 * (`!store.accounts.remove(id)` is always false). Biome's noFloatingPromises cannot
 * see through the store's mapped types (`Async<T>`), so this asks the TypeScript checker itself.
 * Deliberate fire-and-forget is written `void promise` (with the reason beside it) or handles its
 * rejection (`.catch(fn)`, `.then(ok, fail)`), and passes.
 * Exit 1 when any is found. Usage: node scripts/floating-promises.mjs [tsconfig.json]
 */
import { relative } from "node:path";
import ts from "typescript";

const configPath = process.argv[2] ?? "tsconfig.json";
const config = ts.getParsedCommandLineOfConfigFile(
  configPath,
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  },
);
if (!config) throw new Error(`cannot read ${configPath}`);
const program = ts.createProgram(config.fileNames, config.options);
const checker = program.getTypeChecker();

/** A Promise, or a union that holds one (`Promise<void> | undefined`). */
function isPromise(type) {
  if (type.isUnion()) return type.types.some(isPromise);
  const symbol = type.getSymbol();
  return symbol?.getName() === "Promise" || checker.getPromisedTypeOfPromise(type) !== undefined;
}

/** `p.catch(handler)` and `p.then(ok, fail)` handle their rejection: not floating. */
function handled(e) {
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return false;
  const name = e.expression.name.text;
  return (name === "catch" && e.arguments.length >= 1) || (name === "then" && e.arguments.length >= 2);
}

const found = [];
for (const file of program.getSourceFiles()) {
  if (file.isDeclarationFile || !file.fileName.includes("/src/") || file.fileName.endsWith(".test.ts"))
    continue;
  const visit = (node) => {
    if (ts.isExpressionStatement(node)) {
      let e = node.expression;
      while (ts.isParenthesizedExpression(e)) e = e.expression;
      const skip =
        ts.isVoidExpression(e) || ts.isAwaitExpression(e) || ts.isBinaryExpression(e) || handled(e);
      if (
        !skip &&
        (ts.isCallExpression(e) || ts.isPropertyAccessExpression(e)) &&
        isPromise(checker.getTypeAtLocation(e))
      ) {
        const { line, character } = file.getLineAndCharacterOfPosition(e.getStart(file));
        found.push(
          `${relative(process.cwd(), file.fileName)}:${line + 1}:${character + 1}  ${e.getText(file).split("\n")[0]}`,
        );
      }
    }
    // `!promise`, `promise && x`, `promise || x`: a Promise is always truthy, the test never fails.
    const tested =
      ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken
        ? node.operand
        : ts.isBinaryExpression(node) &&
            (node.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ||
              node.operatorToken.kind === ts.SyntaxKind.BarBarToken)
          ? node.left
          : undefined;
    if (tested && ts.isCallExpression(tested) && isPromise(checker.getTypeAtLocation(tested))) {
      const { line, character } = file.getLineAndCharacterOfPosition(tested.getStart(file));
      found.push(
        `${relative(process.cwd(), file.fileName)}:${line + 1}:${character + 1}  tested as a boolean: ${tested.getText(file).split("\n")[0]}`,
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}
for (const line of found) process.stdout.write(`${line}\n`);
process.stdout.write(`${found.length} floating promise(s)\n`);
process.exit(found.length ? 1 : 0);
