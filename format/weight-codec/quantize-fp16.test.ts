import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../trainer/data/seeded-random.ts';
import { FLOAT16_MAX, float16BitsToFloat32, float32ToFloat16Bits } from './quantize-fp16.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';

describe('float32ToFloat16Bits', () => {
  it.each([
    ['1.0', 1, 0x3c00],
    ['-2', -2, 0xc000],
    ['0.1 (rounds down)', 0.1, 0x2e66],
    ['1/3', 1 / 3, 0x3555],
    ['+0', 0, 0x0000],
    ['-0', -0, 0x8000],
    ['the largest half', 65504, 0x7bff],
    ['65519 (just below the overflow midpoint)', 65519, 0x7bff],
    ['65520 (IEEE rounds to Infinity; saturates)', 65520, 0x7bff],
    ['1e6 saturates', 1e6, 0x7bff],
    ['-1e6 saturates', -1e6, 0xfbff],
    ['Infinity stays Infinity', Infinity, 0x7c00],
    ['-Infinity', -Infinity, 0xfc00],
    ['NaN → quiet NaN', NaN, 0x7e00],
    ['the smallest normal 2^-14', 2 ** -14, 0x0400],
    ['the largest subnormal', 1023 * 2 ** -24, 0x03ff],
    ['5.96e-8 (the smallest subnormal 2^-24)', 5.96e-8, 0x0001],
    ['-2^-24', -(2 ** -24), 0x8001],
    ['2^-25: a tie between 0 and 2^-24 goes to even 0', 2 ** -25, 0x0000],
    ['1.5 × 2^-25 rounds up to 2^-24', 1.5 * 2 ** -25, 0x0001],
    ['3 × 2^-25: a subnormal tie goes to even 2', 3 * 2 ** -25, 0x0002],
    ['2^-26 underflows to 0', 2 ** -26, 0x0000],
    ['1 + 2^-11: a tie goes to even 1.0', 1 + 2 ** -11, 0x3c00],
    ['1 + 3 × 2^-11: a tie goes to even 0x3C02', 1 + 3 * 2 ** -11, 0x3c02],
    ['2049: a tie goes to 2048', 2049, 0x6800],
    ['2051: a tie goes to 2052', 2051, 0x6802],
    ['2047.99 rounds up across the exponent to 2048', 2047.99, 0x6800],
    ['1023 × 2^-24 + 2^-25: a tie carries into the smallest normal', 1023 * 2 ** -24 + 2 ** -25, 0x0400],
  ])('%s → %s', (_label, value, bits) => {
    expect(float32ToFloat16Bits(value).toString(16)).toBe(bits.toString(16));
  });

  it('gives back every finite half and Infinity exactly (all 2^16 bit patterns)', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exp = (bits >>> 10) & 0x1f;
      const value = float16BitsToFloat32(bits);
      if (exp === 0x1f && (bits & 0x3ff) !== 0) {
        expect(Number.isNaN(value)).toBe(true);
        continue;
      }
      if (float32ToFloat16Bits(value) !== bits) expect.fail(`0x${bits.toString(16)} → ${value} → 0x${float32ToFloat16Bits(value).toString(16)}`);
    }
  });

  it('keeps the relative error of normal numbers within 2^-11', () => {
    const random = createSeededRandom(7);
    for (let i = 0; i < 20_000; i++) {
      const magnitude = 2 ** (-14 + random() * 29.99);
      const value = Math.fround((random() < 0.5 ? -1 : 1) * Math.min(magnitude, FLOAT16_MAX));
      const back = float16BitsToFloat32(float32ToFloat16Bits(value));
      expect(Math.abs(back - value) / Math.abs(value)).toBeLessThanOrEqual(2 ** -11);
    }
  });

  it('stores two little-endian bytes per value and decodes them through dequantizeTensor', () => {
    const q = quantizeTensor(Float32Array.of(1, -2, 65504, 1e6), [2, 2], 'fp16');
    expect(Array.from(q.data)).toEqual([0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0xff, 0x7b]);
    expect(q.scales.length).toBe(0);
    expect(Array.from(dequantizeTensor(q))).toEqual([1, -2, 65504, 65504]);
  });
});
