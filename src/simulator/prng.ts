/**
 * A small seeded PRNG (mulberry32) so that every "random" choice of the simulator (ids, tokens,
 * keys, realism dice) repeats for a given seed and call sequence. Not for real secrets: the
 * simulator is a test double and repeatability matters more than unpredictability here.
 */
export interface Prng {
  readonly seed: number;
  /** uniform in [0, 1) */
  next(): number;
  /** integer in [min, max] */
  int(min: number, max: number): number;
  /** n pseudo-random bytes */
  bytes(n: number): Buffer;
  /** n bytes as lowercase hex (2n characters) */
  hex(n: number): string;
}

export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const bytes = (n: number): Buffer => {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
    return out;
  };
  return {
    seed: seed >>> 0,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    bytes,
    hex: (n) => bytes(n).toString("hex"),
  };
}
