import { describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { kFold } from './k-fold.ts';

describe('kFold', () => {
  it('puts every index in exactly one validation fold and the rest in train', () => {
    const folds = kFold(23, 5, { seed: 3 });
    expect(folds).toHaveLength(5);
    const seen = new Array<number>(23).fill(0);
    for (const { train, validation } of folds) {
      for (const i of validation) seen[i]++;
      expect(train.length + validation.length).toBe(23);
      const inTrain = new Set(train);
      expect([...validation].some((i) => inTrain.has(i))).toBe(false);
    }
    expect(seen.every((n) => n === 1)).toBe(true);
    const sizes = folds.map((f) => f.validation.length).sort();
    expect(sizes).toEqual([4, 4, 5, 5, 5]);
  });

  it('is reproducible from its seed and shuffles differently for another seed', () => {
    expect(kFold(50, 5, { seed: 1 })).toEqual(kFold(50, 5, { seed: 1 }));
    expect(kFold(50, 5, { seed: 1 })[0].validation).not.toEqual(kFold(50, 5, { seed: 2 })[0].validation);
    // Not simply contiguous blocks.
    expect([...kFold(50, 5, { seed: 1 })[0].validation]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stratifies: every validation fold holds each class within one of its share', () => {
    const labels = [...Array(37).fill('a'), ...Array(11).fill('b'), ...Array(52).fill('c')];
    const folds = kFold(labels.length, 4, { seed: 9, stratifyBy: labels });
    const seen = new Set<number>();
    for (const { validation } of folds) {
      for (const cls of ['a', 'b', 'c']) {
        const total = labels.filter((l) => l === cls).length;
        const inFold = [...validation].filter((i) => labels[i] === cls).length;
        expect(inFold).toBeGreaterThanOrEqual(Math.floor(total / 4));
        expect(inFold).toBeLessThanOrEqual(Math.ceil(total / 4));
      }
      for (const i of validation) seen.add(i);
    }
    expect(seen.size).toBe(labels.length);
    const sizes = folds.map((f) => f.validation.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('refuses a class smaller than k when stratifying', () => {
    try {
      kFold(6, 3, { stratifyBy: [0, 0, 0, 0, 1, 1] });
      expect.unreachable();
    } catch (error) {
      expect(isTrainerError(error, 'CLASS_TOO_SMALL')).toBe(true);
    }
  });

  it('rejects k outside 2..count and a stratifyBy of the wrong length', () => {
    expect(() => kFold(10, 1)).toThrow(RangeError);
    expect(() => kFold(10, 11)).toThrow(RangeError);
    expect(() => kFold(10, 2, { stratifyBy: [0, 1] })).toThrow(RangeError);
  });
});
