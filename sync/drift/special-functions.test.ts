import { describe, expect, it } from 'vitest';
import { chiSquareCdf, chiSquareQuantile, chiSquareSurvival, logGamma, regularizedGammaP, regularizedGammaQ } from './special-functions.ts';

/** |actual − expected| ≤ tolerance·|expected|. */
function expectRelative(actual: number, expected: number, tolerance = 1e-10): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

/** P(χ²_{2k} > x) = e^(−x/2)·Σ_{j<k} (x/2)^j / j!, the closed form for even dof (a Poisson tail). */
function evenDofSurvival(x: number, dof: number): number {
  let term = 1;
  let sum = 1;
  for (let j = 1; j < dof / 2; j++) sum += term *= x / 2 / j;
  return Math.exp(-x / 2) * sum;
}

describe('logGamma', () => {
  it('matches factorials and Γ(½) = √π', () => {
    // Γ(n) = (n − 1)!: Γ(5) = 24, Γ(11) = 3 628 800, Γ(21) = 20! = 2 432 902 008 176 640 000.
    expectRelative(logGamma(5), Math.log(24), 1e-14);
    expectRelative(logGamma(11), Math.log(3628800), 1e-14);
    expectRelative(logGamma(21), Math.log(2432902008176640000), 1e-14);
    expectRelative(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13);
    // Γ(3/2) = √π/2
    expectRelative(logGamma(1.5), Math.log(Math.sqrt(Math.PI) / 2), 1e-13);
  });
});

describe('chi-square survival', () => {
  it.each([
    // [χ², dof, p]: the classic table rows…
    [3.841, 1, 0.05, 1e-3],
    [16.919, 9, 0.05, 1e-4],
    [21.666, 9, 0.01, 1e-4],
  ])('χ² = %d with %d dof has p ≈ %d (tables)', (x, dof, p, tolerance) => {
    expectRelative(chiSquareSurvival(x, dof), p, tolerance);
  });

  it.each([
    // …and scipy.stats.chi2.sf to full precision (odd dof has no elementary closed form).
    [3.841, 1, 0.050013683763956804],
    [16.919, 9, 0.049999640848349826],
    [21.666, 9, 0.009999979883498333],
    [10.827566170662733, 1, 0.0010000000000000007],
    [0.5, 3, 0.9188914116546758],
    [60, 7, 1.5095553022989154e-10],
    [150, 21, 1.7561046369273012e-21],
  ])('P(χ² > %d; dof %d) = %d (scipy chi2.sf) to 1e-10 relative', (x, dof, p) => {
    expectRelative(chiSquareSurvival(x, dof), p);
  });

  it('matches the even-dof closed form to 1e-10 relative, deep into both tails', () => {
    for (const dof of [2, 4, 10, 20, 50, 100]) {
      for (const x of [1e-3, 0.5, dof / 2, dof - 0.5, dof, dof + 1.5, 3 * dof, 10 * dof + 50, 700]) {
        expectRelative(chiSquareSurvival(x, dof), evenDofSurvival(x, dof));
      }
    }
    // dof 2: P(χ² > x) = e^(−x/2) exactly, e.g. 1e-130 at x = 2·130·ln 10.
    expectRelative(chiSquareSurvival(2 * 130 * Math.LN10, 2), 1e-130, 1e-12);
  });

  it('CDF and survival add to 1 and stay in [0, 1]', () => {
    for (const dof of [0.5, 1, 3, 9, 49]) {
      for (const x of [0, 1e-9, 0.1, 1, 5, 20, 100, Infinity]) {
        const s = chiSquareSurvival(x, dof);
        const c = chiSquareCdf(x, dof);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(s + c).toBeCloseTo(1, 14);
      }
    }
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(Infinity, 3)).toBe(0);
    expect(chiSquareSurvival(-1, 3)).toBe(1);
    expect(regularizedGammaP(2.5, 0)).toBe(0);
    expect(regularizedGammaQ(2.5, 0)).toBe(1);
  });

  it('refuses what is not a distribution', () => {
    expect(() => chiSquareSurvival(1, 0)).toThrow(RangeError);
    expect(() => chiSquareSurvival(1, Number.NaN)).toThrow(RangeError);
    expect(() => chiSquareSurvival(Number.NaN, 2)).toThrow(RangeError);
    expect(() => logGamma(0)).toThrow(RangeError);
  });
});

describe('chi-square quantile', () => {
  it.each([
    // scipy.stats.chi2.ppf(p, dof)
    [0.95, 1, 3.841458820694124],
    [0.95, 9, 16.918977604620448],
    [0.99, 9, 21.665994333461924],
    [0.999, 9, 27.877164871256568],
    [0.999, 1, 10.827566170662733],
    [0.999, 48, 84.03713371722348],
    [0.999999, 200, 309.83809198992293],
    [0.5, 1, 0.454936423119572],
    [0.05, 5, 1.1454762260617692],
    [0.001, 1, 1.5707971492624921e-6],
    [1e-6, 3, 0.00024181048720124264],
    [0.3, 0.5, 0.010982604948550948],
  ])('the %d quantile of χ²(%d) is %d (scipy chi2.ppf)', (p, dof, x) => {
    expectRelative(chiSquareQuantile(p, dof), x, 1e-10);
  });

  it('inverts the CDF where Wilson–Hilferty alone is off', () => {
    for (const dof of [1, 2, 3, 7, 9, 25, 99, 400]) {
      for (const p of [1e-8, 0.001, 0.05, 0.5, 0.9, 0.999, 0.999999]) {
        const x = chiSquareQuantile(p, dof);
        if (p > 0.5) expectRelative(chiSquareSurvival(x, dof), 1 - p, 1e-9);
        else expectRelative(chiSquareCdf(x, dof), p, 1e-9);
      }
    }
  });

  it('refuses probabilities outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) expect(() => chiSquareQuantile(p, 3)).toThrow(RangeError);
    expect(() => chiSquareQuantile(0.5, -1)).toThrow(RangeError);
  });
});
