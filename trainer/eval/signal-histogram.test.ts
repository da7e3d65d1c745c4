import { describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { binIndex, categoricalSignal, continuousSignal, histogramCounts, quantileEdges } from './signal-histogram.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function strictlyIncreasing(edges: number[]): boolean {
  return edges.every((e, i) => i === 0 || e > edges[i - 1]);
}

describe('quantileEdges', () => {
  it('puts edges at the deciles, from the minimum to the maximum', () => {
    expect(quantileEdges(range(101))).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(quantileEdges(range(101), { bins: 4 })).toEqual([0, 25, 50, 75, 100]);
  });

  it('interpolates between sorted values as NumPy does', () => {
    // np.quantile([1, 2, 3, 4], [0, .5, 1]) = [1, 2.5, 4]
    expect(quantileEdges([4, 1, 3, 2], { bins: 2 })).toEqual([1, 2.5, 4]);
  });

  it('merges equal quantiles so edges increase strictly', () => {
    // 70% zeros: the 0.1 … 0.7 quantiles are all 0.
    const values = [...Array(70).fill(0), ...range(30).map((i) => i + 1)];
    const edges = quantileEdges(values);
    expect(strictlyIncreasing(edges)).toBe(true);
    expect(edges[0]).toBe(0);
    expect(edges[1]).toBeGreaterThan(0);
    expect(edges[edges.length - 1]).toBe(30);
    expect(edges.length).toBeLessThan(11);
  });

  it('gives a constant signal bins below, at and above its value', () => {
    const edges = quantileEdges([0.5, 0.5, 0.5]);
    expect(edges).toHaveLength(4);
    expect(strictlyIncreasing(edges)).toBe(true);
    expect(histogramCounts(edges, [0.5, 0.5, 0.7, 0.2])).toEqual([1, 2, 1]);
  });

  it('refuses non-finite values, naming the signal, and bad bin counts', () => {
    try {
      continuousSignal('age', [1, Number.NaN], [1]);
      expect.unreachable();
    } catch (error) {
      expect(isTrainerError(error, 'NON_NUMERIC')).toBe(true);
      expect((error as { details: Record<string, unknown> }).details).toMatchObject({ signal: 'age', split: 'training', index: 1 });
    }
    expect(() => histogramCounts([0, 1], [Number.POSITIVE_INFINITY])).toThrow(/test value 0/);
    expect(() => quantileEdges([1, 2], { bins: 0 })).toThrow(RangeError);
    expect(() => quantileEdges([1, 2], { bins: 1025 })).toThrow(RangeError);
    expect(() => quantileEdges([])).toThrow(RangeError);
  });
});

describe('binIndex and histogramCounts', () => {
  const edges = [0, 1, 2, 3];

  it('bins left-closed, with open outer bins for values outside the training range', () => {
    expect([-5, 0, 0.5, 1, 1.99, 2, 3, 99].map((v) => binIndex(edges, v))).toEqual([0, 0, 0, 1, 1, 2, 2, 2]);
  });

  it('counts every test value exactly once', () => {
    const values = [-1, 0.2, 1.5, 1.5, 2.5, 7];
    const counts = histogramCounts(edges, values);
    expect(counts).toEqual([2, 2, 2]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(values.length);
  });

  it('rejects edges that do not make bins', () => {
    expect(() => histogramCounts([1], [1])).toThrow(RangeError);
    expect(() => histogramCounts([0, 1, 1], [1])).toThrow(RangeError);
  });
});

describe('continuousSignal and categoricalSignal', () => {
  it('takes edges from the training values and counts from the test values', () => {
    const signal = continuousSignal('age', range(101), [5, 15, 15, 95, 200], { bins: 10 });
    expect(signal.name).toBe('age');
    expect(signal.edges).toHaveLength(11);
    expect(signal.counts).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 0, 2]);
  });

  it('has one bin per class, edges at the class boundaries', () => {
    const signal = categoricalSignal('predicted_class', 3, [0, 2, 2, 1, 2]);
    expect(signal.edges).toEqual([-0.5, 0.5, 1.5, 2.5]);
    expect(signal.counts).toEqual([1, 1, 3]);
    expect(() => categoricalSignal('c', 3, [3])).toThrow(RangeError);
  });

  it('refuses a name the manifest would refuse', () => {
    expect(() => continuousSignal('', [1], [1])).toThrow(/1 to 128 characters/);
  });
});
