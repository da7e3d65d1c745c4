/**
 * A small, fast, seeded pseudo-random generator (mulberry32) so that splits,
 * initial weights and shuffles are reproducible from one integer seed. Not for
 * cryptography.
 */

/** A function returning uniformly distributed numbers in `[0, 1)`. */
export type RandomSource = () => number;

/**
 * Creates a mulberry32 generator seeded with `seed` (any finite number; it is
 * truncated to 32 bits). The same seed always yields the same sequence.
 *
 * @throws {TypeError} when `seed` is not a finite number.
 */
export function createSeededRandom(seed: number): RandomSource {
  if (!Number.isFinite(seed)) throw new TypeError(`seed must be a finite number, got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Anything indexable and writable by position: arrays and typed arrays. */
export interface MutableIndexable<T> {
  length: number;
  [index: number]: T;
}

/** Shuffles `items` in place (Fisher–Yates) with `random` and returns it. */
export function shuffleInPlace<T, A extends MutableIndexable<T>>(items: A, random: RandomSource): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}
