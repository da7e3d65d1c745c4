/**
 * Seeded, class-stratified train / validation / test split. Pure and
 * environment-agnostic: it only sees labels and returns index arrays.
 */
import { createSeededRandom, shuffleInPlace } from './seeded-random.ts';

/** Options for {@link stratifiedSplit}. Fractions must be ≥ 0 and sum to 1. */
export interface StratifiedSplitOptions {
  /** Share of each class that goes to the training split. @defaultValue 0.8 */
  train?: number;
  /** Share of each class that goes to the validation split. @defaultValue 0.1 */
  validation?: number;
  /** Share of each class that goes to the test split. @defaultValue 0.1 */
  test?: number;
  /** PRNG seed; the same labels and seed always give the same split. @defaultValue 0 */
  seed?: number;
}

/** Indices into the labelled data set, one array per split, each in shuffled order. */
export interface StratifiedSplit {
  train: Uint32Array;
  validation: Uint32Array;
  test: Uint32Array;
}

const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
/** The name of one split. */
export type SplitName = (typeof SPLIT_NAMES)[number];

/**
 * Splits the indices of `labels` into train / validation / test so that every
 * class is divided in (close to) the requested proportions. Per class, the
 * counts are the largest-remainder rounding of `count × fraction`, with at least
 * one member in every split whose fraction is above zero. Each returned array
 * is shuffled (seeded), so it can be used for training without re-ordering.
 *
 * @throws {RangeError} when a fraction is negative or not finite, when the
 *   fractions do not sum to 1, or when a class has fewer members than there are
 *   non-empty splits.
 */
export function stratifiedSplit(labels: ArrayLike<number>, options: StratifiedSplitOptions = {}): StratifiedSplit {
  const fractions = resolveSplitFractions(options);
  const random = createSeededRandom(options.seed ?? 0);

  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    let members = byClass.get(label);
    if (members === undefined) byClass.set(label, (members = []));
    members.push(i);
  }

  const nonEmpty = SPLIT_NAMES.filter((name) => fractions[name] > 0);
  const out: Record<SplitName, number[]> = { train: [], validation: [], test: [] };
  // What earlier classes' rounding left over (ideal minus assigned), carried into the next
  // class so the split totals come out as N × fraction (10,000 × 0.1 = 1,000, not 999).
  const carry: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  // Visit classes in label order so the result does not depend on first-seen order.
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    if (members.length < nonEmpty.length) {
      throw new RangeError(
        `stratifiedSplit: class ${label} has ${members.length} member(s), fewer than the ` +
          `${nonEmpty.length} non-empty splits (${nonEmpty.join(', ')}); drop the class or use fewer splits`,
      );
    }
    shuffleInPlace(members, random);
    const counts = splitCounts(members.length, fractions, carry);
    for (const name of SPLIT_NAMES) carry[name] += members.length * fractions[name] - counts[name];
    let start = 0;
    for (const name of SPLIT_NAMES) {
      for (let k = start; k < start + counts[name]; k++) out[name].push(members[k]);
      start += counts[name];
    }
  }
  return {
    train: shuffleInPlace(Uint32Array.from(out.train), random),
    validation: shuffleInPlace(Uint32Array.from(out.validation), random),
    test: shuffleInPlace(Uint32Array.from(out.test), random),
  };
}

/**
 * The split fractions of `options` with defaults filled in (0.8 / 0.1 / 0.1).
 *
 * @throws {RangeError} when a fraction is negative, above 1 or not finite, or the
 *   fractions do not sum to 1.
 */
export function resolveSplitFractions(options: StratifiedSplitOptions = {}): Record<SplitName, number> {
  const fractions: Record<SplitName, number> = {
    train: options.train ?? 0.8,
    validation: options.validation ?? 0.1,
    test: options.test ?? 0.1,
  };
  for (const name of SPLIT_NAMES) {
    const f = fractions[name];
    if (!Number.isFinite(f) || f < 0 || f > 1) {
      throw new RangeError(`stratifiedSplit: ${name} fraction must be a number in [0, 1], got ${f}`);
    }
  }
  const sum = fractions.train + fractions.validation + fractions.test;
  if (Math.abs(sum - 1) > 1e-9) {
    throw new RangeError(
      `stratifiedSplit: train + validation + test must sum to 1, got ${sum} ` +
        `(${fractions.train} + ${fractions.validation} + ${fractions.test})`,
    );
  }
  return fractions;
}

/**
 * Largest-remainder rounding of `n × fraction + carry` (never below 0), then at least 1 in
 * each non-empty split. The carry keeps every class within one member of its share while
 * the totals over all classes stay exact.
 */
function splitCounts(n: number, fractions: Record<SplitName, number>, carry: Record<SplitName, number>): Record<SplitName, number> {
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  const remainders: Array<{ name: SplitName; rest: number }> = [];
  let assigned = 0;
  for (const name of SPLIT_NAMES) {
    const ideal = Math.max(0, n * fractions[name] + (fractions[name] > 0 ? carry[name] : 0));
    counts[name] = Math.min(n - assigned, Math.floor(ideal + 1e-9));
    assigned += counts[name];
    remainders.push({ name, rest: ideal - counts[name] });
  }
  // Stable sort: ties go to the earlier split (train before validation before test).
  remainders.sort((a, b) => b.rest - a.rest);
  for (let k = 0; assigned < n; k++, assigned++) counts[remainders[k % remainders.length].name]++;
  for (const name of SPLIT_NAMES) {
    if (fractions[name] > 0 && counts[name] === 0) {
      const donor = SPLIT_NAMES.reduce((a, b) => (counts[b] > counts[a] ? b : a));
      counts[donor]--;
      counts[name]++;
    }
  }
  return counts;
}
