import { describe, expect, it } from 'vitest';
import { confusionMatrix, precisionRecallF1 } from './confusion-matrix.ts';

// A hand-worked 3-class case. Supports 4, 3, 3; predicted counts 3, 4, 3.
const Y_TRUE = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const Y_PRED = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];

describe('confusionMatrix', () => {
  it('counts (true, predicted) pairs with rows as true classes', () => {
    expect(confusionMatrix(Y_TRUE, Y_PRED, 3)).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
  });

  it('rejects labels outside the class range and mismatched lengths', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(RangeError);
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow(RangeError);
    expect(() => confusionMatrix([0.5], [0], 3)).toThrow(RangeError);
  });
});

describe('precisionRecallF1', () => {
  const result = precisionRecallF1(confusionMatrix(Y_TRUE, Y_PRED, 3));

  it('gives per-class precision, recall, F1 and support', () => {
    const expected = [
      { precision: 2 / 3, recall: 1 / 2, f1: 4 / 7, support: 4 },
      { precision: 1 / 2, recall: 2 / 3, f1: 4 / 7, support: 3 },
      { precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, support: 3 },
    ];
    result.perClass.forEach((m, c) => {
      expect(m.precision).toBeCloseTo(expected[c].precision, 12);
      expect(m.recall).toBeCloseTo(expected[c].recall, 12);
      expect(m.f1).toBeCloseTo(expected[c].f1, 12);
      expect(m.support).toBe(expected[c].support);
    });
  });

  it('averages per class (macro) and by support (weighted)', () => {
    expect(result.macro.precision).toBeCloseTo(11 / 18, 12);
    expect(result.macro.recall).toBeCloseTo(11 / 18, 12);
    expect(result.macro.f1).toBeCloseTo(38 / 63, 12);
    expect(result.weighted.precision).toBeCloseTo(37 / 60, 12);
    // Weighted recall is always the accuracy.
    expect(result.weighted.recall).toBeCloseTo(0.6, 12);
    expect(result.weighted.f1).toBeCloseTo(0.6, 12);
  });

  it('counts 0/0 as 0 and leaves classes that never occur out of the macro mean', () => {
    // Class 1 is predicted but never true; class 2 never occurs at all.
    const m = precisionRecallF1(confusionMatrix([0, 0, 0, 0], [0, 0, 0, 1], 3));
    expect(m.perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.perClass[0].recall).toBeCloseTo(0.75, 12);
    expect(m.perClass[0].precision).toBe(1);
    // Macro over classes 0 and 1 only: (6/7 + 0) / 2.
    expect(m.macro.f1).toBeCloseTo(3 / 7, 12);
    expect(m.weighted.f1).toBeCloseTo(6 / 7, 12);
  });

  it('rejects a matrix that is not square', () => {
    expect(() => precisionRecallF1([[1, 2]])).toThrow(RangeError);
    expect(() => precisionRecallF1([])).toThrow(RangeError);
  });
});
