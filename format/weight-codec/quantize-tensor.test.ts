import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../trainer/data/seeded-random.ts';
import type { QuantizedTensor, QuantScheme } from './quantized-tensor.ts';
import { dequantizeTensor, quantizeTensor, type QuantizeTensorOptions } from './quantize-tensor.ts';

/** The scale that applies to row-major element `i`, derived from the layout rules of quantized-tensor.ts. */
function scaleOf(q: QuantizedTensor, i: number): number {
  if (q.scheme === 'int8-per-tensor' || q.scheme === 'uint8-per-tensor') return q.scales[0];
  const axis = q.axis!;
  const inner = q.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  const dim = q.shape[axis];
  const c = Math.floor(i / inner) % dim;
  if (q.scheme === 'int8-per-channel') return q.scales[c];
  const outer = Math.floor(i / (inner * dim));
  const blocks = Math.ceil(dim / q.blockSize!);
  return q.scales[(outer * blocks + Math.floor(c / q.blockSize!)) * inner + (i % inner)];
}

const cases: Array<{ scheme: QuantScheme; shape: number[]; options?: QuantizeTensorOptions; scales: number; axis?: number }> = [
  { scheme: 'int8-per-tensor', shape: [16, 8], scales: 1 },
  { scheme: 'int8-per-channel', shape: [16, 8], scales: 8, axis: 1 },
  { scheme: 'int8-per-channel', shape: [3, 3, 4, 6], scales: 6, axis: 3 },
  { scheme: 'int8-per-channel', shape: [3, 3, 5, 2], options: { axis: 2 }, scales: 5, axis: 2 },
  { scheme: 'uint8-per-tensor', shape: [3, 3, 4, 6], scales: 1 },
  { scheme: 'int4-block', shape: [70, 8], scales: 3 * 8, axis: 0 },
  { scheme: 'int4-block', shape: [3, 3, 40, 4], options: { blockSize: 16 }, scales: 3 * 3 * 3 * 4, axis: 2 },
  { scheme: 'int4-block', shape: [33], options: { blockSize: 8 }, scales: 5, axis: 0 },
];

describe('quantizeTensor / dequantizeTensor', () => {
  it.each(cases)('$scheme $shape: |x − dq(q(x))| ≤ scale / 2 with $scales scales', ({ scheme, shape, options, scales, axis }) => {
    const random = createSeededRandom(5);
    const values = Float32Array.from({ length: shape.reduce((n, d) => n * d, 1) }, () => (random() * 2 - 1) * (random() < 0.05 ? 4 : 1));
    const q = quantizeTensor(values, shape, scheme, options);
    expect(q.scales.length).toBe(scales);
    expect(q.axis).toBe(axis);
    expect(q.shape).toEqual(shape);
    expect(q.data.byteLength).toBe(scheme === 'int4-block' ? Math.ceil(values.length / 2) : values.length);
    const back = dequantizeTensor(q);
    for (let i = 0; i < values.length; i++) {
      const bound = (scaleOf(q, i) / 2) * (1 + 1e-6);
      if (Math.abs(values[i] - back[i]) > bound) expect.fail(`element ${i}: ${values[i]} → ${back[i]} exceeds ${bound}`);
    }
  });

  it('rejects values that do not fill the shape, bad axes, bad block sizes and unknown schemes', () => {
    const v = new Float32Array(6);
    expect(() => quantizeTensor(v, [2, 2], 'fp16')).toThrow(RangeError);
    expect(() => quantizeTensor(v, [2, 3], 'int8-per-channel', { axis: 2 })).toThrow(RangeError);
    expect(() => quantizeTensor(v, [2, 3], 'int4-block', { blockSize: 0 })).toThrow(RangeError);
    expect(() => quantizeTensor(v, [2, 3], 'int7' as QuantScheme)).toThrow(TypeError);
  });

  it.each(['int8-per-tensor', 'int8-per-channel', 'uint8-per-tensor', 'int4-block'] as const)('%s rejects NaN and Infinity', (scheme) => {
    expect(() => quantizeTensor(Float32Array.of(1, NaN), [2], scheme)).toThrow(RangeError);
    expect(() => quantizeTensor(Float32Array.of(Infinity, 1), [2], scheme)).toThrow(RangeError);
  });
});
