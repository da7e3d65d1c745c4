import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquareQuantile } from './special-functions.ts';
import {
  chiSquareTest,
  DEFAULT_DRIFT_THRESHOLDS,
  evaluateDrift,
  jensenShannonDistance,
  jsThreshold,
  populationStabilityIndex,
  signalDrift,
  signalKind,
  type DriftThresholds,
} from './statistics.ts';

const SQRT_LN2 = Math.sqrt(Math.LN2);

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Counts of `n` draws from the distribution proportional to `weights`. */
function sample(weights: readonly number[], n: number, random: () => number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const w of weights) cumulative.push((running += w / total));
  const counts = new Array<number>(weights.length).fill(0);
  for (let i = 0; i < n; i++) {
    const u = random();
    let bin = cumulative.findIndex((c) => u < c);
    if (bin === -1) bin = weights.length - 1;
    counts[bin]!++;
  }
  return counts;
}

describe('jensenShannonDistance', () => {
  it('p = [0.5, 0.5], q = [0.9, 0.1], worked by hand', () => {
    // m = [0.7, 0.3]
    // KL(p‖m) = 0.5·ln(0.5/0.7) + 0.5·ln(0.5/0.3) = 0.5·ln(25/21)            ≈ 0.087176
    // KL(q‖m) = 0.9·ln(0.9/0.7) + 0.1·ln(0.1/0.3) = 0.9·ln(9/7) − 0.1·ln 3    ≈ 0.116323
    // JS divergence = (0.087176 + 0.116323)/2 ≈ 0.101750; distance = √0.101750 ≈ 0.318982
    const byHand = Math.sqrt((0.5 * Math.log(25 / 21) + 0.9 * Math.log(9 / 7) - 0.1 * Math.log(3)) / 2);
    expect(jensenShannonDistance([0.5, 0.5], [0.9, 0.1])).toBeCloseTo(byHand, 14);
    // scipy.spatial.distance.jensenshannon([0.5, 0.5], [0.9, 0.1]) = 0.31898154347735663
    expect(jensenShannonDistance([0.5, 0.5], [0.9, 0.1])).toBeCloseTo(0.31898154347735663, 14);
    // Counts are normalised: [5, 5] vs [9, 1] is the same pair.
    expect(jensenShannonDistance([5, 5], [9, 1])).toBeCloseTo(0.31898154347735663, 14);
  });

  it('is 0 for identical distributions and √ln 2 for disjoint ones', () => {
    expect(jensenShannonDistance([3, 1, 6], [3, 1, 6])).toBe(0);
    expect(jensenShannonDistance([30, 10, 60], [3, 1, 6])).toBeCloseTo(0, 15);
    // [1, 0] vs [0, 1]: m = [½, ½], KL(p‖m) = 1·ln 2 = KL(q‖m), divergence ln 2, distance √ln 2 ≈ 0.8325546
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(SQRT_LN2, 15);
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(0.8325546111576977, 15);
  });

  it('three bins: [2, 1, 1] vs [1, 1, 2]', () => {
    // p = [½, ¼, ¼], q = [¼, ¼, ½], m = [3/8, ¼, 3/8]
    // KL(p‖m) = ½·ln(4/3) + ¼·ln(2/3)   (the middle bin is equal: 0)
    // KL(q‖m) = ¼·ln(2/3) + ½·ln(4/3)   (by symmetry the same)
    // divergence = ½·ln(4/3) + ¼·ln(2/3) ≈ 0.042472; distance ≈ 0.206094 (scipy: 0.20609405425399674)
    expect(jensenShannonDistance([2, 1, 1], [1, 1, 2])).toBeCloseTo(Math.sqrt(0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3)), 14);
    expect(jensenShannonDistance([2, 1, 1], [1, 1, 2])).toBeCloseTo(0.20609405425399674, 14);
  });

  it('is symmetric, in [0, √ln 2] and scale-invariant (property)', () => {
    const pair = fc.integer({ min: 1, max: 24 }).chain((bins) =>
      fc.tuple(fc.array(fc.nat({ max: 10_000 }), { minLength: bins, maxLength: bins }), fc.array(fc.nat({ max: 10_000 }), { minLength: bins, maxLength: bins })),
    );
    const nonEmpty = ([p, q]: [number[], number[]]) => p.some((v) => v > 0) && q.some((v) => v > 0);
    fc.assert(
      fc.property(pair.filter(nonEmpty), fc.integer({ min: 2, max: 1000 }), ([p, q], k) => {
        const d = jensenShannonDistance(p, q);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(SQRT_LN2);
        expect(jensenShannonDistance(q, p)).toBeCloseTo(d, 12);
        expect(jensenShannonDistance(p.map((v) => v * k), q)).toBeCloseTo(d, 12);
        expect(jensenShannonDistance(p.map((v) => v / k), q.map((v) => v * k))).toBeCloseTo(d, 12);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses mismatched lengths, negative or non-finite counts and empty sides', () => {
    expect(() => jensenShannonDistance([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => jensenShannonDistance([1, -2], [1, 2])).toThrow(RangeError);
    expect(() => jensenShannonDistance([1, Number.NaN], [1, 2])).toThrow(RangeError);
    expect(() => jensenShannonDistance([1, Infinity], [1, 2])).toThrow(RangeError);
    expect(() => jensenShannonDistance([0, 0], [1, 2])).toThrow(RangeError);
  });
});

describe('populationStabilityIndex', () => {
  it('field [0.5, 0.5] against baseline [0.9, 0.1], worked by hand', () => {
    // (0.5 − 0.9)·ln(0.5/0.9) + (0.5 − 0.1)·ln(0.5/0.1) = 0.4·ln(9/5) + 0.4·ln 5 = 0.4·ln 9 ≈ 0.878890
    expect(populationStabilityIndex([0.5, 0.5], [0.9, 0.1])).toBeCloseTo(0.4 * Math.log(9), 14);
    expect(populationStabilityIndex([50, 50], [900, 100])).toBeCloseTo(0.8788898309344879, 14);
    expect(populationStabilityIndex([7, 3], [70, 30])).toBeCloseTo(0, 15);
  });

  it('replaces an empty proportion by 0.0001, as Evidently does', () => {
    // field [0, 10] → [0.0001, 1] (not renormalised), baseline [5, 5] → [0.5, 0.5]
    // (0.0001 − 0.5)·ln(0.0001/0.5) + (1 − 0.5)·ln(1/0.5) = 0.4999·ln 5000 + 0.5·ln 2 ≈ 4.604279
    const byHand = (0.0001 - 0.5) * Math.log(0.0001 / 0.5) + 0.5 * Math.log(2);
    expect(populationStabilityIndex([0, 10], [5, 5])).toBeCloseTo(byHand, 12);
    expect(Number.isFinite(populationStabilityIndex([10, 0], [0, 10]))).toBe(true);
  });

  it('refuses mismatched lengths', () => {
    expect(() => populationStabilityIndex([1], [1, 2])).toThrow(RangeError);
  });
});

describe('chiSquareTest', () => {
  it('[30, 70] against an even baseline: χ² = 16, dof 1', () => {
    // expected [50, 50]: (30 − 50)²/50 + (70 − 50)²/50 = 8 + 8 = 16;
    // P(χ²₁ > 16) = erfc(√8) = 6.334248366623988e-05 (scipy.stats.chisquare([30, 70]))
    const r = chiSquareTest([30, 70], [500, 500]);
    expect(r.statistic).toBeCloseTo(16, 12);
    expect(r.dof).toBe(1);
    expect(r.pValue).toBeCloseTo(6.334248366623988e-5, 15);
  });

  it('[70, 10, 20] against baseline proportions [0.5, 0.3, 0.2]: χ² = 21⅓, dof 2', () => {
    // n = 100, expected [50, 30, 20]: 20²/50 + 20²/30 + 0 = 8 + 13⅓ = 21⅓;
    // dof 2 has the closed form P(χ²₂ > x) = e^(−x/2) = e^(−10⅔) ≈ 2.3309e-05
    const r = chiSquareTest([70, 10, 20], [5, 3, 2]);
    expect(r.statistic).toBeCloseTo(64 / 3, 12);
    expect(r.dof).toBe(2);
    expect(r.pValue / Math.exp(-32 / 3)).toBeCloseTo(1, 10);
    expect(chiSquareTest([25, 15, 10], [50, 30, 20])).toEqual({ statistic: 0, dof: 2, pValue: 1 });
  });

  it('gives a class the baseline never saw the proportion 0.0001 (renormalised)', () => {
    // baseline [50, 50, 0] → π = [0.5, 0.5, 0.0001]/1.0001; field [10, 9, 1], n = 20
    // e = 20·π = [9.9990, 9.9990, 0.0019998]; χ² = (10 − e₀)²/e₀ + (9 − e₁)²/e₁ + (1 − e₂)²/e₂ ≈ 499.1
    const e = [0.5, 0.5, 0.0001].map((p) => (20 * p) / 1.0001);
    const byHand = (10 - e[0]!) ** 2 / e[0]! + (9 - e[1]!) ** 2 / e[1]! + (1 - e[2]!) ** 2 / e[2]!;
    const r = chiSquareTest([10, 9, 1], [50, 50, 0]);
    expect(r.statistic).toBeCloseTo(byHand, 9);
    expect(r.dof).toBe(2);
    expect(r.pValue).toBeLessThan(1e-100);
  });

  it('one bin has nothing to test', () => {
    expect(chiSquareTest([7], [9])).toEqual({ statistic: 0, dof: 0, pValue: 1 });
  });
});

describe('signalKind', () => {
  it('the predicted class is categorical, every other signal binned', () => {
    expect(signalKind('predicted_class')).toBe('categorical');
    for (const name of ['mean_intensity', 'contrast', 'block_3_4', 'confidence', 'entropy', 'age']) expect(signalKind(name)).toBe('binned');
  });
});

describe('signalDrift', () => {
  const even = new Array<number>(10).fill(100);

  it('raises the JS threshold above 0.1 for small windows, by the noise of a χ² sample', () => {
    // n = 100, m = 1000, B = 10 bins: q = χ²₉⁻¹(0.999) = 27.877164871256568 (scipy chi2.ppf)
    // threshold = √(27.877·(1/100 + 1/1000)/8) = √0.038331 ≈ 0.19578
    const s = signalDrift('mean_intensity', sample(even, 100, mulberry32(1)), even);
    expect(s.threshold).toBeCloseTo(Math.sqrt((27.877164871256568 * (1 / 100 + 1 / 1000)) / 8), 10);
    expect(s).toMatchObject({ kind: 'binned', method: 'jensen-shannon', pValue: null, sampleSize: 100, baselineSize: 1000 });
    expect(s.statistic).toBe(s.jsDistance);
    // n = 10 000: √(27.877·(1e-4 + 1e-3)/8) ≈ 0.0619 < 0.1, so the 0.1 floor holds.
    expect(signalDrift('x', sample(even, 10_000, mulberry32(2)), even).threshold).toBe(0.1);
    expect(jsThreshold(10_000, 1000, 10)).toBe(0.1);
  });

  it('counts only bins the baseline has counts in for the noise term', () => {
    const baseline = [100, 0, 100, 0, 100];
    const s = signalDrift('x', [40, 0, 30, 0, 30], baseline);
    // B = 3 → q = χ²₂⁻¹(0.999) = −2·ln 0.001 = 13.8155 (dof 2 is exponential)
    expect(s.threshold).toBeCloseTo(Math.sqrt((-2 * Math.log(0.001) * (1 / 100 + 1 / 300)) / 8), 10);
  });

  it('drifts on a clear shift, not on the baseline itself', () => {
    expect(signalDrift('x', [100, 100, 100, 100, 100, 100, 100, 100, 100, 100], even).status).toBe('ok');
    expect(signalDrift('x', [0, 0, 0, 0, 0, 100, 100, 100, 100, 100], even)).toMatchObject({ status: 'drift' });
  });

  it('judges the predicted class by chi-square up to largeSample, by JS above it', () => {
    // 5× as many of classes 0–4 as of 5–9.
    const skew = [5, 5, 5, 5, 5, 1, 1, 1, 1, 1];
    const small = signalDrift('predicted_class', sample(skew, 300, mulberry32(3)), even);
    expect(small).toMatchObject({ kind: 'categorical', method: 'chi-square', threshold: 0.05, status: 'drift' });
    expect(small.statistic).toBe(small.pValue);
    expect(small.pValue).toBeLessThan(1e-6);
    const large = signalDrift('predicted_class', sample(skew, 5000, mulberry32(4)), even);
    expect(large).toMatchObject({ kind: 'categorical', method: 'jensen-shannon', status: 'drift' });
    expect(large.statistic).toBe(large.jsDistance);
    expect(large.pValue).toBeLessThan(1e-6);
    expect(signalDrift('predicted_class', even, even)).toMatchObject({ method: 'chi-square', status: 'ok', pValue: 1 });
    expect(signalDrift('predicted_class', sample(skew, 300, mulberry32(3)), even, { largeSample: 200 }).method).toBe('jensen-shannon');
  });

  it('is insufficient-data below minSamples, and with an empty side', () => {
    expect(signalDrift('x', [0, 0, 0, 0, 0, 33, 33, 32, 0, 0], even).status).toBe('insufficient-data');
    expect(signalDrift('x', [0, 0, 0, 0, 0, 33, 33, 32, 0, 0], even, { minSamples: 50 }).status).toBe('drift');
    expect(signalDrift('predicted_class', [99, 0, 0, 0, 0, 0, 0, 0, 0, 0], even).status).toBe('insufficient-data');
    expect(signalDrift('x', new Array(10).fill(0), even, { minSamples: 0 })).toMatchObject({ status: 'insufficient-data', sampleSize: 0, jsDistance: 0 });
    expect(signalDrift('x', even, new Array(10).fill(0))).toMatchObject({ status: 'insufficient-data', baselineSize: 0 });
  });

  it('refuses bad counts with a RangeError that names the signal', () => {
    expect(() => signalDrift('block_2_3', [1, -1], [1, 1])).toThrow(/block_2_3/);
    expect(() => signalDrift('block_2_3', [1, Number.NaN], [1, 1])).toThrow(RangeError);
    expect(() => signalDrift('confidence', [1, 2], [1, Infinity])).toThrow(/confidence.*baseline/);
    expect(() => signalDrift('entropy', [1, 2, 3], [1, 2])).toThrow(/entropy/);
    expect(() => signalDrift('entropy', [1, 2, 3], [1, 2])).toThrow(RangeError);
  });

  it('keeps the defaults where a threshold is passed as undefined', () => {
    expect(signalDrift('x', even, even, { jsDistance: undefined }).threshold).toBe(DEFAULT_DRIFT_THRESHOLDS.jsDistance);
  });
});

describe('false positives and detection (seeded simulation)', () => {
  const uniform = new Array<number>(10).fill(200);
  // A skewed signal like top-1 confidence: most mass in the upper bins, two rare bins.
  const skewed = [5, 20, 50, 100, 200, 400, 600, 400, 150, 75];

  function driftRate(truth: readonly number[], baseline: readonly number[], n: number, windows: number, seed: number, thresholds: Partial<DriftThresholds> = {}): number {
    const random = mulberry32(seed);
    let drifted = 0;
    for (let w = 0; w < windows; w++) if (signalDrift('x', sample(truth, n, random), baseline, thresholds).status === 'drift') drifted++;
    return drifted / windows;
  }

  it.each([
    ['uniform', 500, uniform],
    ['skewed', 500, skewed],
    ['uniform', 100, uniform],
    ['skewed', 100, skewed],
  ] as const)('%s baseline: windows of %i draws from it drift in ≤ 0.5 %% of 2000', (_, n, baseline) => {
    expect(driftRate(baseline, baseline, n, 2000, 11)).toBeLessThanOrEqual(0.005);
  });

  it('with the 0.1 floor alone, windows of 100 would drift on noise', () => {
    // noiseQuantile → 0 drops the noise term: median JS distance at n = 100 over 10 bins is ≈ 0.10.
    expect(driftRate(uniform, uniform, 100, 2000, 12, { noiseQuantile: 1e-12 })).toBeGreaterThan(0.3);
  });

  it('when the baseline is itself a sample, the false-positive rate stays low too', () => {
    const random = mulberry32(13);
    let drifted = 0;
    for (let w = 0; w < 2000; w++) {
      const baseline = sample(skewed, 2000, random);
      if (signalDrift('x', sample(skewed, 500, random), baseline).status === 'drift') drifted++;
    }
    expect(drifted / 2000).toBeLessThanOrEqual(0.005);
  });

  it('detects a distribution shifted by one bin in nearly every window of 500', () => {
    const shifted = [0, ...skewed.slice(0, -1)];
    shifted[9]! += skewed[9]!;
    expect(driftRate(shifted, skewed, 500, 500, 14)).toBeGreaterThanOrEqual(0.99);
  });

  it('pays for the low false-positive rate of small windows with power: a 3× skew is caught far more often at 500 than at 100', () => {
    // The first five bins 3× as likely: JS distance ≈ 0.184, under the n = 100 threshold (≈ 0.196) but well over 0.1.
    const threeFold = [...uniform.slice(0, 5).map((v) => v * 3), ...uniform.slice(5)];
    expect(driftRate(threeFold, uniform, 500, 500, 15)).toBeGreaterThanOrEqual(0.99);
    const at100 = driftRate(threeFold, uniform, 100, 500, 16);
    expect(at100).toBeGreaterThan(0.5);
    expect(at100).toBeLessThan(0.95);
    // 5×: JS distance ≈ 0.254, caught in small windows too.
    const fiveFold = [...uniform.slice(0, 5).map((v) => v * 5), ...uniform.slice(5)];
    expect(driftRate(fiveFold, uniform, 100, 500, 17)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('evaluateDrift', () => {
  const base = new Array<number>(4).fill(250);
  const same = [250, 250, 250, 250];
  const moved = [1000, 0, 0, 0];
  const baseline = ['a', 'b', 'c', 'd'].map((name) => ({ name, edges: [0, 1, 2, 3, 4], counts: base }));

  it('drifts when at least half of the judged signals drift', () => {
    expect(evaluateDrift(baseline, { a: moved, b: moved, c: same, d: same })).toMatchObject({ status: 'drift', drifted: 2, evaluated: 4 });
    expect(evaluateDrift(baseline, { a: moved, b: same, c: same, d: same })).toMatchObject({ status: 'ok', drifted: 1, evaluated: 4 });
    expect(evaluateDrift(baseline, { a: same, b: same, c: same, d: same })).toMatchObject({ status: 'ok', drifted: 0, evaluated: 4 });
    expect(evaluateDrift(baseline, { a: moved, b: same, c: same, d: same }, { signalShare: 0.25 }).status).toBe('drift');
  });

  it('leaves signals without enough data out of the share', () => {
    const few = [10, 10, 10, 10];
    // 1 of 3 judged signals drift: 1 < 1.5 → ok; 2 of 3: drift.
    expect(evaluateDrift(baseline, { a: moved, b: same, c: same, d: few })).toMatchObject({ status: 'ok', drifted: 1, evaluated: 3 });
    expect(evaluateDrift(baseline, { a: moved, b: moved, c: same, d: few })).toMatchObject({ status: 'drift', drifted: 2, evaluated: 3 });
    // 1 drifted of 1 judged.
    expect(evaluateDrift(baseline, { a: moved, b: few, c: few, d: few })).toMatchObject({ status: 'drift', drifted: 1, evaluated: 1 });
  });

  it('is insufficient-data when no signal has enough data, or none is in both', () => {
    const verdict = evaluateDrift(baseline, { a: [10, 10, 10, 10], b: [40, 0, 0, 0] });
    expect(verdict).toMatchObject({ status: 'insufficient-data', drifted: 0, evaluated: 0, sampleSize: 40 });
    expect(verdict.signals.map((s) => s.status)).toEqual(['insufficient-data', 'insufficient-data']);
    expect(evaluateDrift(baseline, {})).toEqual({ status: 'insufficient-data', sampleSize: 0, drifted: 0, evaluated: 0, signals: [] });
    expect(evaluateDrift(baseline, { zzz: moved }).status).toBe('insufficient-data');
  });

  it('evaluates only signals in both, in baseline order; sampleSize is the largest', () => {
    const verdict = evaluateDrift(baseline, { d: same, extra: moved, b: [500, 500, 500, 600] });
    expect(verdict.signals.map((s) => s.name)).toEqual(['b', 'd']);
    expect(verdict.sampleSize).toBe(2100);
  });

  it('refuses a signal whose counts do not fit its baseline, naming it', () => {
    expect(() => evaluateDrift(baseline, { a: same, c: [1, 2, 3] })).toThrow(/"c"/);
    expect(() => evaluateDrift(baseline, { b: [1, 2, -3, 4] })).toThrow(/"b"/);
  });

  it('passes its thresholds to every signal', () => {
    const verdict = evaluateDrift(baseline, { a: same, b: same }, { minSamples: 2000 });
    expect(verdict.status).toBe('insufficient-data');
  });
});

describe('jsThreshold', () => {
  it('is the noise quantile of the JS distance where that is above the floor', () => {
    const q = chiSquareQuantile(0.999, 4);
    expect(jsThreshold(50, 200, 5)).toBeCloseTo(Math.sqrt((q * (1 / 50 + 1 / 200)) / 8), 12);
    expect(jsThreshold(50, 200, 5, { jsDistance: 0.5 })).toBe(0.5);
    expect(jsThreshold(50, 200, 1)).toBe(0.1);
  });
});

describe('signals constant in training', () => {
  const flat = { name: 'block_0_0', counts: [1000, 0, 0] };
  const varied = [
    { name: 'a', counts: [300, 400, 300] },
    { name: 'b', counts: [500, 300, 200] },
  ];
  it('do not dilute the version rule while they stay constant, and vote when they drift', () => {
    const baseline = [flat, { ...flat, name: 'block_0_1' }, { ...flat, name: 'block_0_2' }, ...varied];
    // a drifts, b does not: 1 of the 2 informative signals → drift; with the three flat
    // blocks counted as ok it would be 1 of 5.
    const field = { block_0_0: [500, 0, 0], block_0_1: [500, 0, 0], block_0_2: [500, 0, 0], a: [0, 0, 500], b: [250, 150, 100] };
    const verdict = evaluateDrift(baseline, field);
    expect(verdict).toMatchObject({ status: 'drift', drifted: 1, evaluated: 2 });
    expect(verdict.signals.find((s) => s.name === 'block_0_0')).toMatchObject({ status: 'ok', baselineBins: 1 });
    // Ink where training had none: the flat block drifts and votes (1 of a, b and itself: not half).
    const inked = evaluateDrift(baseline, { ...field, a: [150, 200, 150], block_0_0: [100, 200, 200] });
    expect(inked).toMatchObject({ status: 'ok', drifted: 1, evaluated: 3 });
    expect(inked.signals[0]).toMatchObject({ name: 'block_0_0', status: 'drift' });
    // Only flat signals, all constant: judged, not drifting.
    expect(evaluateDrift([flat], { block_0_0: [500, 0, 0] })).toMatchObject({ status: 'ok', evaluated: 0 });
  });
});
