/**
 * The two AES-128-ECB paths (native/aes-ecb addon and the node:crypto fallback) against Node's own
 * cipher with PKCS#7, byte for byte, plus their shared error behaviour and the loader's fallback.
 * Native cases are skipped when the addon is not built (`node native/aes-ecb/build.mjs`); set
 * WXAGENT_REQUIRE_NATIVE_AES=1 to make its absence a failure instead.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { afterAll, describe, expect, it, vi } from "vitest";
import { type AesEcb, createAesEcb, paddedSize } from "./crypto.js";
import { loadNativeAesEcb, NATIVE_AES_ECB_DIR } from "./crypto-native.js";
import { isILinkError } from "./errors.js";

const KEY = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
const OTHER_KEY = Buffer.alloc(16, 1);
const KiB = 1024;
const SIZES = [0, 1, 15, 16, 17, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 1024 * KiB + 3];

const native = loadNativeAesEcb();
const paths: [string, AesEcb][] = [["node", createAesEcb()]];
if (native) paths.push(["native", createAesEcb(native)]);

function reference(plain: Uint8Array, key: Uint8Array): Buffer {
  const c = createCipheriv("aes-128-ecb", key, null);
  return Buffer.concat([c.update(plain), c.final()]);
}

/** Deterministic uneven chunking (a small LCG), so stream boundaries fall mid-block. */
function chunksOf(buf: Buffer, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let s = seed;
  for (let i = 0; i < buf.length; ) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (s % 40_000);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

async function expectDecryptFailed(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isILinkError(err, "DECRYPT_FAILED")).toBe(true);
}

it("the addon loads when it is built (required when WXAGENT_REQUIRE_NATIVE_AES=1)", () => {
  if (process.env.WXAGENT_REQUIRE_NATIVE_AES === "1") expect(native).toBeDefined();
  if (native) expect(native.openssl).toContain(process.versions.openssl);
});

describe.each(paths)("%s path", (_name, aes) => {
  it.each(SIZES)(
    "%i bytes: same ciphertext as node:crypto, one-shot, into a buffer and streamed",
    async (size) => {
      const plain = randomBytes(size);
      const key = randomBytes(16);
      const expected = reference(plain, key);

      expect(aes.encrypt(plain, key).equals(expected)).toBe(true);
      expect(aes.decrypt(expected, key).equals(plain)).toBe(true);

      const out = Buffer.alloc(paddedSize(size) + 5, 0xee);
      expect(aes.encryptInto(plain, key, out)).toBe(expected.length);
      expect(out.subarray(0, expected.length).equals(expected)).toBe(true);
      expect(out.subarray(expected.length).every((b) => b === 0xee)).toBe(true); // nothing past the end
      const back = Buffer.alloc(expected.length);
      expect(aes.decryptInto(expected, key, back)).toBe(size);
      expect(back.subarray(0, size).equals(plain)).toBe(true);

      const streamed = await buffer(Readable.from(chunksOf(plain, size)).pipe(aes.createEncryptStream(key)));
      expect(streamed.equals(expected)).toBe(true);
      const unstreamed = await buffer(
        Readable.from(chunksOf(expected, size + 1)).pipe(aes.createDecryptStream(key)),
      );
      expect(unstreamed.equals(plain)).toBe(true);

      // In place: the same bytes out, from chunks the stream may overwrite (copies of ours).
      const ownChunks = (b: Buffer, seed: number) => chunksOf(b, seed).map((c) => Buffer.from(c));
      const inPlace = await buffer(
        Readable.from(ownChunks(plain, size)).pipe(aes.createEncryptStream(key, { inPlace: true })),
      );
      expect(inPlace.equals(expected)).toBe(true);
      const inPlaceBack = await buffer(
        Readable.from(ownChunks(expected, size + 1)).pipe(aes.createDecryptStream(key, { inPlace: true })),
      );
      expect(inPlaceBack.equals(plain)).toBe(true);
    },
  );

  it("streams chunks of one byte and of exact blocks", async () => {
    const plain = randomBytes(100);
    const expected = reference(plain, KEY);
    const bytes = [...plain].map((b) => Buffer.from([b]));
    expect((await buffer(Readable.from(bytes).pipe(aes.createEncryptStream(KEY)))).equals(expected)).toBe(
      true,
    );
    const blocks = [0, 16, 32, 48, 64, 80, 96, 112].map((i) => expected.subarray(i, i + 16));
    expect((await buffer(Readable.from(blocks).pipe(aes.createDecryptStream(KEY)))).equals(plain)).toBe(true);
  });

  it("encrypts and decrypts in place", () => {
    const plain = randomBytes(1000);
    const buf = Buffer.alloc(paddedSize(1000));
    plain.copy(buf);
    const size = aes.encryptInto(buf.subarray(0, 1000), KEY, buf);
    expect(buf.subarray(0, size).equals(reference(plain, KEY))).toBe(true);
    expect(aes.decryptInto(buf, KEY, buf)).toBe(1000);
    expect(buf.subarray(0, 1000).equals(plain)).toBe(true);
  });

  it("a wrong key or truncated ciphertext fails with DECRYPT_FAILED, one-shot and streamed", async () => {
    // Fixed inputs: with random ones a wrong key yields valid-looking padding about once in 256 runs.
    const ct = reference(Buffer.alloc(40, 0x41), KEY);
    const cases: [string, Buffer, Buffer][] = [
      ["wrong key", ct, OTHER_KEY],
      ["cut mid-block", ct.subarray(0, 40), KEY],
      ["last block dropped", ct.subarray(0, 32), KEY],
      ["empty", Buffer.alloc(0), KEY],
    ];
    for (const [, bytes, key] of cases) {
      expect(() => aes.decrypt(bytes, key)).toThrow(expect.objectContaining({ code: "DECRYPT_FAILED" }));
      expect(() => aes.decryptInto(bytes, key, Buffer.alloc(64))).toThrow(
        expect.objectContaining({ code: "DECRYPT_FAILED" }),
      );
      await expectDecryptFailed(pipeline(Readable.from([bytes]), aes.createDecryptStream(key)));
    }
  });

  it("refuses a short output buffer and a bad key", () => {
    expect(() => aes.encryptInto(Buffer.alloc(16), KEY, Buffer.alloc(16))).toThrow(RangeError);
    expect(() => aes.decryptInto(Buffer.alloc(32), KEY, Buffer.alloc(31))).toThrow(RangeError);
    expect(() => aes.encrypt(Buffer.alloc(1), Buffer.alloc(15))).toThrow(
      expect.objectContaining({ code: "BAD_AES_KEY" }),
    );
    expect(() => aes.createDecryptStream(Buffer.alloc(17))).toThrow(
      expect.objectContaining({ code: "BAD_AES_KEY" }),
    );
  });
});

describe.skipIf(!native)("the addon's own argument checks", () => {
  it("rejects partial blocks and partially overlapping buffers", () => {
    const buf = Buffer.alloc(64);
    expect(() => native?.ecbBlocks(true, KEY, buf.subarray(0, 15), buf.subarray(32))).toThrow(
      /multiple of 16/,
    );
    expect(() => native?.ecbBlocks(true, KEY, buf.subarray(0, 32), buf.subarray(16, 48))).toThrow(/overlap/);
    expect(() => native?.ecbBlocks(true, KEY.subarray(0, 8), buf, buf)).toThrow(/16 bytes/);
  });
});

describe("falling back to node:crypto", () => {
  const dir = mkdtempSync(join(tmpdir(), "wx-aes-loader-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is chosen when WXAGENT_NO_NATIVE_AES=1, when the addon is absent, or when it fails to load", () => {
    expect(loadNativeAesEcb({ env: { WXAGENT_NO_NATIVE_AES: "1" } })).toBeUndefined();
    expect(loadNativeAesEcb({ path: join(dir, "missing.node") })).toBeUndefined();
    const broken = join(dir, "broken.node");
    writeFileSync(broken, "not a shared object");
    expect(loadNativeAesEcb({ path: broken })).toBeUndefined();
  });

  it("refuses an addon that fails the known-answer self-test", () => {
    const wrong = join(dir, "wrong.cjs");
    writeFileSync(
      wrong,
      "exports.openssl = 'x'; exports.ecbBlocks = (e, k, s, d) => { d.fill(0, 0, s.length); return s.length; };",
    );
    expect(loadNativeAesEcb({ path: wrong })).toBeUndefined();
  });

  it("the module's default is node:crypto when WXAGENT_NO_NATIVE_AES=1, with the same bytes", async () => {
    vi.stubEnv("WXAGENT_NO_NATIVE_AES", "1");
    vi.resetModules();
    try {
      const mod = await import("./crypto.js");
      expect(mod.aesPath).toBe("node");
      const plain = randomBytes(70_000);
      expect(mod.encryptAesEcb(plain, KEY).equals(reference(plain, KEY))).toBe(true);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it.skipIf(!native)("the module's default is the addon when it is built", async () => {
    const mod = await import("./crypto.js");
    expect(mod.aesPath).toBe("native");
  });

  it("the addon is looked up next to the sources", () => {
    expect(NATIVE_AES_ECB_DIR).toMatch(/native[/\\]aes-ecb$/);
  });
});
