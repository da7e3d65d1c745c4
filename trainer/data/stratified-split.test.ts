import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from './stratified-split.ts';

/** 1000 labels: class c has 100 + 20·c members, interleaved. */
function makeLabels(): Uint8Array {
  const labels: number[] = [];
  for (let c = 0; c < 10; c++) for (let k = 0; k < 100 + 20 * c; k++) labels.push(c);
  // Interleave deterministically so classes are not contiguous.
  const out = new Uint8Array(labels.length);
  const stride = 7;
  let pos = 0;
  for (let k = 0; k < labels.length; k++) {
    out[pos] = labels[k];
    pos = (pos + stride) % labels.length;
  }
  return out;
}

function classCounts(labels: Uint8Array, indices: Uint32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const i of indices) counts[labels[i]]++;
  return counts;
}

describe('stratifiedSplit', () => {
  const labels = makeLabels();

  it('sizes add up and follow the fractions', () => {
    const split = stratifiedSplit(labels, { train: 0.8, validation: 0.1, test: 0.1, seed: 42 });
    expect(split.train.length + split.validation.length + split.test.length).toBe(labels.length);
    // Per-class rounding must not drift the totals: N × fraction exactly, where that is whole.
    expect(labels.length % 10).toBe(0);
    expect(split.train.length).toBe(0.8 * labels.length);
    expect(split.validation.length).toBe(0.1 * labels.length);
    expect(split.test.length).toBe(0.1 * labels.length);
  });

  it('keeps each class in the requested proportions', () => {
    const split = stratifiedSplit(labels, { train: 0.6, validation: 0.2, test: 0.2, seed: 1 });
    const all = classCounts(labels, Uint32Array.from(labels.keys()));
    const train = classCounts(labels, split.train);
    const validation = classCounts(labels, split.validation);
    const test = classCounts(labels, split.test);
    for (let c = 0; c < 10; c++) {
      expect(train[c] + validation[c] + test[c]).toBe(all[c]);
      expect(Math.abs(train[c] - 0.6 * all[c])).toBeLessThanOrEqual(1);
      expect(Math.abs(validation[c] - 0.2 * all[c])).toBeLessThanOrEqual(1);
      expect(Math.abs(test[c] - 0.2 * all[c])).toBeLessThanOrEqual(1);
    }
  });

  it('is disjoint and covers every index once', () => {
    const split = stratifiedSplit(labels, { seed: 3 });
    const seen = new Uint8Array(labels.length);
    for (const part of [split.train, split.validation, split.test]) for (const i of part) seen[i]++;
    expect(seen.every((n) => n === 1)).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = stratifiedSplit(labels, { seed: 42 });
    const b = stratifiedSplit(labels, { seed: 42 });
    const c = stratifiedSplit(labels, { seed: 43 });
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.train)).toEqual(Array.from(b.train));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it('shuffles within a split rather than grouping by class', () => {
    const { train } = stratifiedSplit(labels, { seed: 5 });
    const firstHundred = new Set(Array.from(train.subarray(0, 100), (i) => labels[i]));
    expect(firstHundred.size).toBeGreaterThan(5);
  });

  it('gives every non-empty split at least one member of a small class', () => {
    const small = Uint8Array.from([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const split = stratifiedSplit(small, { seed: 9 });
    for (const part of [split.train, split.validation, split.test]) {
      expect(classCounts(small, part)[0]).toBeGreaterThanOrEqual(1);
    }
  });

  it('allows an empty split with fraction 0', () => {
    const split = stratifiedSplit(labels, { train: 0.9, validation: 0, test: 0.1 });
    expect(split.validation.length).toBe(0);
    expect(split.train.length + split.test.length).toBe(labels.length);
  });

  it.each([
    [{ train: 0.8, validation: 0.1, test: 0.2 }],
    [{ train: -0.1, validation: 0.6, test: 0.5 }],
    [{ train: Number.NaN }],
    [{ train: 1.5, validation: -0.25, test: -0.25 }],
  ])('rejects bad fractions %j with a RangeError', (options) => {
    expect(() => stratifiedSplit(labels, options)).toThrow(RangeError);
  });

  it('rejects a class with fewer members than non-empty splits', () => {
    const labelsWithRare = Uint8Array.from([0, 0, 0, 0, 1, 1]);
    expect(() => stratifiedSplit(labelsWithRare, { seed: 1 })).toThrow(/class 1 has 2 member/);
    expect(() => stratifiedSplit(labelsWithRare, { seed: 1 })).toThrow(RangeError);
  });
});
