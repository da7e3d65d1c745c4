import { describe, expect, it } from 'vitest';
import { compareOutputs } from './compare-outputs.ts';

const f32 = (values: number[]) => Float32Array.from(values);

describe('compareOutputs', () => {
  it('compares probabilities as given: agreement, differences and accuracies (hand-computed)', () => {
    // Row 0: a tie in the reference (class 0 wins ties) vs 0.75/0.25 → agree, |Δ| = 0.25, 0.25.
    // Row 1: 0.9/0.1 vs 0.4/0.6 → disagree, |Δ| = 0.5, 0.5.
    const result = compareOutputs(f32([0.5, 0.5, 0.9, 0.1]), f32([0.75, 0.25, 0.4, 0.6]), 2, { outputs: 'probabilities', labels: [1, 0] });
    expect(result.rows).toBe(2);
    expect(result.top1Agreement).toBe(0.5);
    expect(result.maxAbsDiff).toBeCloseTo(0.5, 6);
    expect(result.meanAbsDiff).toBeCloseTo((0.25 + 0.25 + 0.5 + 0.5) / 4, 6);
    // Reference predicts [0, 0] for labels [1, 0]: 1/2; candidate predicts [0, 1]: 0/2.
    expect([result.referenceAccuracy, result.accuracy, result.accuracyDrop]).toEqual([0.5, 0, 0.5]);
  });

  it('applies a softmax to logits first', () => {
    // softmax([ln 3, 0]) = [0.75, 0.25]; softmax([0, 0]) = [0.5, 0.5].
    const two = compareOutputs(f32([0, 0]), f32([Math.log(3), 0]), 2);
    expect(two.maxAbsDiff).toBeCloseTo(0.25, 6);
    expect(two.meanAbsDiff).toBeCloseTo(0.25, 6);
    // softmax([1, 2, 3]) = [0.0900306, 0.2447285, 0.6652410] against 1/3 each.
    const three = compareOutputs(f32([0, 0, 0]), f32([1, 2, 3]), 3, { labels: [2] });
    expect(three.maxAbsDiff).toBeCloseTo(0.665241 - 1 / 3, 5);
    expect(three.meanAbsDiff).toBeCloseTo((1 / 3 - 0.0900306 + (1 / 3 - 0.2447285) + (0.665241 - 1 / 3)) / 3, 5);
    expect([three.top1Agreement, three.referenceAccuracy, three.accuracy, three.accuracyDrop]).toEqual([0, 0, 1, -1]);
  });

  it('treats logits shifted by a constant per row as identical', () => {
    const reference = f32([1.5, -2, 0.25, 3, 3.5, -1]);
    const shifted = reference.map((v, i) => v + (i < 3 ? 5 : -7));
    const result = compareOutputs(reference, shifted, 3);
    expect(result.top1Agreement).toBe(1);
    expect(result.maxAbsDiff).toBeLessThan(1e-6);
    expect(result).not.toHaveProperty('accuracy');
  });

  it('never lets NaN outputs look close', () => {
    const result = compareOutputs(f32([2, 0, 0, 2]), f32([Number.NaN, 0, 0, 2]), 2, { labels: [0, 1] });
    expect(result.maxAbsDiff).toBeNaN();
    expect(result.top1Agreement).toBe(0.5);
    expect(result.accuracy).toBe(0.5);
  });

  it.each([
    ['a length mismatch', () => compareOutputs(f32([0, 1]), f32([0, 1, 2]), 1)],
    ['no whole number of rows', () => compareOutputs(f32([0, 1, 2]), f32([0, 1, 2]), 2)],
    ['no rows', () => compareOutputs(f32([]), f32([]), 2)],
    ['a bad class count', () => compareOutputs(f32([0, 1]), f32([0, 1]), 0)],
    ['too few labels', () => compareOutputs(f32([0, 1, 2, 3]), f32([0, 1, 2, 3]), 2, { labels: [1] })],
    ['a label out of range', () => compareOutputs(f32([0, 1]), f32([0, 1]), 2, { labels: [2] })],
  ])('rejects %s with a RangeError', (_what, call) => {
    expect(call).toThrow(RangeError);
  });
});
