import { describe, expect, it } from 'vitest';
import { isEdgeloopError } from '../../format/index.ts';
import type { Manifest } from '../../format/index.ts';
import { activate, prepareTensor, topIndices, topK } from './preprocess.ts';

function manifest(overrides: Partial<Manifest['input']> = {}, output: Partial<Manifest['output']> = {}): Manifest {
  return {
    format: 'edgeloop/1',
    name: 'm',
    version: '1.0.0',
    createdAt: '2026-01-01T00:00:00Z',
    task: 'image-classification',
    input: { name: 'input', shape: [-1, 2, 2, 1], dtype: 'float32', layout: 'NHWC', preprocessing: { scale: 1 / 255 }, ...overrides },
    output: { name: 'logits', shape: [-1, 3], labels: ['a', 'b', 'c'], activation: 'softmax', ...output },
    artifacts: [{ id: 'a', engine: 'tfjs', precision: 'fp32', target: 'generic', files: [{ path: 'model.json', bytes: 1, sha256: '0'.repeat(64) }] }],
    metrics: {},
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isEdgeloopError(error) ? error.code : 'untyped';
  }
  return undefined;
}

describe('prepareTensor', () => {
  it('adds the batch dimension and applies scale', () => {
    const out = prepareTensor(manifest(), { data: new Float32Array([0, 255, 51, 102]), shape: [2, 2, 1] });
    expect(out.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(out.data)).toEqual([0, 1, 0.2, 0.4].map((v) => Math.fround(v)));
  });

  it('applies invert, then per-channel mean/std on the channel axis', () => {
    const rgb = manifest({ shape: [-1, 1, 2, 3], preprocessing: { scale: 1, mean: [0, 1, 2], std: [1, 2, 4] } });
    const out = prepareTensor(rgb, { data: new Float32Array([1, 3, 6, 1, 3, 6]), shape: [1, 1, 2, 3] });
    expect(Array.from(out.data)).toEqual([1, 1, 1, 1, 1, 1]);
    const inverted = manifest({ preprocessing: { scale: 1, invert: true } });
    expect(Array.from(prepareTensor(inverted, { data: new Float32Array([0, 1, 0.25, 0.5]), shape: [2, 2, 1] }).data)).toEqual([1, 0, 0.75, 0.5]);
  });

  it('uses the channel axis 1 for NCHW', () => {
    const nchw = manifest({ shape: [-1, 2, 1, 2], layout: 'NCHW', preprocessing: { mean: [10, 20], std: [1, 1] } });
    const out = prepareTensor(nchw, { data: new Float32Array([10, 11, 20, 22]), shape: [1, 2, 1, 2] });
    expect(Array.from(out.data)).toEqual([0, 1, 0, 2]);
  });

  it('takes 8-bit pixels (Uint8Array, Uint8ClampedArray) for a float32 image model, as the float values they stand for', () => {
    const rgb = manifest({ shape: [-1, 1, 2, 3], preprocessing: { scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] } });
    const pixels = [0, 255, 51, 127.5 * 0.5, 200, 10].map(Math.round);
    const asFloats = prepareTensor(rgb, { data: Float32Array.from(pixels), shape: [1, 2, 3] });
    for (const data of [Uint8Array.from(pixels), Uint8ClampedArray.from(pixels)]) {
      const out = prepareTensor(rgb, { data, shape: [1, 2, 3] });
      expect(out.data).toBeInstanceOf(Float32Array);
      expect(Array.from(out.data)).toEqual(Array.from(asFloats.data));
    }
    expect(Array.from(asFloats.data.slice(0, 2))).toEqual([-1, 1]);
    const inverted = prepareTensor(manifest({ preprocessing: { scale: 1 / 255, invert: true } }), { data: Uint8ClampedArray.of(0, 255, 0, 255), shape: [2, 2, 1] });
    expect(Array.from(inverted.data)).toEqual([1, 0, 1, 0]);
  });

  it('refuses 8-bit data for a float32 tabular model, naming the dtype it needs', () => {
    const tabular = { ...manifest({ shape: [-1, 4], layout: undefined, preprocessing: undefined }), task: 'tabular-classification' as const };
    expect(() => prepareTensor(tabular, { data: new Uint8Array(4), shape: [1, 4] })).toThrow(/input\.data must be a Float32Array \(the model's input dtype is float32\); got Uint8Array/);
  });

  it.each([
    ['wrong dtype', { data: new Int32Array(4), shape: [2, 2, 1] }],
    ['wrong rank', { data: new Float32Array(4), shape: [4] }],
    ['wrong size', { data: new Float32Array(9), shape: [3, 3, 1] }],
    ['data/shape mismatch', { data: new Float32Array(3), shape: [2, 2, 1] }],
    ['zero batch', { data: new Float32Array(0), shape: [0, 2, 2, 1] }],
    ['fractional dim', { data: new Float32Array(4), shape: [1, 2, 2, 1.5] }],
  ])('rejects %s with INPUT_INVALID', (_, input) => {
    expect(codeOf(() => prepareTensor(manifest(), input as never))).toBe('INPUT_INVALID');
  });
});

describe('activate and topK', () => {
  it('softmax rows sum to 1 and keep order; top-k is sorted with labels', () => {
    const probs = activate(manifest(), { data: new Float32Array([1, 2, 3, 1000, 0, -1000]), shape: [2, 3] });
    expect(probs[0]! + probs[1]! + probs[2]!).toBeCloseTo(1, 6);
    expect(probs[3]).toBeCloseTo(1, 6);
    expect(Number.isFinite(probs[5]!)).toBe(true);
    expect(topK(manifest(), probs.slice(0, 3), 2).map((k) => k.label)).toEqual(['c', 'b']);
  });

  it('sigmoid and none', () => {
    const sig = activate(manifest({}, { activation: 'sigmoid' }), { data: new Float32Array([0]), shape: [1, 1] });
    expect(sig[0]).toBe(0.5);
    const raw = activate(manifest({}, { activation: 'none' }), { data: new Float32Array([5, -5]), shape: [1, 2] });
    expect(Array.from(raw)).toEqual([5, -5]);
  });

  it('top-k indices equal a stable sort by descending score, for any k (ties in index order)', () => {
    const reference = (row: Float32Array, k: number) =>
      Array.from(row, (score, index) => ({ score, index }))
        .sort((a, b) => b.score - a.score)
        .slice(0, Math.max(0, k))
        .map((e) => e.index);
    let state = 7;
    const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 28) / 4;
    for (const width of [1, 3, 10, 1000]) {
      const row = Float32Array.from({ length: width }, next);
      for (const k of [0, 1, 2, 5, width, width + 3]) expect(topIndices(row, k)).toEqual(reference(row, k));
    }
    expect(topIndices(Float32Array.of(1, 2), -1)).toEqual([]);
    expect(topIndices(Float32Array.of(1, 2), Number.NaN)).toEqual([]);
    expect(topIndices(Float32Array.of(1, 3, 2), 2.5)).toEqual([1, 2]);
  });
});
