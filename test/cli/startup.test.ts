/**
 * Issue 16 item 11: each command loads only what it uses. Which modules a command loads is the
 * cause of its start-up time (`npm run bench:cli` measures the time itself; no timed test here):
 * `--help` loads commander and nothing of ours but main.ts, `status` neither the config schema
 * (zod), nor pino, nor the gateway, the SDK's HTTP stack, the admin UI or the simulator.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureHome, openStore } from "../../src/store/index.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
let dir: string;
let home: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wxagent-startup-"));
  home = join(dir, "home");
  // A load hook that writes down every module the process loads.
  writeFileSync(
    join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  appendFileSync(process.env.WXAGENT_TEST_LOAD_LOG, url + "\\n");
  return next(url, context);
}
`,
  );
  // CommonJS modules (pino, better-sqlite3's own requires) bypass the hook: list the require cache at exit.
  writeFileSync(
    join(dir, "register.mjs"),
    `import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});
const cache = createRequire(import.meta.url).cache;
process.on("exit", () => {
  for (const f of Object.keys(cache)) appendFileSync(process.env.WXAGENT_TEST_LOAD_LOG, pathToFileURL(f).href + "\\n");
});
`,
  );
  const store = openStore(ensureHome(home).dbPath);
  store.accounts.upsert({
    id: "bot@im.bot",
    baseUrl: "http://127.0.0.1:9",
    cdnBaseUrl: "http://127.0.0.1:9/c2c",
    token: "tok-startup",
    ownerUserId: "o@im.wechat",
    state: "active",
  });
  await store.close();
  // A config that sets a model (the usual case) but leaves `gateway` alone.
  writeFileSync(join(home, "config.json"), JSON.stringify({ builtin: { provider: "openai", model: "x" } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The modules `wxagent <args>` loads: ours relative to src/, packages by name. */
async function loaded(args: string[]): Promise<{ ours: string[]; packages: string[]; code: number | null }> {
  const log = join(dir, `load-${args.join("-")}.log`);
  writeFileSync(log, "");
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--import", pathToFileURL(join(dir, "register.mjs")).href, MAIN, ...args],
      {
        env: { ...process.env, WXAGENT_HOME: home, WXAGENT_LOG_LEVEL: "warn", WXAGENT_TEST_LOAD_LOG: log },
        stdio: "ignore",
      },
    );
    child.on("close", resolve);
  });
  const urls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const paths = urls.filter((u) => u.startsWith("file:")).map((u) => fileURLToPath(u.split("?")[0] ?? u));
  const ours = paths.filter((p) => p.startsWith(SRC)).map((p) => p.slice(SRC.length));
  const packages = [
    ...new Set(
      paths
        .filter((p) => p.includes("/node_modules/") && !p.includes("/node_modules/tsx/"))
        .map((p) => {
          const rest = p.split("/node_modules/").pop() ?? "";
          const parts = rest.split("/");
          return rest.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? "");
        }),
    ),
  ].filter((p) => !["esbuild", "get-tsconfig", "resolve-pkg-maps"].includes(p));
  return { ours, packages, code };
}

describe("what each command loads", () => {
  it("--help: commander and main.ts only", async () => {
    const r = await loaded(["--help"]);
    expect(r.code).toBe(0);
    expect(r.ours.sort()).toEqual([
      "cli/errors.ts",
      "cli/main.ts",
      "shared/version.ts",
      "shared/wx-error.ts",
    ]);
    expect(r.packages).toEqual(["commander"]);
  });

  it("status: the store and the health facts, not zod, pino, the gateway or the servers", async () => {
    const r = await loaded(["status"]);
    expect(r.code).toBe(0);
    // The addon is opened by its path: not even the `bindings` package and its search.
    expect(r.packages.sort()).toEqual(["better-sqlite3", "commander"]);
    expect(r.ours).toContain("cli/commands/status.ts");
    expect(r.ours).toContain("ops/health.ts");
    for (const heavy of [
      "config/schema.ts",
      "gateway/gateway.ts",
      "ilink/client.ts",
      "admin/app.tsx",
      "simulator/index.ts",
    ]) {
      expect(r.ours).not.toContain(heavy);
    }
  });

  // The store reads the SDK's wire types and its dedupe key (one hash, shared by the Bot and the
  // gateway): leaf modules that load nothing of the client, the login or the CDN.
  const LEAF_SDK_MODULES = ["ilink/wire.ts", "ilink/dedup.ts"];

  it("sim --help and login --help do not load the simulator or the SDK", async () => {
    const sim = await loaded(["sim", "--help"]);
    expect(sim.code).toBe(0);
    expect(sim.ours.filter((p) => p.startsWith("simulator/"))).toEqual([]);
    expect(sim.packages).toEqual(["commander"]);
    const login = await loaded(["login", "--help"]);
    expect(login.code).toBe(0);
    expect(login.ours.filter((p) => p.startsWith("ilink/") && !LEAF_SDK_MODULES.includes(p))).toEqual([]);
    expect(login.packages).not.toContain("qrcode");
    expect(login.packages).not.toContain("zod");
  });
});
