/**
 * Loader for the optional AES-128-ECB addon (native/aes-ecb). It runs OpenSSL's EVP on whole
 * blocks straight into a buffer we provide, which Node's Cipher cannot do: its `update` allocates
 * a fresh output on every call (and for ECB allocates and copies once more), capping 1 MiB
 * one-shots near 10 % of what the same OpenSSL does. The addon is a speed-up only: when it is not
 * built, no prebuild fits, it fails to load, or WXAGENT_NO_NATIVE_AES=1, `loadNativeAesEcb`
 * returns undefined and crypto.ts uses node:crypto with identical results.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export interface NativeAesEcb {
  /**
   * AES-128-ECB without padding over `src` (a multiple of 16 bytes) into `dst` (at least as
   * long; `dst` may be `src` itself, but not a partial overlap). Returns the bytes written.
   */
  ecbBlocks(encrypt: boolean, key: Uint8Array, src: Uint8Array, dst: Uint8Array): number;
  /** The OpenSSL version the addon runs on (Node's own). */
  readonly openssl: string;
}

/**
 * The addon's package folder, the same from src/ilink and dist/ilink. The binary is looked up
 * there by node-gyp-build: first `build/Release/*.node` (built from source by `npm ci` in a
 * checkout, or by the install script where no prebuild fits), then the prebuilt binaries that
 * `npm pack` puts in `prebuilds/<platform>-<arch>/`.
 */
export const NATIVE_AES_ECB_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "native",
  "aes-ecb",
);

const require = createRequire(import.meta.url);

export interface LoadOptions {
  /** Defaults to process.env; WXAGENT_NO_NATIVE_AES=1 disables the addon. */
  env?: NodeJS.ProcessEnv;
  /** One addon file to load instead of looking it up in `dir`. */
  path?: string;
  /** Where to look the addon up (defaults to NATIVE_AES_ECB_DIR). */
  dir?: string;
}

/** What loading the addon came to: the addon and its file, or why node:crypto is used. */
export type NativeAesProbe =
  | { addon: NativeAesEcb; file: string }
  | { addon: undefined; reason: string; fix?: string };

/** The addon, or undefined when disabled, absent or unusable (never throws). */
export function loadNativeAesEcb(options: LoadOptions = {}): NativeAesEcb | undefined {
  return probeNativeAesEcb(options).addon;
}

/** Like loadNativeAesEcb, with the file it loaded or the reason it did not (never throws). */
export function probeNativeAesEcb(options: LoadOptions = {}): NativeAesProbe {
  const env = options.env ?? process.env;
  if (env.WXAGENT_NO_NATIVE_AES === "1") return { addon: undefined, reason: "WXAGENT_NO_NATIVE_AES=1" };
  const dir = options.dir ?? NATIVE_AES_ECB_DIR;
  const fix = `build it from source with \`node ${join(dir, "build.mjs")}\` (needs a C++ compiler and Python)`;
  const file = options.path ?? findAddon(dir);
  if (!file || !existsSync(file)) {
    const target = `${process.platform}-${process.arch}`;
    return { addon: undefined, reason: `no addon built or prebuilt for ${target} in ${dir}`, fix };
  }
  let mod: Partial<NativeAesEcb>;
  try {
    mod = require(file) as Partial<NativeAesEcb>;
  } catch (err) {
    // Built for another Node ABI, a missing OpenSSL symbol, …: the fallback is correct, just slower.
    const why = (err as Error).message.split("\n")[0];
    return { addon: undefined, reason: `${file} did not load: ${why}`, fix };
  }
  if (!passesSelfTest(mod)) {
    return { addon: undefined, reason: `${file} failed the AES known-answer self-test`, fix };
  }
  return { addon: mod, file };
}

/** node-gyp-build's choice in `dir` (a local build first, then a matching prebuild), or undefined. */
function findAddon(dir: string): string | undefined {
  try {
    const gypBuild = require("node-gyp-build") as { resolve(dir: string): string };
    return gypBuild.resolve(dir);
  } catch {
    return undefined; // "No native build was found for platform=…": nothing fits this machine
  }
}

/** `file` relative to the addon folder when inside it (`prebuilds/linux-x64/….node`), for logs. */
export function addonLabel(file: string, dir = NATIVE_AES_ECB_DIR): string {
  const rel = relative(dir, file);
  return rel.startsWith("..") ? file : rel;
}

function passesSelfTest(mod: Partial<NativeAesEcb>): mod is NativeAesEcb {
  try {
    return typeof mod.ecbBlocks === "function" && selfTest(mod as NativeAesEcb);
  } catch {
    return false;
  }
}

/** FIPS-197 appendix C.1: one known answer in each direction before we trust the addon with media. */
function selfTest(mod: NativeAesEcb): boolean {
  const key = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
  const plain = Buffer.from("00112233445566778899aabbccddeeff", "hex");
  const expected = "69c4e0d86a7b0430d8cdb78070b4c55a";
  const out = Buffer.alloc(16);
  if (mod.ecbBlocks(true, key, plain, out) !== 16 || out.toString("hex") !== expected) return false;
  mod.ecbBlocks(false, key, out, out);
  return out.equals(plain);
}
