/**
 * Merging windows is exact and order-independent: the endpoint may add up windows from
 * many devices in any order and get the counts of one long window.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../format/index.ts';
import { ModelSketch, type SketchSample } from './model-sketch.ts';
import { mergeWindowCounts, type WindowCounts } from './window-counts.ts';

const MANIFEST = {
  format: 'edgeloop/1',
  name: 'merge-test',
  version: '1.0.0',
  createdAt: '2026-12-01T00:00:00.000Z',
  task: 'tabular-classification',
  input: { name: 'x', shape: [-1, 2], dtype: 'float32' },
  output: { name: 'p', shape: [-1, 3], activation: 'softmax' },
  artifacts: [],
  baseline: {
    signals: [
      { name: 'a', edges: [-1, 0, 0.5, 1], counts: [1, 1, 1] },
      { name: 'b', edges: [0, 10, 100], counts: [1, 1] },
      { name: 'predicted_class', edges: [-0.5, 0.5, 1.5, 2.5], counts: [1, 1, 1] },
      { name: 'confidence', edges: [0, 0.4, 0.7, 1], counts: [1, 1, 1] },
    ],
  },
} as unknown as Manifest;

const sample = fc.record({
  a: fc.double({ min: -5, max: 5, noNaN: true }),
  b: fc.double({ min: -50, max: 500, noNaN: true }),
  p: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
  latencyMs: fc.double({ min: 0, max: 100_000, noNaN: true }),
  error: fc.option(fc.constantFrom('INPUT_INVALID', 'INFERENCE_FAILED'), { nil: undefined }),
});
type Sample = typeof sample extends fc.Arbitrary<infer T> ? T : never;

function countsOf(samples: readonly Sample[]): WindowCounts {
  const sketch = new ModelSketch(MANIFEST);
  for (const s of samples) {
    const input: SketchSample['input'] = { data: [s.a, s.b], shape: [1, 2] };
    sketch.record({ input, output: s.p, latencyMs: s.latencyMs });
    if (s.error) sketch.recordError(s.error);
  }
  return sketch.take();
}

describe('mergeWindowCounts', () => {
  it('merging the windows of a split stream gives the counts of the whole stream', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 60 }), fc.nat(), (samples, cut) => {
        const at = samples.length === 0 ? 0 : cut % (samples.length + 1);
        expect(mergeWindowCounts(countsOf(samples.slice(0, at)), countsOf(samples.slice(at)))).toEqual(countsOf(samples));
      }),
    );
  });

  it('is commutative and associative', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 20 }), fc.array(sample, { maxLength: 20 }), fc.array(sample, { maxLength: 20 }), (x, y, z) => {
        const [a, b, c] = [countsOf(x), countsOf(y), countsOf(z)];
        const sorted = (w: WindowCounts) => ({ ...w, errors: Object.fromEntries(Object.entries(w.errors).sort()) });
        expect(sorted(mergeWindowCounts(a, b))).toEqual(sorted(mergeWindowCounts(b, a)));
        expect(sorted(mergeWindowCounts(mergeWindowCounts(a, b), c))).toEqual(sorted(mergeWindowCounts(a, mergeWindowCounts(b, c))));
      }),
    );
  });

  it('refuses windows whose bins differ', () => {
    const a = countsOf([]);
    const b = { ...a, signals: { a: [1, 2] } };
    expect(() => mergeWindowCounts({ ...a, signals: { a: [0, 0, 0] } }, b)).toThrow(RangeError);
  });
});
