import { describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { sliceMetrics } from './slice-metrics.ts';

/** Two-class probabilities with arg-max `pred` at confidence `p`. */
function rows(preds: number[], p = 0.9): number[] {
  return preds.flatMap((pred) => (pred === 0 ? [p, 1 - p] : [1 - p, p]));
}

describe('sliceMetrics', () => {
  // Region "north": 2 of 2 right; "south": 1 of 4 right; "east": 1 of 1 right.
  const yTrue = [0, 1, 0, 1, 0, 1, 1];
  const preds = [0, 1, 1, 0, 0, 0, 1];
  const regions = ['north', 'north', 'south', 'south', 'south', 'south', 'east'];

  it('computes the metric per slice and flags the worst, the best and the gap', () => {
    const r = sliceMetrics(yTrue, rows(preds), regions, { column: 'region' });
    expect(r.slices).toEqual([
      { value: 'north', count: 2, metric: 1 },
      { value: 'south', count: 4, metric: 0.25 },
      { value: 'east', count: 1, metric: 1 },
    ]);
    expect(r.worst?.value).toBe('south');
    expect(r.best?.value).toBe('north');
    expect(r.gap).toBeCloseTo(0.75, 12);
    expect(r.column).toBe('region');
  });

  it('leaves slices under minCount out of the comparison', () => {
    const r = sliceMetrics(yTrue, rows(preds), regions, { minCount: 3 });
    expect(r.best?.value).toBe('south');
    expect(r.worst?.value).toBe('south');
    expect(r.gap).toBe(0);
  });

  it('treats lower as better for log-loss', () => {
    const r = sliceMetrics(yTrue, rows(preds), regions, { metric: 'logLoss' });
    expect(r.lowerIsBetter).toBe(true);
    expect(r.worst?.value).toBe('south');
    const south = r.slices.find((s) => s.value === 'south')!;
    expect(south.metric).toBeCloseTo(-(Math.log(0.9) + 3 * Math.log(0.1)) / 4, 12);
  });

  it('gives per-class recall when sliced by the true class', () => {
    const r = sliceMetrics(yTrue, rows(preds), yTrue, { column: 'class' });
    // Class 0: 2 of 3 right; class 1: 2 of 4 right.
    expect(r.slices.find((s) => s.value === '0')!.metric).toBeCloseTo(2 / 3, 12);
    expect(r.slices.find((s) => s.value === '1')!.metric).toBeCloseTo(0.5, 12);
    expect(r.worst?.value).toBe('1');
  });

  it('skips slices whose metric is undefined', () => {
    // Each region holds one class only, so its AUC is undefined.
    const r = sliceMetrics([0, 0, 1, 1], rows([0, 0, 1, 1]), ['a', 'a', 'b', 'b'], { metric: 'macroRocAuc' });
    expect(r.slices.map((s) => s.metric)).toEqual([null, null]);
    expect(r.gap).toBeNull();
  });

  it('rejects an unknown metric and mismatched slice values', () => {
    try {
      sliceMetrics(yTrue, rows(preds), regions, { metric: 'toString' as never });
      expect.unreachable();
    } catch (error) {
      expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
    }
    expect(() => sliceMetrics(yTrue, rows(preds), ['a'])).toThrow(RangeError);
  });
});
