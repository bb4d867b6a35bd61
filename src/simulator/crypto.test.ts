import { describe, expect, it } from "vitest";
import { verifies } from "../../test/protocol/requirements.js";
import { decryptEcb, encryptEcb, isHex32, md5Hex, paddedSize, parseWireAesKey } from "./crypto.js";
import { createPrng } from "./prng.js";

describe("simulator crypto", () => {
  it(`pads to ceil((n+1)/16)*16 ${verifies("cdn:padded-size")}`, () => {
    expect([0, 15, 16, 17, 31, 32].map(paddedSize)).toEqual([16, 16, 32, 32, 32, 48]);
    const key = Buffer.alloc(16, 7);
    for (const n of [0, 15, 16, 17]) {
      const plain = Buffer.alloc(n, 1);
      const cipher = encryptEcb(plain, key);
      expect(cipher.length).toBe(paddedSize(n));
      expect(decryptEcb(cipher, key).equals(plain)).toBe(true);
    }
  });

  it(`reads both aes_key encodings and rejects others ${verifies("cdn:aes-key-encodings")}`, () => {
    const hex = "00112233445566778899aabbccddeeff";
    const raw = Buffer.from(hex, "hex");
    expect(parseWireAesKey(raw.toString("base64"))?.equals(raw)).toBe(true);
    expect(parseWireAesKey("MDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZGVlZmY=")?.equals(raw)).toBe(true);
    expect(parseWireAesKey(Buffer.alloc(20).toString("base64"))).toBeUndefined();
    expect(isHex32(hex)).toBe(true);
    expect(isHex32(`${hex}0`)).toBe(false);
    expect(md5Hex("")).toBe("d41d8cd98f00b204e9800998ecf8427e");
  });

  it("a wrong key fails on the padding", () => {
    const cipher = encryptEcb(Buffer.from("hello"), Buffer.alloc(16, 1));
    expect(() => decryptEcb(cipher, Buffer.alloc(16, 2))).toThrow();
  });

  it(`the PRNG repeats for a seed ${verifies("sim:seed")}`, () => {
    const a = createPrng(42);
    const b = createPrng(42);
    expect([a.next(), a.hex(8), a.int(1, 6)]).toEqual([b.next(), b.hex(8), b.int(1, 6)]);
    expect(createPrng(43).hex(8)).not.toBe(createPrng(42).hex(8));
  });
});
