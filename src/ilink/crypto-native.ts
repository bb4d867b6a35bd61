/**
 * Loader for the optional AES-128-ECB addon (native/aes-ecb). It runs OpenSSL's EVP on whole
 * blocks straight into a buffer we provide, which Node's Cipher cannot do: its `update` allocates
 * a fresh output on every call (and for ECB allocates and copies once more), capping 1 MiB
 * one-shots near 10 % of what the same OpenSSL does. The addon is a speed-up only: when it is not
 * built, fails to load, or WXAGENT_NO_NATIVE_AES=1, `loadNativeAesEcb` returns undefined and
 * crypto.ts uses node:crypto with identical results.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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

/** Where `node native/aes-ecb/build.mjs` puts the addon; the same from src/ilink and dist/ilink. */
export const NATIVE_AES_ECB_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "native",
  "aes-ecb",
  "build",
  "Release",
  "aes_ecb.node",
);

export interface LoadOptions {
  /** Defaults to process.env; WXAGENT_NO_NATIVE_AES=1 disables the addon. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to NATIVE_AES_ECB_PATH. */
  path?: string;
}

/** The addon, or undefined when disabled, absent or unusable (never throws). */
export function loadNativeAesEcb(options: LoadOptions = {}): NativeAesEcb | undefined {
  const env = options.env ?? process.env;
  if (env.WXAGENT_NO_NATIVE_AES === "1") return undefined;
  const path = options.path ?? NATIVE_AES_ECB_PATH;
  if (!existsSync(path)) return undefined;
  try {
    const mod = createRequire(import.meta.url)(path) as Partial<NativeAesEcb>;
    if (typeof mod.ecbBlocks !== "function") return undefined;
    return selfTest(mod as NativeAesEcb) ? (mod as NativeAesEcb) : undefined;
  } catch {
    // Built for another Node ABI, a missing OpenSSL symbol, …: the fallback is correct, just slower.
    return undefined;
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
