import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../data/seeded-random.ts';
import { oneVsRestRocAuc, rocAuc } from './roc-auc.ts';

/** The definition: share of (positive, negative) pairs ordered right, ties ½. O(n²). */
function pairwiseAuc(scores: number[], positive: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (!positive[i]) return;
    scores.forEach((t, j) => {
      if (positive[j]) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('rocAuc', () => {
  const truth = [false, false, true, true];

  it('is 1 for a perfect ranking, 0 for an inverted one and 0.5 for all ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], truth)).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], truth)).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], truth)).toBe(0.5);
  });

  it('matches hand-computed areas, counting a tied positive/negative pair as ½', () => {
    // scikit-learn's documented example.
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], truth)).toBeCloseTo(0.75, 12);
    // Pairs: (0.5 vs 0.5) ½, (0.5 vs 0.1) 1, (0.9 vs 0.5) 1, (0.9 vs 0.1) 1 → 3.5 / 4.
    expect(rocAuc([0.5, 0.5, 0.9, 0.1], [true, false, true, false])).toBeCloseTo(0.875, 12);
  });

  it('agrees with the pairwise definition on random scores with many ties', () => {
    const random = createSeededRandom(7);
    const scores = Array.from({ length: 300 }, () => Math.round(random() * 10) / 10);
    const positive = scores.map((s) => random() < 0.3 + 0.4 * s);
    expect(rocAuc(scores, positive)).toBeCloseTo(pairwiseAuc(scores, positive), 12);
  });

  it('is NaN when one side is empty', () => {
    expect(rocAuc([0.1, 0.2], [false, false])).toBeNaN();
    expect(rocAuc([0.1, 0.2], [true, true])).toBeNaN();
  });

  it('rejects non-finite scores and mismatched lengths', () => {
    expect(() => rocAuc([Number.NaN, 1], [true, false])).toThrow(RangeError);
    expect(() => rocAuc([1], [true, false])).toThrow(RangeError);
  });
});

describe('oneVsRestRocAuc', () => {
  it('scores each class against the rest and averages the defined ones', () => {
    // 3 classes; class 2 never occurs in yTrue.
    const yTrue = [0, 0, 1, 1];
    const probs = [
      0.8, 0.1, 0.1, //
      0.3, 0.6, 0.1, //
      0.4, 0.5, 0.1, //
      0.1, 0.7, 0.2,
    ];
    const { perClass, macro } = oneVsRestRocAuc(yTrue, probs);
    // Class 0 scores: positives {0.8, 0.3}, negatives {0.4, 0.1} → (1 + 1 + 0 + 1) / 4.
    expect(perClass[0]).toBeCloseTo(0.75, 12);
    // Class 1 scores: positives {0.5, 0.7}, negatives {0.1, 0.6} → (1 + 0 + 1 + 1) / 4.
    expect(perClass[1]).toBeCloseTo(0.75, 12);
    expect(perClass[2]).toBeNull();
    expect(macro).toBeCloseTo(0.75, 12);
  });

  it('gives macro null when no class has both positives and negatives', () => {
    expect(oneVsRestRocAuc([0, 0], [0.9, 0.1, 0.8, 0.2]).macro).toBeNull();
  });
});
