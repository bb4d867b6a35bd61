#!/usr/bin/env node
/**
 * Numbers that describe the code's structure (issue #19): long functions, cross-layer imports,
 * error classes, duplicate helpers, unresolved § citations and the `duplicates` pair count.
 *
 *   node scripts/structure-metrics.mjs              # this checkout
 *   node scripts/structure-metrics.mjs --rev 6da283a # a commit, extracted with git archive
 *   node scripts/structure-metrics.mjs --json
 *
 * Only src/ non-test files count: not *.test.ts, *.test-d.ts, *.test-util.ts, *.contract.ts,
 * testing.ts, testkit.ts or testing/ folders (the files biome.json exempts from the layer rules),
 * except the § citations, which scan all of src/ as test/docs/citations.test.ts does.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";

const ts = createRequire(import.meta.url)("typescript");

const LONG_LINES = 80;
/** The layers each src/ folder must not import (mirrors biome.json's noRestrictedImports at HEAD). */
const ABOVE = {
  cli: [],
  admin: ["cli", "mcp"],
  mcp: ["cli", "admin"],
  ops: ["cli", "admin", "mcp"],
  config: ["cli", "admin", "mcp", "ops"],
  gateway: ["cli", "admin", "mcp", "ops", "config"],
  agent: ["cli", "admin", "mcp", "ops", "config", "gateway"],
  store: ["cli", "admin", "mcp", "ops", "config", "gateway", "agent"],
  ilink: ["cli", "admin", "mcp", "ops", "config", "gateway", "agent", "store", "util"],
  util: ["cli", "admin", "mcp", "ops", "config", "gateway", "agent", "store", "ilink"],
  shared: ["cli", "admin", "mcp", "ops", "config", "gateway", "agent", "store", "util", "ilink"],
  simulator: ["admin", "mcp", "ops", "config", "gateway", "agent", "store", "util", "ilink"],
};
/** Imports biome allows although their layer is listed above. */
const ALLOWED = [{ from: "simulator", to: "src/ilink/wire.ts" }];

function parseArgs(argv) {
  const out = { json: false, rev: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--json") out.json = true;
    else if (argv[i] === "--rev") out.rev = argv[++i];
    else throw new Error(`unknown argument ${argv[i]} (use --rev <commit> and/or --json)`);
  }
  return out;
}

function extract(rev) {
  const dir = mkdtempSync(join(tmpdir(), "structure-metrics-"));
  const tar = spawnSync("git", ["archive", "--format=tar", rev], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new Error(`git archive ${rev}: ${tar.stderr.toString()}`);
  const x = spawnSync("tar", ["-x", "-C", dir], { input: tar.stdout });
  if (x.status !== 0) throw new Error(`tar: ${x.stderr.toString()}`);
  return dir;
}

function walk(dir, test) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path, test));
    else if (test(name)) out.push(path);
  }
  return out;
}

const isSource = (rel) =>
  /\.tsx?$/.test(rel) &&
  !/\.(test|test-d|test-util|contract)\.tsx?$/.test(rel) &&
  !/(^|\/)(testing|testkit)\.ts$/.test(rel) &&
  !/(^|\/)testing\//.test(rel);

function lineOf(sf, pos) {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

function functionName(node) {
  if (node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const p = node.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p))) {
    return p.name.getText();
  }
  if (p && ts.isCallExpression(p)) {
    return `<callback of ${p.expression.getText().replace(/\s+/g, "").slice(-40)}>`;
  }
  return "<anonymous>";
}

/** (a) functions, methods, arrows, accessors and constructors whose body spans more than 80 lines. */
function longFunctions(sf, file) {
  const out = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body && ts.isBlock(node.body)) {
      const lines = lineOf(sf, node.body.getEnd()) - lineOf(sf, node.body.getStart(sf)) + 1;
      if (lines > LONG_LINES) {
        out.push({ file, line: lineOf(sf, node.getStart(sf)), name: functionName(node), lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function specifiers(sf) {
  const out = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const layerOf = (rel) =>
  rel.startsWith("src/") && rel.split("/").length > 2 ? rel.split("/")[1] : undefined;

/** (b) relative imports from one src/ folder into another: past its index.ts, and against the order. */
function imports(root, sf, file) {
  const from = layerOf(file);
  const deep = [];
  const upward = [];
  if (!from) return { deep, upward };
  for (const spec of specifiers(sf)) {
    if (!spec.startsWith(".")) continue;
    const target = relative(root, resolve(root, dirname(file), spec))
      .split(sep)
      .join("/")
      .replace(/\.js$/, ".ts");
    const to = layerOf(target);
    if (!to || to === from) continue;
    const row = { file, spec, from, to, toHasIndex: existsSync(join(root, "src", to, "index.ts")) };
    if (target !== `src/${to}/index.ts` && target !== `src/${to}`) deep.push(row);
    const allowed = ALLOWED.some((a) => a.from === from && a.to === target);
    if ((ABOVE[from] ?? []).includes(to) && !allowed) upward.push(row);
  }
  return { deep, upward };
}

/** (c) `class X extends …Error` (or WxError), and whether it has a `code`. */
function errorClasses(sf, file) {
  const out = [];
  const visit = (node) => {
    if ((ts.isClassDeclaration(node) || ts.isClassExpression(node)) && node.heritageClauses) {
      const ext = node.heritageClauses.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
      const base = ext?.types[0]?.expression.getText(sf);
      if (base && /Error$/.test(base)) {
        const text = node.getText(sf);
        const ownCode =
          node.members.some((m) => m.name?.getText(sf) === "code") ||
          /\bthis\.code\s*=/.test(text) ||
          /constructor\s*\([^)]*\breadonly\s+code\b/.test(text);
        out.push({ file, name: node.name?.getText(sf) ?? "<anonymous>", base, ownCode });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function withCode(classes) {
  const has = new Map(classes.map((c) => [c.name, c.ownCode || c.base === "WxError"]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of classes) {
      if (!has.get(c.name) && has.get(c.base)) {
        has.set(c.name, true);
        changed = true;
      }
    }
  }
  return classes.map((c) => ({ ...c, code: has.get(c.name) === true }));
}

const count = (text, re) => [...text.matchAll(re)].length;

/** (d) copies of helpers that issue #19 wants written once; each rule says how it counts. */
const HELPERS = {
  errorMessageInline: {
    how: "inline `x instanceof Error ? x.message : String(x)` expressions",
    count: (t) => count(t, /(\w+) instanceof Error \? \1\.message : String\(\1\)/g),
  },
  sleepImpl: {
    how: "definitions named sleep/delay that build a Promise (function or const)",
    count: (t) =>
      count(t, /(?:function\s+(?:sleep|delay)\s*\(|(?:const|let)\s+(?:sleep|delay)\s*=\s*(?:async\s*)?\()/g),
  },
  backoffImpl: {
    how: "a 30_000 literal with a 2_000 literal and the word backoff/retry within 3 lines",
    count: (t) => {
      const lines = t.split("\n");
      const near = (i) => lines.slice(Math.max(0, i - 3), i + 4).join("\n");
      return lines.filter(
        (l, i) => /\b30_?000\b/.test(l) && /\b2_?000\b/.test(near(i)) && /backoff|retry/i.test(near(i)),
      ).length;
    },
  },
  perKeySequencer: {
    how: "`Map<string, Promise` declarations (a promise chain per key), plus the shared KeyedLanes class",
    count: (t) => count(t, /Map<string,\s*Promise|class KeyedLanes\b/g),
  },
  dedupeHash: {
    how: 'createHash("sha256") with message fields (from_user_id/create_time_ms) within 20 lines before it',
    count: (t) => {
      const lines = t.split("\n");
      return lines.filter(
        (l, i) =>
          l.includes('createHash("sha256")') &&
          /from_user_id|create_time_ms/.test(lines.slice(Math.max(0, i - 20), i + 3).join("\n")),
      ).length;
    },
  },
};

/** (e) § citations in src/ and the ones with no numbered heading in docs/protocol.md. */
function citations(root) {
  const HEADING = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/;
  const known = new Set();
  const doc = join(root, "docs", "protocol.md");
  if (existsSync(doc)) {
    let fenced = false;
    for (const line of readFileSync(doc, "utf8").split("\n")) {
      if (line.startsWith("```")) fenced = !fenced;
      const m = fenced ? null : HEADING.exec(line);
      if (m?.[1]) known.add(m[1]);
    }
  }
  let total = 0;
  const unresolved = [];
  for (const path of walk(join(root, "src"), (n) => /\.(ts|tsx|md)$/.test(n))) {
    readFileSync(path, "utf8")
      .split("\n")
      .forEach((text, i) => {
        for (const m of text.matchAll(/§ ?(\d+(?:\.\d+)*)/g)) {
          total++;
          if (!known.has(m[1])) unresolved.push(`${relative(root, path)}:${i + 1} §${m[1]}`);
        }
      });
  }
  return { total, unresolved, headings: known.size };
}

/** (f) the pair count `duplicates` reports for a folder (it reads files as text, writes nothing). */
function duplicatePairs(dir) {
  const r = spawnSync("duplicates", ["--repo", dir, "--most", "1", "--seconds", "60"], { encoding: "utf8" });
  if (r.error) return { pairs: null, line: `duplicates did not run: ${r.error.message}` };
  const line = r.stdout.split("\n")[0] ?? "";
  const m = /^(\d+) pairs?/.exec(line);
  return { pairs: m ? Number(m[1]) : /^no duplicates/.test(line) ? 0 : null, line };
}

function tally(keys) {
  const counts = new Map();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

function measure(root) {
  const files = walk(join(root, "src"), () => true)
    .map((p) => relative(root, p).split(sep).join("/"))
    .filter(isSource);
  const long = [];
  const deep = [];
  const upward = [];
  const errors = [];
  const helpers = Object.fromEntries(Object.keys(HELPERS).map((k) => [k, { count: 0, where: [] }]));
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    long.push(...longFunctions(sf, file));
    const imp = imports(root, sf, file);
    deep.push(...imp.deep);
    upward.push(...imp.upward);
    errors.push(...errorClasses(sf, file));
    for (const [key, rule] of Object.entries(HELPERS)) {
      const n = rule.count(text);
      if (n > 0) {
        helpers[key].count += n;
        helpers[key].where.push(n > 1 ? `${file} ×${n}` : file);
      }
    }
  }
  long.sort((a, b) => b.lines - a.lines);
  const classes = withCode(errors);
  return {
    files: files.length,
    longFunctions: { count: long.length, top: long.slice(0, 10) },
    deepImports: {
      count: deep.length,
      pastAnIndex: deep.filter((r) => r.toHasIndex).length,
      files: new Set(deep.map((r) => r.file)).size,
      byPair: tally(deep.map((r) => `${r.from} → ${r.to}`)),
      rows: deep,
    },
    upwardImports: { count: upward.length, rows: upward },
    errorClasses: {
      count: classes.length,
      withoutCode: classes.filter((c) => !c.code).map((c) => `${c.name} (${c.file})`),
      extendWxError: classes.filter((c) => c.base === "WxError").length,
    },
    helpers: Object.fromEntries(Object.entries(helpers).map(([k, v]) => [k, { ...v, how: HELPERS[k].how }])),
    citations: citations(root),
    duplicates: { tree: duplicatePairs(root), src: duplicatePairs(join(root, "src")) },
  };
}

function table(m, label) {
  const rows = [
    [`functions with bodies > ${LONG_LINES} lines`, m.longFunctions.count],
    ["cross-layer deep imports (not via index.ts)", m.deepImports.count],
    ["  of which past an existing index.ts", m.deepImports.pastAnIndex],
    ["  files that make them", m.deepImports.files],
    ["upward imports (against the layer order)", m.upwardImports.count],
    ["error classes", m.errorClasses.count],
    ["  of which without a code", m.errorClasses.withoutCode.length],
    ["  of which extend WxError", m.errorClasses.extendWxError],
    ...Object.entries(m.helpers).map(([k, v]) => [`helper copies: ${k}`, v.count]),
    ["§ citations in src/", m.citations.total],
    ["  of which unresolved in docs/protocol.md", m.citations.unresolved.length],
    ["duplicates pairs (whole tree)", m.duplicates.tree.pairs ?? "?"],
    ["duplicates pairs (src/)", m.duplicates.src.pairs ?? "?"],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  const out = [`structure metrics: ${label} (${m.files} src files)`];
  for (const [k, v] of rows) out.push(`${k.padEnd(w)}  ${v}`);
  const pairs = Object.entries(m.deepImports.byPair).slice(0, 8);
  out.push("", `deep imports by layer pair: ${pairs.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  out.push("", `top ${m.longFunctions.top.length} long functions:`);
  for (const f of m.longFunctions.top)
    out.push(`  ${String(f.lines).padStart(4)}  ${f.name}  ${f.file}:${f.line}`);
  if (m.upwardImports.rows.length > 0) out.push("", "upward imports:");
  for (const r of m.upwardImports.rows) out.push(`  ${r.file} → ${r.spec}`);
  if (m.errorClasses.withoutCode.length > 0)
    out.push("", `error classes without a code: ${m.errorClasses.withoutCode.join(", ")}`);
  out.push("", "helper copies, where:");
  for (const [k, v] of Object.entries(m.helpers)) out.push(`  ${k} (${v.how}): ${v.where.join(", ") || "-"}`);
  return out.join("\n");
}

const args = parseArgs(process.argv.slice(2));
const root = args.rev ? extract(args.rev) : process.cwd();
try {
  const m = measure(root);
  const label = args.rev ?? "working tree";
  process.stdout.write(`${args.json ? JSON.stringify({ rev: label, ...m }, null, 2) : table(m, label)}\n`);
} finally {
  if (args.rev) rmSync(root, { recursive: true, force: true });
}
