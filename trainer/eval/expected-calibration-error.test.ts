import { describe, expect, it } from 'vitest';
import { expectedCalibrationError } from './expected-calibration-error.ts';

/** `n` two-class examples with top-1 confidence `confidence`, the first `correct` right. */
function examples(n: number, confidence: number, correct: number): { yTrue: number[]; probs: number[] } {
  const yTrue: number[] = [];
  const probs: number[] = [];
  for (let i = 0; i < n; i++) {
    probs.push(confidence, 1 - confidence);
    yTrue.push(i < correct ? 0 : 1);
  }
  return { yTrue, probs };
}

describe('expectedCalibrationError', () => {
  it('is 0 for a perfectly calibrated model: 80% sure and right 80% of the time', () => {
    const { yTrue, probs } = examples(10, 0.8, 8);
    expect(expectedCalibrationError(yTrue, probs).ece).toBeCloseTo(0, 12);
  });

  it('is confidence − accuracy for an overconfident model', () => {
    const { yTrue, probs } = examples(10, 0.99, 5);
    expect(expectedCalibrationError(yTrue, probs).ece).toBeCloseTo(0.49, 12);
  });

  it('weights each bin by its share of examples', () => {
    const a = examples(4, 0.95, 3); // bin (0.9, 1]: |0.75 − 0.95| = 0.2
    const b = examples(4, 0.65, 4); // bin (0.6, 0.7]: |1 − 0.65| = 0.35
    const { ece, bins } = expectedCalibrationError([...a.yTrue, ...b.yTrue], [...a.probs, ...b.probs], { bins: 10 });
    expect(ece).toBeCloseTo(0.5 * 0.2 + 0.5 * 0.35, 12);
    expect(bins).toHaveLength(10);
    expect(bins[9]).toMatchObject({ count: 4, accuracy: 0.75 });
    expect(bins[9].confidence).toBeCloseTo(0.95, 12);
    expect(bins[6]).toMatchObject({ count: 4, accuracy: 1 });
    expect(bins.filter((bin) => bin.count === 0).every((bin) => bin.confidence === null)).toBe(true);
  });

  it('uses 15 bins by default and rejects a bad bin count', () => {
    const { yTrue, probs } = examples(2, 0.7, 1);
    expect(expectedCalibrationError(yTrue, probs).bins).toHaveLength(15);
    expect(() => expectedCalibrationError(yTrue, probs, { bins: 0 })).toThrow(RangeError);
  });
});
