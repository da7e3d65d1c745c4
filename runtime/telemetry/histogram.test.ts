import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binIndex as trainerBinIndex } from '../../trainer/eval/signal-histogram.ts';
import { binIndex, FixedHistogram, LATENCY_EDGES_MS } from './histogram.ts';

const EDGES = [0, 0.25, 0.5, 1];

describe('binIndex', () => {
  it.each([
    ['inside the first bin', 0.1, 0],
    ['on an inner edge (left-closed)', 0.25, 1],
    ['inside the last bin', 0.75, 2],
    ['below the first edge → first bin', -3, 0],
    ['on the last edge → last bin', 1, 2],
    ['above the last edge → last bin', 42, 2],
    ['NaN → first bin', Number.NaN, 0],
    ['-Infinity → first bin', -Infinity, 0],
    ['Infinity → last bin', Infinity, 2],
  ])('%s', (_, value, bin) => {
    expect(binIndex(EDGES, value)).toBe(bin);
  });

  it('agrees with the trainer baseline binning on any edges and value', () => {
    const edges = fc.uniqueArray(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 40 }).map((a) => [...a].sort((x, y) => x - y));
    fc.assert(
      fc.property(edges, fc.double({ noNaN: false }), (e, v) => {
        expect(binIndex(e, v)).toBe(trainerBinIndex(e, v));
      }),
    );
  });
});

describe('FixedHistogram', () => {
  it('counts every value once, out-of-range ones in the outer bins', () => {
    const h = new FixedHistogram(EDGES);
    for (const v of [-1, 0, 0.3, 0.3, 0.99, 1, 7]) h.add(v);
    expect(h.counts).toEqual([2, 2, 3]);
  });

  it('refuses edges that do not increase strictly', () => {
    expect(() => new FixedHistogram([0, 1, 1])).toThrow(RangeError);
    expect(() => new FixedHistogram([0])).toThrow(RangeError);
  });

  it('latency edges are what the endpoint accepts: 2–65 strictly increasing numbers in 0..3,600,000', () => {
    expect(LATENCY_EDGES_MS.length).toBeGreaterThanOrEqual(2);
    expect(LATENCY_EDGES_MS.length).toBeLessThanOrEqual(65);
    expect(LATENCY_EDGES_MS.every((e, i) => e >= 0 && e <= 3_600_000 && (i === 0 || e > LATENCY_EDGES_MS[i - 1]!))).toBe(true);
    const h = new FixedHistogram(LATENCY_EDGES_MS);
    h.add(3.2);
    h.add(120_000);
    expect(h.counts[2]).toBe(1); // 2 ≤ 3.2 < 5
    expect(h.counts[h.counts.length - 1]).toBe(1);
  });
});
