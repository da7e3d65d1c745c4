import { describe, expect, it } from 'vitest';
import { mae, regressionReport, rmse, rSquared } from './regression-report.ts';

describe('regression metrics', () => {
  // Errors 0, −1, 1, −2: squared sum 6, absolute sum 4; ȳ = 2.5, Σ(y − ȳ)² = 5.
  const yTrue = [1, 2, 3, 4];
  const yPred = [1, 3, 2, 6];

  it('computes RMSE, MAE and R² by hand', () => {
    expect(rmse(yTrue, yPred)).toBeCloseTo(Math.sqrt(1.5), 12);
    expect(mae(yTrue, yPred)).toBeCloseTo(1, 12);
    expect(rSquared(yTrue, yPred)).toBeCloseTo(1 - 6 / 5, 12);
    expect(regressionReport(yTrue, yPred)).toEqual({ count: 4, rmse: rmse(yTrue, yPred), mae: 1, r2: rSquared(yTrue, yPred) });
  });

  it('gives R² 1 for exact predictions and 0 for predicting the mean', () => {
    expect(rSquared(yTrue, yTrue)).toBe(1);
    expect(rSquared(yTrue, [2.5, 2.5, 2.5, 2.5])).toBeCloseTo(0, 12);
  });

  it('gives R² 1 or 0 (never NaN) for a constant target', () => {
    expect(rSquared([3, 3, 3], [3, 3, 3])).toBe(1);
    expect(rSquared([3, 3, 3], [3, 3, 4])).toBe(0);
  });

  it('rejects empty, mismatched and non-finite inputs', () => {
    expect(() => rmse([], [])).toThrow(RangeError);
    expect(() => mae([1, 2], [1])).toThrow(RangeError);
    expect(() => rSquared([1, Number.NaN], [1, 2])).toThrow(RangeError);
  });
});
