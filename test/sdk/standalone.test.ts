/**
 * Issue 19 item 3: `wxagent/ilink` stands alone. Importing it, and making a `Bot`, loads no app module (store, gateway,
 * logger …), neither better-sqlite3 nor pino; and no file of src/ilink imports outside src/ilink
 * and src/shared, nor src/shared outside itself.
 *
 * The runtime check runs a fresh node (tsx for the TypeScript source) with a module hook that
 * appends every URL the ESM loader resolves to a file, synchronously, before the import it serves
 * goes on; CommonJS modules (pino and better-sqlite3 are CommonJS) are read from require.cache.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "wxagent-standalone-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOOKS = `
import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + "\\n");
  return r;
}
`;

/** Runs `import(entry)` in a fresh node; returns what it loaded: ESM URLs and CommonJS paths. */
async function loadedBy(entry: string): Promise<{ esm: string[]; cjs: string[] }> {
  const log = join(dir, "resolved.txt");
  writeFileSync(log, "");
  writeFileSync(join(dir, "hooks.mjs"), HOOKS);
  writeFileSync(
    join(dir, "register.mjs"),
    `import { register } from "node:module";
register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)}, { data: { file: ${JSON.stringify(log)} } });`,
  );
  writeFileSync(
    join(dir, "main.mjs"),
    `import { createRequire } from "node:module";
const sdk = await import(${JSON.stringify(pathToFileURL(entry).href)});
// Constructing a bot (it used to make a pino logger) loads nothing more either.
new sdk.Bot({ token: "t", fetch: async () => new Response("{}") });
process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`,
  );
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--import", pathToFileURL(join(dir, "register.mjs")).href, join(dir, "main.mjs")],
    { cwd: root, env: { ...process.env, NODE_OPTIONS: "" } },
  );
  const esm = readFileSync(log, "utf8").split("\n").filter(Boolean);
  return { esm, cjs: JSON.parse(stdout) as string[] };
}

const inRepo = (urlOrPath: string) =>
  relative(root, urlOrPath.startsWith("file:") ? new URL(urlOrPath).pathname : urlOrPath);

const built = join(root, "dist", "ilink", "index.js");
const entries = [
  {
    name: "the source (tsx)",
    top: "src",
    entry: join(root, "src", "ilink", "index.ts"),
    bot: "src/ilink/bot.ts",
  },
  // The package as published: dist/ beside package.json (run `npm run build` first, else skipped).
  { name: "the build (dist)", top: "dist", entry: built, bot: "dist/ilink/bot.js", skip: !existsSync(built) },
];

describe("wxagent/ilink stands alone", () => {
  for (const { name, top, entry, bot, skip } of entries) {
    it.skipIf(skip)(
      `importing ${name} loads only ilink/ and shared/, and neither better-sqlite3 nor pino`,
      async () => {
        const { esm, cjs } = await loadedBy(entry);
        const files = [...esm.filter((u) => u.startsWith("file:")), ...cjs].map(inRepo);
        const own = files.filter((f) => f.startsWith(`${top}/`));
        // The probe works: it saw the SDK itself.
        expect(own).toContain(bot);
        expect(own.filter((f) => !f.startsWith(`${top}/ilink/`) && !f.startsWith(`${top}/shared/`))).toEqual(
          [],
        );
        const packages = files.filter((f) => f.includes("node_modules/"));
        expect(packages.filter((f) => /node_modules\/(better-sqlite3|pino|pino-[^/]+)\//.test(f))).toEqual(
          [],
        );
      },
      30_000,
    );
  }
});

/** Relative import specifiers of a TypeScript file (static, dynamic and re-exports). */
function relativeImports(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
  for (const m of text.matchAll(re)) if (m[1]) out.push(m[1]);
  return out;
}

function tsFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => join(folder, f));
}

describe("imports of src/ilink and src/shared", () => {
  const cases = [
    { layer: "src/ilink", may: ["src/ilink/", "src/shared/"] },
    { layer: "src/shared", may: ["src/shared/"] },
  ];
  it.each(cases)("$layer imports only $may (tests included)", ({ layer, may }) => {
    const bad: string[] = [];
    const files = tsFiles(join(root, layer));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      for (const spec of relativeImports(readFileSync(file, "utf8"))) {
        const target = relative(root, resolve(dirname(file), spec));
        if (!may.some((m) => target.startsWith(m))) bad.push(`${relative(root, file)} -> ${spec}`);
      }
    }
    // ilink's own tests drive the simulator (a dev dependency of the tests, not of the SDK).
    const allowed = bad.filter((b) => !/^src\/ilink\/[^ ]+\.test\.ts -> \.\.\/simulator\//.test(b));
    expect(allowed).toEqual([]);
  });
});
