/**
 * Request identity pieces (docs/protocol.md §1.4–1.8): the random X-WECHAT-UIN, the uint32 client
 * version, and the `bot_agent` sanitiser.
 */
import { randomFillSync } from "node:crypto";

/**
 * Random uint32s from a pool refilled 1024 at a time: one CSPRNG call per request was a measurable
 * share of a send's CPU under load, and the values are as random either way.
 */
const pool = new Uint32Array(1024);
let poolNext = pool.length;

export function randomUint32(): number {
  if (poolNext >= pool.length) {
    randomFillSync(pool);
    poolNext = 0;
  }
  return pool[poolNext++] as number;
}

/**
 * base64 of the decimal string of a random uint32, fresh per request (§1.5).
 *
 * @example
 * import { randomWechatUin } from "wxagent/ilink";
 * const uin = randomWechatUin();
 */
export function randomWechatUin(): string {
  return Buffer.from(String(randomUint32()), "ascii").toString("base64");
}

/**
 * `major.minor.patch` → `0x00MMNNPP` as a decimal string; parts parsed like parseInt (§1.6).
 *
 * @example
 * import { encodeClientVersion } from "wxagent/ilink";
 * const header = encodeClientVersion("2.4.9");
 */
export function encodeClientVersion(version: string): string {
  const [major, minor, patch] = version.split(".").map((p) => {
    const n = Number.parseInt(p, 10);
    return Number.isNaN(n) ? 0 : n & 0xff;
  });
  return String((((major ?? 0) << 16) | ((minor ?? 0) << 8) | (patch ?? 0)) >>> 0);
}

export const OPENCLAW_BOT_AGENT = "OpenClaw";
const BOT_AGENT_MAX_BYTES = 256;
const PRODUCT = /^[A-Za-z0-9_.-]{1,32}\/[A-Za-z0-9_.+-]{1,32}$/;
const COMMENT = /^\([\x20-\x27\x2a-\x7e]{1,64}\)$/;

/** Split on whitespace, gluing an opened `(` comment to the following tokens until one ends in `)`. */
function tokenize(input: string): string[] {
  const raw = input.trim().split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    let tok = raw[i] as string;
    if (tok.startsWith("(") && !tok.endsWith(")")) {
      while (i + 1 < raw.length && !tok.endsWith(")")) tok += ` ${raw[++i]}`;
    }
    out.push(tok);
  }
  return out;
}

/**
 * Keep only well-formed `name/version [(comment)]` products, within 256 bytes (§1.8). Anything
 * unusable gives `fallback` ("OpenClaw" in the official client).
 *
 * @example
 * import { sanitizeBotAgent } from "wxagent/ilink";
 * const agent = sanitizeBotAgent("my-bot/1.0 (linux)");
 */
export function sanitizeBotAgent(input: string | undefined, fallback = OPENCLAW_BOT_AGENT): string {
  if (!input) return fallback;
  const products: string[] = [];
  let lastIsBareProduct = false;
  for (const tok of tokenize(input)) {
    if (tok.startsWith("(")) {
      if (lastIsBareProduct && COMMENT.test(tok)) {
        products[products.length - 1] += ` ${tok}`;
      }
      lastIsBareProduct = false;
    } else if (PRODUCT.test(tok)) {
      products.push(tok);
      lastIsBareProduct = true;
    } else {
      lastIsBareProduct = false;
    }
  }
  while (products.length > 0 && Buffer.byteLength(products.join(" ")) > BOT_AGENT_MAX_BYTES) products.pop();
  return products.length > 0 ? products.join(" ") : fallback;
}
