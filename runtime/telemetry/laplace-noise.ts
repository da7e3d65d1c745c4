/**
 * Optional Laplace noise on every count of an event (the Laplace mechanism of
 * differential privacy: scale `1/ε` for counts of sensitivity 1). After the noise each
 * count is rounded to the nearest integer and clamped to `0..1_000_000_000` (the
 * endpoint's bounds) — post-processing, which keeps the ε guarantee.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** Uniform numbers from WebCrypto, for production noise. */
export function cryptoRandom(): Random {
  const buffer = new Uint32Array(64);
  let at = buffer.length;
  return () => {
    if (at === buffer.length) {
      globalThis.crypto.getRandomValues(buffer);
      at = 0;
    }
    return buffer[at++]! / 2 ** 32;
  };
}

/** A seeded generator (mulberry32), for reproducible tests. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One draw from Laplace(0, `scale`), by the inverse CDF. */
export function laplaceSample(random: Random, scale: number): number {
  // u in (−½, ½), never exactly ±½, so the logarithm stays finite.
  const u = (Math.floor(random() * 2 ** 32) + 0.5) / 2 ** 32 - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

const MAX_COUNT = 1_000_000_000;

/** `count` plus Laplace(0, 1/ε) noise, rounded and clamped to a valid count. */
export function noisyCount(count: number, epsilon: number, random: Random): number {
  const noisy = Math.round(count + laplaceSample(random, 1 / epsilon));
  return Math.min(MAX_COUNT, Math.max(0, noisy));
}
