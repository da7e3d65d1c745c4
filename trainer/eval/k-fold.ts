/**
 * Seeded k-fold splits of `count` examples, optionally stratified by class, for
 * cross-validation. Pure: it returns index arrays and never touches the data.
 */
import { createSeededRandom, shuffleInPlace } from '../data/seeded-random.ts';
import { TrainerError } from '../errors.ts';

/** One fold: train on `train`, evaluate on `validation`; together they hold every index once. */
export interface Fold {
  train: Uint32Array;
  validation: Uint32Array;
}

/** Options for {@link kFold}. */
export interface KFoldOptions {
  /** PRNG seed; the same inputs and seed always give the same folds. @defaultValue 0 */
  seed?: number;
  /**
   * A label per example (`count` of them). When given, each class is dealt out over
   * the folds so every validation fold holds each class within one example of
   * `class size / k`.
   */
  stratifyBy?: ArrayLike<number | string>;
}

/**
 * Splits `0..count-1` into `k` folds. Every index is in exactly one validation fold,
 * and in the train split of the other `k − 1` folds; validation folds differ in size
 * by at most one. Index arrays are ascending.
 *
 * @throws {RangeError} when `k` is not an integer in `2..count`, or `stratifyBy` does
 *   not hold `count` labels.
 * @throws TrainerError `CLASS_TOO_SMALL` when stratifying and a class has fewer than
 *   `k` members (some validation fold would miss it).
 */
export function kFold(count: number, k: number, options: KFoldOptions = {}): Fold[] {
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`kFold: count must be an integer ≥ 2, got ${count}`);
  if (!Number.isInteger(k) || k < 2 || k > count) throw new RangeError(`kFold: k must be an integer in 2..${count} (the example count), got ${k}`);
  const random = createSeededRandom(options.seed ?? 0);
  // The order in which indices are dealt to folds 0, 1, …, k−1, 0, 1, …
  let order: number[];
  const { stratifyBy } = options;
  if (stratifyBy === undefined) {
    order = shuffleInPlace(Array.from({ length: count }, (_, i) => i), random);
  } else {
    if (stratifyBy.length !== count) throw new RangeError(`kFold: stratifyBy holds ${stratifyBy.length} labels; expected one per example (${count})`);
    const byClass = new Map<number | string, number[]>();
    for (let i = 0; i < count; i++) {
      const members = byClass.get(stratifyBy[i]) ?? [];
      if (members.length === 0) byClass.set(stratifyBy[i], members);
      members.push(i);
    }
    // Sort classes so the folds do not depend on which class shows up first.
    const keys = [...byClass.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    order = [];
    for (const key of keys) {
      const members = byClass.get(key)!;
      if (members.length < k) {
        throw new TrainerError('CLASS_TOO_SMALL', `kFold: class ${String(key)} has ${members.length} example(s), fewer than k = ${k} folds; use a smaller k or drop the class`, {
          details: { class: key, members: members.length, k },
        });
      }
      // Dealing consecutive runs round-robin puts ⌊n/k⌋ or ⌈n/k⌉ of each class in every
      // fold, and continuing the count across classes keeps the fold totals balanced.
      order.push(...shuffleInPlace(members, random));
    }
  }
  const foldOf = new Int32Array(count);
  order.forEach((index, position) => {
    foldOf[index] = position % k;
  });
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const validation: number[] = [];
    for (let i = 0; i < count; i++) (foldOf[i] === f ? validation : train).push(i);
    folds.push({ train: Uint32Array.from(train), validation: Uint32Array.from(validation) });
  }
  return folds;
}
