/**
 * The simulator's own CDN crypto (AES-128-ECB with PKCS#7, MD5, SHA-256), written independently
 * of the SDK's so a bug there cannot hide itself by being shared (docs/protocol.md §10).
 */
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";

const HEX32 = /^[0-9a-fA-F]{32}$/;

/** Ciphertext length of AES-128-ECB/PKCS#7 for n plaintext bytes: always 1–16 bytes more. */
export function paddedSize(rawSize: number): number {
  return Math.ceil((rawSize + 1) / 16) * 16;
}

export function encryptEcb(plain: Uint8Array, key: Uint8Array): Buffer {
  const cipher = createCipheriv("aes-128-ecb", key, null);
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

/** Throws when the padding is wrong (a wrong key almost always shows up that way). */
export function decryptEcb(cipherText: Uint8Array, key: Uint8Array): Buffer {
  const decipher = createDecipheriv("aes-128-ecb", key, null);
  return Buffer.concat([decipher.update(cipherText), decipher.final()]);
}

export function md5Hex(data: Uint8Array | string): string {
  return createHash("md5").update(data).digest("hex");
}

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function isHex32(value: unknown): value is string {
  return typeof value === "string" && HEX32.test(value);
}

/**
 * Reads a `CDNMedia.aes_key` in either wire encoding (§10.2): base64 of the raw 16 bytes, or
 * base64 of the 32-char hex string. Returns undefined for anything else.
 */
export function parseWireAesKey(aesKey: string): Buffer | undefined {
  const decoded = Buffer.from(aesKey, "base64");
  if (decoded.length === 16) return decoded;
  const ascii = decoded.toString("ascii");
  if (decoded.length === 32 && HEX32.test(ascii)) return Buffer.from(ascii, "hex");
  return undefined;
}
