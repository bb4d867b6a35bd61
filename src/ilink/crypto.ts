/**
 * CDN media cipher (docs/protocol.md §10): AES-128-ECB with PKCS#7 padding, no IV, over the whole
 * file, and the AES key encodings seen on the wire (§10.2).
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { addonLabel, type NativeAesEcb, probeNativeAesEcb } from "./crypto-native.js";
import { ILinkError } from "./errors.js";
import type { ImageItem } from "./wire.js";

const ALGORITHM = "aes-128-ecb";
export const AES_KEY_BYTES = 16;
export const AES_BLOCK_BYTES = 16;

function checkKey(key: Uint8Array): void {
  if (key.length !== AES_KEY_BYTES) {
    throw new ILinkError("BAD_AES_KEY", `AES key must be 16 bytes, got ${key.length}`);
  }
}

/**
 * Ciphertext size for `plainBytes` of plaintext: PKCS#7 always adds 1–16 bytes.
 *
 * @example
 * import { paddedSize } from "wxagent/ilink/crypto";
 * const cipherBytes = paddedSize(100); // 112
 */
export function paddedSize(plainBytes: number): number {
  return Math.ceil((plainBytes + 1) / AES_BLOCK_BYTES) * AES_BLOCK_BYTES;
}

/**
 * Raw AES-128-ECB over whole blocks (`src.length` a multiple of 16) into `dst`, which may be `src`
 * itself. Everything else (PKCS#7, stream state, errors) is built on this in one place, so the
 * addon and the node:crypto fallback can only differ in speed.
 */
type EcbBlocks = (encrypt: boolean, key: Uint8Array, src: Uint8Array, dst: Uint8Array) => number;

/**
 * The fallback: Node's cipher allocates a fresh output buffer per `update`; large ones cost page
 * faults, so the work goes in 64 KiB slices copied into `dst` (measured: 64 KiB slices ≈ 2× the
 * speed of one 1 MiB update, 16 MiB updates slower still).
 */
const SLICE_BYTES = 64 * 1024;

function nodeEcbBlocks(encrypt: boolean, key: Uint8Array, src: Uint8Array, dst: Uint8Array): number {
  const c = encrypt ? createCipheriv(ALGORITHM, key, null) : createDecipheriv(ALGORITHM, key, null);
  c.setAutoPadding(false);
  let off = 0;
  // In place is safe: slice i is written only after it has been read, and never past it.
  for (let i = 0; i < src.length; i += SLICE_BYTES) {
    off += c.update(src.subarray(i, i + SLICE_BYTES)).copy(dst, off);
  }
  c.final(); // whole blocks and no padding: nothing is left
  return off;
}

/**
 * A stream's block cipher: one key, one direction, whole blocks in, a new buffer of the same
 * length out. On node:crypto it is one Cipher kept for the stream (ECB without padding has no
 * state between blocks), so a chunk costs one `update` and no copy.
 */
type EcbSession = (src: Uint8Array) => Buffer;

function nodeSession(encrypt: boolean, key: Uint8Array): EcbSession {
  const c = encrypt ? createCipheriv(ALGORITHM, key, null) : createDecipheriv(ALGORITHM, key, null);
  c.setAutoPadding(false);
  return (src) => c.update(src);
}

function nativeSession(
  native: NativeAesEcb,
  encrypt: boolean,
  key: Uint8Array,
  inPlace: boolean,
): EcbSession {
  if (inPlace) {
    return (src) => {
      native.ecbBlocks(encrypt, key, src, src);
      return Buffer.from(src.buffer, src.byteOffset, src.byteLength);
    };
  }
  return (src) => {
    const out = Buffer.allocUnsafe(src.length);
    native.ecbBlocks(encrypt, key, src, out);
    return out;
  };
}

export interface EcbStreamOptions {
  /**
   * Encrypt or decrypt each chunk in the memory it arrived in, instead of a new buffer per chunk
   * (halves the garbage of a large transfer). Only for sources that hand over chunks nobody else
   * holds, such as `fs.createReadStream`; the node:crypto fallback always allocates.
   */
  inPlace?: boolean;
}

/**
 * Which implementation runs the block cipher: the native/aes-ecb addon or node:crypto.
 *
 * @example
 * import { type AesPath, aesPath } from "wxagent/ilink/crypto";
 * const path: AesPath = aesPath; // "native" or "node"
 */
export type AesPath = "native" | "node";

/** AES-128-ECB with PKCS#7 over one block engine; the module's exports use the default one. */
export interface AesEcb {
  readonly path: AesPath;
  encrypt(plain: Uint8Array, key: Uint8Array): Buffer;
  decrypt(cipherText: Uint8Array, key: Uint8Array): Buffer;
  encryptInto(plain: Uint8Array, key: Uint8Array, out: Uint8Array): number;
  decryptInto(cipherText: Uint8Array, key: Uint8Array, out: Uint8Array): number;
  createEncryptStream(key: Uint8Array, options?: EcbStreamOptions): Transform;
  createDecryptStream(key: Uint8Array, options?: EcbStreamOptions): Transform;
}

/** Length of the plaintext in `buf[0, end)` after PKCS#7, or -1 when the padding is not valid. */
function unpaddedLength(buf: Uint8Array, end: number): number {
  const pad = buf[end - 1] ?? 0;
  if (pad < 1 || pad > AES_BLOCK_BYTES) return -1;
  for (let i = end - pad; i < end - 1; i++) if (buf[i] !== pad) return -1;
  return end - pad;
}

function badPadding(): ILinkError {
  return decryptFailed(new Error("bad decrypt: the last block does not end in valid PKCS#7 padding"));
}

function badLength(bytes: number): ILinkError {
  return decryptFailed(
    new Error(`wrong final block length: ${bytes} bytes is not a positive multiple of 16`),
  );
}

/** Build the cipher on the addon when given one, else on node:crypto. */
export function createAesEcb(native?: NativeAesEcb): AesEcb {
  const blocks: EcbBlocks = native ? (e, k, s, d) => native.ecbBlocks(e, k, s, d) : nodeEcbBlocks;
  const session = (encrypt: boolean, key: Uint8Array, options: EcbStreamOptions = {}): EcbSession =>
    native
      ? nativeSession(native, encrypt, Buffer.from(key), options.inPlace === true)
      : nodeSession(encrypt, key);

  function encryptInto(plain: Uint8Array, key: Uint8Array, out: Uint8Array): number {
    checkKey(key);
    const size = paddedSize(plain.length);
    if (out.length < size) {
      throw new RangeError(`out holds ${out.length} bytes; the ciphertext needs ${size}`);
    }
    const whole = plain.length - (plain.length % AES_BLOCK_BYTES);
    blocks(true, key, plain.subarray(0, whole), out.subarray(0, whole));
    const last = out.subarray(whole, size);
    last.set(plain.subarray(whole));
    last.fill(size - plain.length, plain.length - whole);
    blocks(true, key, last, last);
    return size;
  }

  function decryptInto(cipherText: Uint8Array, key: Uint8Array, out: Uint8Array): number {
    checkKey(key);
    const n = cipherText.length;
    if (n === 0 || n % AES_BLOCK_BYTES !== 0) throw badLength(n);
    if (out.length < n) {
      throw new RangeError(`out holds ${out.length} bytes; decrypting needs ${n} (padding included)`);
    }
    blocks(false, key, cipherText, out.subarray(0, n));
    const plainBytes = unpaddedLength(out, n);
    if (plainBytes < 0) throw badPadding();
    return plainBytes;
  }

  return {
    path: native ? "native" : "node",
    encrypt(plain, key) {
      checkKey(key);
      const out = Buffer.allocUnsafe(paddedSize(plain.length));
      encryptInto(plain, key, out);
      return out;
    },
    decrypt(cipherText, key) {
      checkKey(key);
      if (cipherText.length === 0 || cipherText.length % AES_BLOCK_BYTES !== 0) {
        throw badLength(cipherText.length);
      }
      const out = Buffer.allocUnsafe(cipherText.length);
      return out.subarray(0, decryptInto(cipherText, key, out));
    },
    encryptInto,
    decryptInto,
    createEncryptStream(key, options) {
      checkKey(key);
      return new EcbStream(session(true, key, options), true);
    },
    createDecryptStream(key, options) {
      checkKey(key);
      return new EcbStream(session(false, key, options), false);
    },
  };
}

/**
 * Streaming AES-128-ECB + PKCS#7. Whole blocks go out as they arrive; a partial block waits in
 * `carry` for the next chunk. Decryption also holds back the last whole block until the end,
 * because only the final block carries the padding to strip.
 */
class EcbStream extends Transform {
  readonly #carry = Buffer.alloc(AES_BLOCK_BYTES);
  #carryBytes = 0;

  constructor(
    private readonly run: EcbSession,
    private readonly encrypt: boolean,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    const n = chunk.length;
    const total = this.#carryBytes + n;
    // Encryption keeps only a partial block; decryption keeps the last block even when whole.
    const keep = this.encrypt ? total % AES_BLOCK_BYTES : total % AES_BLOCK_BYTES || AES_BLOCK_BYTES;
    const whole = total - keep;
    if (whole <= 0) {
      chunk.copy(this.#carry, this.#carryBytes);
      this.#carryBytes += n;
      cb();
      return;
    }
    let inOff = 0;
    let rest = whole;
    if (this.#carryBytes > 0) {
      // whole ≥ 16 ≥ carry: the first block is the carry completed from this chunk.
      inOff = AES_BLOCK_BYTES - this.#carryBytes;
      chunk.copy(this.#carry, this.#carryBytes, 0, inOff);
      // A copy: an in-place session would otherwise hand out `carry`, which is reused next chunk.
      this.push(this.run(Buffer.from(this.#carry)));
      rest -= AES_BLOCK_BYTES;
    }
    if (rest > 0) this.push(this.run(chunk.subarray(inOff, inOff + rest)));
    this.#carryBytes = chunk.copy(this.#carry, 0, inOff + rest);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const carried = this.#carryBytes;
    if (this.encrypt) {
      const last = Buffer.allocUnsafe(AES_BLOCK_BYTES);
      this.#carry.copy(last, 0, 0, carried);
      last.fill(AES_BLOCK_BYTES - carried, carried);
      cb(null, this.run(last));
      return;
    }
    // Empty or truncated input: what OpenSSL calls "wrong final block length".
    if (carried !== AES_BLOCK_BYTES) {
      cb(badLength(carried));
      return;
    }
    const last = this.run(Buffer.from(this.#carry));
    const plainBytes = unpaddedLength(last, AES_BLOCK_BYTES);
    if (plainBytes < 0) {
      cb(badPadding());
      return;
    }
    cb(null, plainBytes > 0 ? last.subarray(0, plainBytes) : undefined);
  }
}

/**
 * Which AES path this process runs and why: the addon's file, or the reason for node:crypto.
 *
 * @example
 * import { type AesStatus, aesStatus } from "wxagent/ilink/crypto";
 * const status: AesStatus = aesStatus;
 * if (status.path === "node") console.error(status.reason, status.fix);
 */
export interface AesStatus {
  path: AesPath;
  /** The addon in use, relative to native/aes-ecb when inside it (`prebuilds/linux-x64/….node`). */
  addon?: string;
  /** Why the addon is not in use (path "node"). */
  reason?: string;
  /** How to get the addon (path "node", when building it would help). */
  fix?: string;
}

const probe = probeNativeAesEcb();

/** The cipher this process uses: the addon when it loads, else node:crypto (see crypto-native.ts). */
const defaultAes = createAesEcb(probe.addon);

/**
 * "native" when the addon is in use, "node" for the node:crypto fallback.
 *
 * @example
 * import { aesPath } from "wxagent/ilink/crypto";
 * const native = aesPath === "native";
 */
export const aesPath: AesPath = defaultAes.path;

/**
 * @example
 * import { aesStatus } from "wxagent/ilink/crypto";
 * const addon = aesStatus.addon ?? "none";
 */
export const aesStatus: AesStatus = probe.addon
  ? { path: "native", addon: addonLabel(probe.file) }
  : { path: "node", reason: probe.reason, ...(probe.fix ? { fix: probe.fix } : {}) };

/**
 * One line for logs: `native addon (prebuilds/linux-x64/…)` or `node:crypto (why; fix)`.
 *
 * @example
 * import { describeAesStatus } from "wxagent/ilink/crypto";
 * console.error(`media AES: ${describeAesStatus()}`);
 */
export function describeAesStatus(s: AesStatus = aesStatus): string {
  if (s.path === "native") return `native addon (${s.addon})`;
  return `node:crypto, slower on large media (${s.reason}${s.fix ? `; ${s.fix}` : ""})`;
}

/**
 * @example
 * import { aesKeyFromHex, encryptAesEcb } from "wxagent/ilink/crypto";
 * const cipher = encryptAesEcb(Buffer.from("hello"), aesKeyFromHex("00112233445566778899aabbccddeeff")); // 16 bytes
 */
export function encryptAesEcb(plain: Uint8Array, key: Uint8Array): Buffer {
  return defaultAes.encrypt(plain, key);
}

/**
 * Plaintext of `cipherText`; a wrong key or truncated input throws DECRYPT_FAILED.
 *
 * @example
 * import { aesKeyFromHex, decryptAesEcb, encryptAesEcb } from "wxagent/ilink/crypto";
 * const key = aesKeyFromHex("00112233445566778899aabbccddeeff");
 * const plain = decryptAesEcb(encryptAesEcb(Buffer.from("hi"), key), key);
 */
export function decryptAesEcb(cipherText: Uint8Array, key: Uint8Array): Buffer {
  return defaultAes.decrypt(cipherText, key);
}

/**
 * Encrypt into a caller-provided buffer (at least `paddedSize(plain.length)` bytes; `out` may be
 * `plain`'s own memory when that has room for the padding). Returns the ciphertext length. With
 * the addon nothing is allocated, which is what lets a reused buffer run at OpenSSL's speed.
 *
 * @example
 * import { aesKeyFromHex, encryptAesEcbInto, paddedSize } from "wxagent/ilink/crypto";
 * const plain = Buffer.from("hello");
 * const out = Buffer.alloc(paddedSize(plain.length));
 * encryptAesEcbInto(plain, aesKeyFromHex("00112233445566778899aabbccddeeff"), out);
 */
export function encryptAesEcbInto(plain: Uint8Array, key: Uint8Array, out: Uint8Array): number {
  return defaultAes.encryptInto(plain, key, out);
}

/**
 * Decrypt into a caller-provided buffer of at least `cipherText.length` bytes (the padding is
 * decrypted there too); returns the plaintext length. Wrong key or truncation: DECRYPT_FAILED.
 *
 * @example
 * import { aesKeyFromHex, decryptAesEcbInto, encryptAesEcb } from "wxagent/ilink/crypto";
 * const key = aesKeyFromHex("00112233445566778899aabbccddeeff");
 * const cipher = encryptAesEcb(Buffer.from("hi"), key);
 * const out = Buffer.alloc(cipher.length);
 * const plainBytes = decryptAesEcbInto(cipher, key, out);
 */
export function decryptAesEcbInto(cipherText: Uint8Array, key: Uint8Array, out: Uint8Array): number {
  return defaultAes.decryptInto(cipherText, key, out);
}

/**
 * A Transform stream that encrypts what flows through it (PKCS#7 at the end).
 *
 * @example
 * import { createReadStream, createWriteStream } from "node:fs";
 * import { pipeline } from "node:stream/promises";
 * import { aesKeyFromHex, createEncryptStream } from "wxagent/ilink/crypto";
 * const key = aesKeyFromHex("00112233445566778899aabbccddeeff");
 * await pipeline(createReadStream("out.bin"), createEncryptStream(key), createWriteStream("out.enc"));
 */
export function createEncryptStream(key: Uint8Array, options?: EcbStreamOptions): Transform {
  return defaultAes.createEncryptStream(key, options);
}

/**
 * A Transform stream that decrypts; a wrong key or truncated input errors with DECRYPT_FAILED.
 *
 * @example
 * import { createReadStream, createWriteStream } from "node:fs";
 * import { pipeline } from "node:stream/promises";
 * import { aesKeyFromHex, createDecryptStream } from "wxagent/ilink/crypto";
 * const key = aesKeyFromHex("00112233445566778899aabbccddeeff");
 * await pipeline(createReadStream("in.enc"), createDecryptStream(key), createWriteStream("in.bin"));
 */
export function createDecryptStream(key: Uint8Array, options?: EcbStreamOptions): Transform {
  return defaultAes.createDecryptStream(key, options);
}

/** The typed error for ciphertext that does not decrypt ("bad decrypt" / "wrong final block length"). */
export function decryptFailed(cause: unknown): ILinkError {
  return new ILinkError(
    "DECRYPT_FAILED",
    "media could not be decrypted: the ciphertext is truncated or the AES key does not match it",
    { cause },
  );
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * A raw key from its 32-char hex form (getuploadurl.aeskey, image_item.aeskey).
 *
 * @example
 * import { aesKeyFromHex } from "wxagent/ilink/crypto";
 * const key = aesKeyFromHex("00112233445566778899aabbccddeeff"); // 16 bytes
 */
export function aesKeyFromHex(hex: string): Buffer {
  if (!HEX32.test(hex)) {
    throw new ILinkError("BAD_AES_KEY", "AES key hex must be 32 hex characters (16 bytes)");
  }
  return Buffer.from(hex, "hex");
}

/**
 * Decode `CDNMedia.aes_key`: base64 of the raw 16 bytes (form A, inbound images) or base64 of
 * the 32-char ASCII hex (form B, files/voice/video and everything we send).
 *
 * @example
 * import { parseAesKey } from "wxagent/ilink/crypto";
 * const key = parseAesKey("ABEiM0RVZneImaq7zN3u/w=="); // 16 bytes
 */
export function parseAesKey(b64: string): Buffer {
  const trimmed = b64.trim();
  if (BASE64.test(trimmed)) {
    const decoded = Buffer.from(trimmed, "base64");
    if (decoded.length === AES_KEY_BYTES) return decoded;
    if (decoded.length === 32) {
      const ascii = decoded.toString("latin1");
      if (HEX32.test(ascii)) return Buffer.from(ascii, "hex");
    }
  }
  throw new ILinkError(
    "BAD_AES_KEY",
    "aes_key must decode to 16 raw bytes or a 32-char hex string; the message carries a broken key",
  );
}

/**
 * The key for an inbound image: `image_item.aeskey` (hex) wins, else `media.aes_key`; none = plain.
 *
 * @example
 * import type { ImageItem } from "wxagent/ilink";
 * import { imageKey } from "wxagent/ilink/crypto";
 * const key = (image: ImageItem) => imageKey(image); // undefined: an unencrypted image
 */
export function imageKey(item: ImageItem): Buffer | undefined {
  if (item.aeskey) return aesKeyFromHex(item.aeskey);
  if (item.media?.aes_key) return parseAesKey(item.media.aes_key);
  return undefined;
}

/**
 * `CDNMedia.aes_key` for sending: base64 of the hex string (44 chars), never of the raw bytes.
 *
 * @example
 * import { encodeAesKeyForSend } from "wxagent/ilink/crypto";
 * const aes_key = encodeAesKeyForSend("00112233445566778899aabbccddeeff");
 */
export function encodeAesKeyForSend(keyHex: string): string {
  if (!HEX32.test(keyHex)) {
    throw new ILinkError("BAD_AES_KEY", "AES key hex must be 32 hex characters (16 bytes)");
  }
  return Buffer.from(keyHex.toLowerCase(), "ascii").toString("base64");
}
