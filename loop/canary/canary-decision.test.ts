import { describe, expect, it } from 'vitest';
import { binnedMean, decideCanary, DEFAULT_CANARY_RULE, histogramQuantile, type SideFigures } from './canary-decision.ts';

const side = (over: Partial<SideFigures>): SideFigures => ({ version: '1.0.0', windows: 6, driftedWindows: 4, predictions: 3000, errors: 3, meanConfidence: 0.6, latencyP95: 2, ...over });
const stable = side({});
const canary = side({ version: '1.1.0', windows: 4, driftedWindows: 3, predictions: 2000, errors: 2, meanConfidence: 0.8 });

describe('decideCanary', () => {
  it('waits for enough canary windows', () => {
    expect(decideCanary(stable, { ...canary, windows: 2 })).toMatchObject({ action: 'wait', reasons: ['2 canary windows so far; deciding needs 3'] });
  });

  it('promotes a canary no worse on any count', () => {
    expect(decideCanary(stable, canary)).toMatchObject({ action: 'promote', rule: DEFAULT_CANARY_RULE });
  });

  it.each([
    ['errs more', { errors: 200 }, /error rate 9\.1 % vs 0\.1 % on 1\.0\.0/],
    ['drifts more', { driftedWindows: 4, windows: 4 }, /100\.0 % of its windows drifted vs 66\.7 %/],
    ['is less sure', { meanConfidence: 0.5 }, /mean confidence 0\.500 vs 0\.600/],
    ['is slower', { latencyP95: 10 }, /latency p95 10\.0 ms vs 2\.0 ms/],
  ])('rolls back a canary that %s, saying why', (_, change, reason) => {
    const decision = decideCanary(stable, { ...canary, ...change });
    expect(decision.action).toBe('rollback');
    expect(decision.reasons.join('; ')).toMatch(reason);
  });

  it('does not roll back on a small absolute error increase (one error more)', () => {
    expect(decideCanary(side({ errors: 0 }), { ...canary, errors: 1 }).action).toBe('promote');
  });
});

describe('figures from histograms', () => {
  it('binnedMean weighs bin midpoints', () => {
    expect(binnedMean([0, 0.5, 1], [1, 3])).toBeCloseTo(0.625);
    expect(binnedMean([0, 1], [0])).toBeNull();
  });
  it('histogramQuantile takes the upper edge of the bin holding the quantile', () => {
    expect(histogramQuantile([0, 1, 2, 5, 10], [50, 40, 9, 1], 0.95)).toBe(5);
    expect(histogramQuantile([0, 1, 2, 5, 10], [100, 0, 0, 0], 0.95)).toBe(1);
    expect(histogramQuantile([0, 1, 2, 5, 10], [0, 0, 0, 0], 0.95)).toBeNull();
  });
});
