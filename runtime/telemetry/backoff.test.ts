import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from './backoff.ts';
import { seededRandom } from './laplace-noise.ts';

describe('backoff', () => {
  it('doubles from 1 s and stops at 5 minutes', () => {
    expect(Array.from({ length: 12 }, (_, n) => backoffCeiling(n))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000]);
    expect(backoffCeiling(10_000)).toBe(300_000);
    expect(backoffCeiling(2, { baseMs: 50, maxMs: 150 })).toBe(150);
  });

  it('jitters each delay uniformly under its ceiling (full jitter)', () => {
    const random = seededRandom(11);
    for (let attempt = 0; attempt < 10; attempt++) {
      const delays = Array.from({ length: 400 }, () => backoffDelay(attempt, random));
      const ceiling = backoffCeiling(attempt);
      expect(delays.every((d) => d >= 0 && d <= ceiling)).toBe(true);
      const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
      expect(mean / ceiling).toBeGreaterThan(0.4);
      expect(mean / ceiling).toBeLessThan(0.6);
    }
  });

  it('gives the same schedule for the same random source', () => {
    const a = Array.from({ length: 6 }, (_, n) => backoffDelay(n, seededRandom(5)));
    const b = Array.from({ length: 6 }, (_, n) => backoffDelay(n, seededRandom(5)));
    expect(a).toEqual(b);
  });
});
