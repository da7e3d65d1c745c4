import { describe, expect, it } from 'vitest';
import { cryptoRandom, laplaceSample, noisyCount, seededRandom } from './laplace-noise.ts';

describe('Laplace noise', () => {
  it.each([0.5, 1, 2])('has scale 1/ε (ε = %s): mean |noise| ≈ 1/ε and mean ≈ 0 over 20,000 seeded draws', (epsilon) => {
    const random = seededRandom(20261202);
    const n = 20_000;
    let abs = 0;
    let sum = 0;
    let beyond = 0;
    for (let i = 0; i < n; i++) {
      const x = laplaceSample(random, 1 / epsilon);
      abs += Math.abs(x);
      sum += x;
      if (Math.abs(x) > 3 / epsilon) beyond++;
    }
    // E|X| = b; its standard error over n draws is b/√n ≈ 0.7 % of b.
    expect(abs / n).toBeGreaterThan((1 / epsilon) * 0.97);
    expect(abs / n).toBeLessThan((1 / epsilon) * 1.03);
    // E X = 0, sd √2·b: 4 standard errors.
    expect(Math.abs(sum / n)).toBeLessThan((4 * Math.SQRT2) / epsilon / Math.sqrt(n));
    // P(|X| > 3b) = e⁻³ ≈ 0.0498: the tails are Laplace, not Gaussian.
    expect(beyond / n).toBeGreaterThan(0.043);
    expect(beyond / n).toBeLessThan(0.057);
  });

  it('noisy counts stay non-negative integers (rounded, then clamped at 0)', () => {
    const random = seededRandom(7);
    const counts = Array.from({ length: 5000 }, (_, i) => noisyCount(i % 3, 0.2, random));
    expect(counts.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
    // Zeros do get noise: some become positive.
    expect(counts.some((c, i) => i % 3 === 0 && c > 0)).toBe(true);
  });

  it('the crypto source gives uniform numbers in [0, 1)', () => {
    const random = cryptoRandom();
    const draws = Array.from({ length: 2000 }, random);
    expect(draws.every((u) => u >= 0 && u < 1)).toBe(true);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});
