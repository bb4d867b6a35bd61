/**
 * The package as a registry user gets it: `npm pack` this checkout, `npm install` the tarball into
 * an empty folder (its dependencies come from the npm registry or npm's cache), then run the
 * installed `wxagent sim` and `wxagent start` against it. Proves the tarball carries the AES
 * addon's prebuilt binary for this platform, that the install compiles nothing for it, and that
 * `start` runs the native path from that prebuild (its start-up log line says which path runs).
 *
 * Slow (a pack, and better-sqlite3 compiles during the install: minutes on 2 cores), so it runs
 * only with WXAGENT_PACK_TEST=1, as its own step of .ci/run: `WXAGENT_PACK_TEST=1 npx vitest run
 * test/package`.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { type Running, spawnUntil, waitFor } from "./spawn.js";

const run = promisify(execFile);
const REPO = join(import.meta.dirname, "..", "..");
const TARGET = `${process.platform}-${process.arch}`;
const enabled = process.env.WXAGENT_PACK_TEST === "1";

const root = mkdtempSync(join(tmpdir(), "wx-pack-"));
const children: Running[] = [];
afterAll(async () => {
  for (const c of children) await c.stop();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!enabled)("the packed tarball, installed into an empty folder", () => {
  const app = join(root, "app");
  const home = join(root, "home");
  const bin = join(app, "node_modules", ".bin", "wxagent");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WXAGENT_HOME: home,
    WXAGENT_LOG_FORMAT: "json",
    WXAGENT_LOG_LEVEL: "info",
  };
  delete env.WXAGENT_NO_NATIVE_AES;
  let tarball = "";

  it("ships the addon's sources and this platform's prebuild, not a local build", async () => {
    await run("npm", ["pack", "--pack-destination", root], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
    const [name] = readdirSync(root).filter((f) => /^wxagent-.*\.tgz$/.test(f));
    expect(name).toBeDefined();
    const listed = await run("tar", ["-tzf", join(root, String(name))], { maxBuffer: 64 * 1024 * 1024 });
    const files = listed.stdout.split("\n").map((f) => f.replace(/^package\//, ""));
    expect(files).toContain("native/aes-ecb/aes_ecb.cc");
    expect(files).toContain("native/aes-ecb/build.mjs");
    expect(files).toContain("dist/simulator/chat/app.js");
    expect(files.filter((f) => f.startsWith(`native/aes-ecb/prebuilds/${TARGET}/`))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith("native/aes-ecb/build/"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([]);
    tarball = join(root, String(name));
  }, 300_000);

  it("installs offline from the tarball without compiling the addon", async () => {
    if (!tarball) throw new Error("no tarball: the pack step failed");
    rmSync(app, { recursive: true, force: true });
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "wx-pack-check", private: true }));
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], {
      cwd: app,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(existsSync(bin)).toBe(true);
    const addon = join(app, "node_modules", "wxagent", "native", "aes-ecb");
    expect(existsSync(join(addon, "prebuilds", TARGET))).toBe(true);
    // The install script found the prebuild loadable and built nothing.
    expect(existsSync(join(addon, "build"))).toBe(false);
  }, 900_000);

  it("runs `wxagent sim`, and `wxagent start` against it answers on the native AES path", async () => {
    if (!existsSync(bin)) throw new Error(`no ${bin}: the install step failed`);
    const sim = spawnUntil(bin, ["sim", "--port", "0"], { env, cwd: app }, (out) =>
      /wxagent simulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout),
    );
    children.push(sim);
    const url = (await sim.ready)[1];
    // The chat page's script is the bundle the tarball carries (dist/simulator/chat/app.js).
    const script = await fetch(`${url}/chat/app.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("/sim/events");
    const acct = (await (await fetch(`${url}/sim/accounts`, { method: "POST", body: "{}" })).json()) as {
      account_id: string;
      token: string;
      owner_user_id: string;
    };
    await run(
      bin,
      [
        "accounts",
        "add",
        "--base-url",
        `${url}`,
        "--cdn-base-url",
        `${url}/c2c`,
        "--token",
        acct.token,
      ].concat(["--account-id", acct.account_id, "--owner", acct.owner_user_id]),
      { env, cwd: app },
    );

    const start = spawnUntil(bin, ["start", "--no-sim", "--agent", "echo"], { env, cwd: app }, (out) =>
      out.stderr
        .split("\n")
        .map((l) => (l.startsWith("{") ? (JSON.parse(l) as { msg?: string; aes?: unknown }) : {}))
        .find((l) => l.msg?.startsWith("media AES:")),
    );
    children.push(start);
    const line = await start.ready;
    expect(line.aes).toEqual({ path: "native", addon: expect.stringMatching(`^prebuilds/${TARGET}/`) });

    await fetch(`${url}/sim/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ account_id: acct.account_id, from: acct.owner_user_id, text: "packed hello" }),
    });
    const reply = await waitFor(async () => {
      const r = (await (await fetch(`${url}/sim/messages?direction=outbound`)).json()) as {
        messages: { items: { text?: string }[] }[];
      };
      return r.messages[0]?.items[0]?.text;
    }, 30_000);
    expect(reply).toBe("packed hello");
    expect(await start.stop()).toBe(0);
  }, 120_000);
});
