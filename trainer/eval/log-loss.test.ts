import { describe, expect, it } from 'vitest';
import { logLoss } from './log-loss.ts';

describe('logLoss', () => {
  it('is ln 2 when the true class always gets probability ½', () => {
    expect(logLoss([0, 1, 1], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])).toBeCloseTo(Math.LN2, 12);
  });

  it('averages −ln p(true class) over examples', () => {
    const probs = [0.7, 0.2, 0.1, 0.1, 0.8, 0.1];
    expect(logLoss([0, 2], probs)).toBeCloseTo((-Math.log(0.7) - Math.log(0.1)) / 2, 12);
    expect(logLoss([1, 1], probs)).toBeCloseTo((-Math.log(0.2) - Math.log(0.8)) / 2, 12);
  });

  it('clips a zero probability to eps instead of returning infinity', () => {
    expect(logLoss([1], [1, 0])).toBeCloseTo(-Math.log(1e-15), 9);
    expect(logLoss([1], [1, 0], { eps: 0.01 })).toBeCloseTo(-Math.log(0.01), 12);
    expect(logLoss([0], [1, 0], { eps: 0.01 })).toBeCloseTo(-Math.log(0.99), 12);
  });

  it('rejects a bad eps, out-of-range labels and ragged probabilities', () => {
    expect(() => logLoss([0], [1, 0], { eps: 0 })).toThrow(RangeError);
    expect(() => logLoss([2], [1, 0])).toThrow(RangeError);
    expect(() => logLoss([0, 1], [1, 0, 1])).toThrow(RangeError);
    expect(() => logLoss([], [])).toThrow(RangeError);
  });
});
