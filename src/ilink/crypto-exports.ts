/**
 * `wxagent/ilink/crypto`: the media cipher for experts (AES-128-ECB as the iLink CDN uses it, key
 * parsing in both of its encodings, the streaming and in-place forms, and which implementation
 * runs). `Bot`, `Api` and `download`/`upload` already encrypt and decrypt for you: import this only
 * to handle CDN bytes yourself.
 *
 * @example
 * import { aesKeyFromHex, decryptAesEcb, encryptAesEcb } from "wxagent/ilink/crypto";
 * const key = aesKeyFromHex("00112233445566778899aabbccddeeff");
 * const plain = decryptAesEcb(encryptAesEcb(Buffer.from("hi"), key), key);
 */
export {
  type AesPath,
  type AesStatus,
  aesKeyFromHex,
  aesPath,
  aesStatus,
  createDecryptStream,
  createEncryptStream,
  decryptAesEcb,
  decryptAesEcbInto,
  describeAesStatus,
  encodeAesKeyForSend,
  encryptAesEcb,
  encryptAesEcbInto,
  imageKey,
  paddedSize,
  parseAesKey,
} from "./crypto.js";
