import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../trainer/data/seeded-random.ts';
import { packInt4, unpackInt4 } from './quantize-int4.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';

describe('int4-block', () => {
  it('packs the lower index into the low nibble as two\'s complement', () => {
    // One block with max|x| = 7, so scale 1 and the codes equal the values.
    const q = quantizeTensor(Float32Array.of(7, -7, 1, -1, 0, 3, -3, 2), [8, 1], 'int4-block', { axis: 0, blockSize: 8 });
    expect(Array.from(q.scales)).toEqual([1]);
    expect(Array.from(q.data)).toEqual([0x97, 0xf1, 0x30, 0x2d]);
    expect(Array.from(dequantizeTensor(q))).toEqual([7, -7, 1, -1, 0, 3, -3, 2]);
  });

  it('leaves the high nibble of the last byte 0 for an odd count', () => {
    const q = quantizeTensor(Float32Array.of(14, -2, 4), [3], 'int4-block');
    expect(Array.from(q.scales)).toEqual([2]);
    expect(Array.from(q.data)).toEqual([0xf7, 0x02]);
  });

  it('decodes nibble 0x8 as −8, which the quantizer itself never produces', () => {
    expect(Array.from(unpackInt4(Uint8Array.of(0x78, 0x0f), 3))).toEqual([-8, 7, -1]);
    expect(Array.from(packInt4(Int8Array.of(-8, 7, -1)))).toEqual([0x78, 0x0f]);
  });

  it.each([
    { shape: [5, 2], axis: 0, blockSize: 2 },
    { shape: [3, 7], axis: 1, blockSize: 3 },
    { shape: [2, 3, 5, 4], axis: 2, blockSize: 2 },
  ])('lays scales out row-major with shape[axis] → ceil(shape[axis] / blockSize): $shape axis $axis', ({ shape, axis, blockSize }) => {
    const random = createSeededRandom(3);
    const values = Float32Array.from({ length: shape.reduce((n, d) => n * d, 1) }, () => random() * 2 - 1);
    const q = quantizeTensor(values, shape, 'int4-block', { axis, blockSize });
    const scaleShape = shape.map((d, i) => (i === axis ? Math.ceil(d / blockSize) : d));
    expect(q.scales.length).toBe(scaleShape.reduce((n, d) => n * d, 1));
    // Independently: the scale at each blocked index is max|x| / 7 over the block's members.
    const peaks = new Float64Array(q.scales.length);
    forEachIndex(shape, (index, flat) => {
      const scaleIndex = flatIndex(scaleShape, index.map((c, i) => (i === axis ? Math.floor(c / blockSize) : c)));
      peaks[scaleIndex] = Math.max(peaks[scaleIndex], Math.abs(values[flat]));
    });
    peaks.forEach((peak, i) => expect(q.scales[i]).toBeCloseTo(peak / 7, 6));
  });
});

function forEachIndex(shape: readonly number[], fn: (index: number[], flat: number) => void): void {
  const count = shape.reduce((n, d) => n * d, 1);
  for (let flat = 0; flat < count; flat++) {
    const index: number[] = [];
    let rest = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      index.unshift(rest % shape[d]);
      rest = Math.floor(rest / shape[d]);
    }
    fn(index, flat);
  }
}

function flatIndex(shape: readonly number[], index: readonly number[]): number {
  return index.reduce((flat, c, d) => flat * shape[d] + c, 0);
}
