import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import {
  aesKeyFromHex,
  createDecryptStream,
  createEncryptStream,
  decryptAesEcb,
  encodeAesKeyForSend,
  encryptAesEcb,
  imageKey,
  paddedSize,
  parseAesKey,
} from "./crypto.js";
import { isILinkError } from "./errors.js";

const KEY_HEX = "000102030405060708090a0b0c0d0e0f";
const KEY = Buffer.from(KEY_HEX, "hex");

describe("AES-128-ECB (§10.1)", () => {
  it("matches the FIPS-197 C.1 known answer for the first block", () => {
    const plain = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    const out = encryptAesEcb(plain, KEY);
    expect(out.subarray(0, 16).toString("hex")).toBe("69c4e0d86a7b0430d8cdb78070b4c55a");
    expect(out.length).toBe(32); // a full padding block follows a 16-byte plaintext
    expect(decryptAesEcb(out, KEY).equals(plain)).toBe(true);
  });

  it.each([
    [0, 16],
    [15, 16],
    [16, 32],
    [17, 32],
    [1000, 1008],
  ])("paddedSize(%i) = %i and matches real ciphertext", (n, size) => {
    expect(paddedSize(n)).toBe(size);
    expect(encryptAesEcb(Buffer.alloc(n, 7), KEY).length).toBe(size);
  });

  it("streams to the same bytes as the one-shot version", async () => {
    const plain = Buffer.alloc(100_003, 0x5a);
    const chunks = [plain.subarray(0, 7), plain.subarray(7, 50_000), plain.subarray(50_000)];
    const enc = createEncryptStream(KEY);
    const cipherText = await buffer(Readable.from(chunks).pipe(enc));
    expect(cipherText.equals(encryptAesEcb(plain, KEY))).toBe(true);
    const dec = createDecryptStream(KEY);
    expect((await buffer(Readable.from([cipherText]).pipe(dec))).equals(plain)).toBe(true);
  });

  it("fails decryption of truncated ciphertext and with a wrong key, with DECRYPT_FAILED", () => {
    const ct = encryptAesEcb(Buffer.from("hello world"), KEY);
    expect(() => decryptAesEcb(ct.subarray(0, 15), KEY)).toThrow(
      expect.objectContaining({ code: "DECRYPT_FAILED" }),
    );
    const other = Buffer.alloc(16, 1);
    let err: unknown;
    try {
      decryptAesEcb(ct, other);
    } catch (e) {
      err = e;
    }
    // a wrong key fails the padding check with overwhelming probability
    expect(isILinkError(err, "DECRYPT_FAILED")).toBe(true);
  });

  it("a streaming decrypt of truncated ciphertext rejects", async () => {
    const ct = encryptAesEcb(Buffer.alloc(40), KEY);
    await expect(pipeline(Readable.from([ct.subarray(0, 40)]), createDecryptStream(KEY))).rejects.toThrow();
  });

  it("refuses keys that are not 16 bytes", () => {
    expect(() => encryptAesEcb(Buffer.alloc(1), Buffer.alloc(15))).toThrow(
      expect.objectContaining({ code: "BAD_AES_KEY" }),
    );
  });
});

describe("AES key encodings (§10.2)", () => {
  const KEY2_HEX = "00112233445566778899aabbccddeeff";
  const KEY2 = Buffer.from(KEY2_HEX, "hex");

  it("form A: base64 of the raw 16 bytes", () => {
    expect(parseAesKey(KEY2.toString("base64")).equals(KEY2)).toBe(true);
  });

  it("form B: base64 of the 32-char hex (the spec's example string)", () => {
    expect(parseAesKey("MDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZGVlZmY=").equals(KEY2)).toBe(true);
  });

  it("encodes for sending as base64 of the hex ASCII (44 chars)", () => {
    const sent = encodeAesKeyForSend(KEY2_HEX);
    expect(sent).toBe("MDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZGVlZmY=");
    expect(sent).toHaveLength(44);
    expect(parseAesKey(sent).equals(KEY2)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["not base64", "!!!not base64!!!"],
    ["8 bytes", Buffer.alloc(8).toString("base64")],
    ["32 bytes but not hex", Buffer.alloc(32, 0x7a).toString("base64")],
  ])("rejects a broken key (%s) with BAD_AES_KEY", (_name, b64) => {
    expect(() => parseAesKey(b64)).toThrow(expect.objectContaining({ code: "BAD_AES_KEY" }));
  });

  it("rejects bad hex", () => {
    expect(() => aesKeyFromHex("abc")).toThrow(expect.objectContaining({ code: "BAD_AES_KEY" }));
    expect(() => encodeAesKeyForSend("zz".repeat(16))).toThrow(
      expect.objectContaining({ code: "BAD_AES_KEY" }),
    );
  });

  it("imageKey prefers image_item.aeskey (hex) over media.aes_key, and is undefined without keys", () => {
    const other = Buffer.alloc(16, 9).toString("base64");
    expect(imageKey({ aeskey: KEY2_HEX, media: { aes_key: other } })?.equals(KEY2)).toBe(true);
    expect(imageKey({ media: { aes_key: KEY2.toString("base64") } })?.equals(KEY2)).toBe(true);
    expect(imageKey({ media: { encrypt_query_param: "x" } })).toBeUndefined();
  });
});
