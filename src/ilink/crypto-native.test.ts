/**
 * Where the AES addon is found (node-gyp-build: a local build first, then a prebuild for this
 * platform) and what the process reports when it falls back to node:crypto. The cases that need a
 * working binary copy the one this checkout built, so they skip when it is not built.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeAesStatus } from "./crypto.js";
import { addonLabel, probeNativeAesEcb } from "./crypto-native.js";

const built = probeNativeAesEcb();
const builtFile = built.addon ? built.file : undefined;
const root = mkdtempSync(join(tmpdir(), "wx-aes-probe-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const target = `${process.platform}-${process.arch}`;

/** An addon folder like the packed one: package.json plus the given files (path → source file or bytes). */
function addonDir(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "wxagent-aes-ecb" }));
  for (const [rel, from] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    if (typeof from === "string") copyFileSync(from, join(dir, rel));
    else writeFileSync(join(dir, rel), from);
  }
  return dir;
}

describe.skipIf(!builtFile)("with a working binary", () => {
  const file = builtFile ?? "";

  it("loads the prebuild for this platform when nothing was built from source", () => {
    const dir = addonDir("prebuilt", { [`prebuilds/${target}/wxagent-aes-ecb.node`]: file });
    const probe = probeNativeAesEcb({ dir, env: {} });
    expect(probe.addon).toBeDefined();
    expect(probe.addon ? addonLabel(probe.file, dir) : "").toBe(
      join("prebuilds", target, "wxagent-aes-ecb.node"),
    );
  });

  it("prefers a local build (build/Release) over the prebuild", () => {
    const dir = addonDir("both", {
      "build/Release/aes_ecb.node": file,
      [`prebuilds/${target}/wxagent-aes-ecb.node`]: file,
    });
    const probe = probeNativeAesEcb({ dir, env: {} });
    expect(probe.addon ? addonLabel(probe.file, dir) : "").toBe(join("build", "Release", "aes_ecb.node"));
  });

  it("WXAGENT_NO_NATIVE_AES=1 wins over a working prebuild, and says so", () => {
    const dir = addonDir("disabled", { [`prebuilds/${target}/wxagent-aes-ecb.node`]: file });
    const probe = probeNativeAesEcb({ dir, env: { WXAGENT_NO_NATIVE_AES: "1" } });
    expect(probe).toEqual({ addon: undefined, reason: "WXAGENT_NO_NATIVE_AES=1" });
  });
});

describe("falling back, with the reason and the fix", () => {
  it("no prebuild for this platform: names the platform and how to build from source", () => {
    const dir = addonDir("elsewhere", { "prebuilds/plan9-mips/wxagent-aes-ecb.node": Buffer.from("x") });
    const probe = probeNativeAesEcb({ dir, env: {} });
    expect(probe.addon).toBeUndefined();
    if (probe.addon) return;
    expect(probe.reason).toBe(`no addon built or prebuilt for ${target} in ${dir}`);
    expect(probe.fix).toContain(`node ${join(dir, "build.mjs")}`);
  });

  it("a prebuild that is not a loadable binary: names the file and the loader's error", () => {
    const dir = addonDir("broken", { [`prebuilds/${target}/wxagent-aes-ecb.node`]: Buffer.from("not elf") });
    const probe = probeNativeAesEcb({ dir, env: {} });
    expect(probe.addon).toBeUndefined();
    if (probe.addon) return;
    expect(probe.reason).toMatch(/wxagent-aes-ecb\.node did not load: .+/);
    expect(probe.reason).not.toContain("\n");
  });

  it("describes either path in one line for the gateway's start-up log", () => {
    expect(
      describeAesStatus({ path: "native", addon: "prebuilds/linux-x64/wxagent-aes-ecb.glibc.node" }),
    ).toBe("native addon (prebuilds/linux-x64/wxagent-aes-ecb.glibc.node)");
    expect(describeAesStatus({ path: "node", reason: "WXAGENT_NO_NATIVE_AES=1" })).toBe(
      "node:crypto, slower on large media (WXAGENT_NO_NATIVE_AES=1)",
    );
  });
});
