/**
 * The drift-signal formulas against hand-computed values: image means, contrast,
 * channel means and blocks; top-1 and entropy of output rows.
 */
import { describe, expect, it } from 'vitest';
import { entropyOf, imageSignalGeometry, imageSignalNames, imageSignalValuesOf, topOneOf } from './drift-signals.ts';

function signals(image: ArrayLike<number>, height: number, width: number, channels: number, grid: number, layout: 'NHWC' | 'NCHW' = 'NHWC'): Record<string, number> {
  const geometry = imageSignalGeometry(height, width, channels, grid, layout);
  const out = new Float64Array(geometry.signalCount);
  imageSignalValuesOf(image, geometry, out);
  const names = imageSignalNames(channels, grid);
  expect(names).toHaveLength(geometry.signalCount);
  return Object.fromEntries(names.map((name, i) => [name, out[i]]));
}

describe('image signals', () => {
  it.each([
    {
      what: 'a 2×2 grey image, grid 2: the blocks are the pixels',
      image: [0, 0.5, 0.5, 1],
      size: [2, 2, 1, 2],
      expected: { mean_intensity: 0.5, contrast: Math.sqrt(0.125), block_0_0: 0, block_0_1: 0.5, block_1_0: 0.5, block_1_1: 1 },
    },
    {
      what: 'a 3×3 grey image, grid 2: blocks of 2×2, 2×1, 1×2, 1×1 pixels',
      image: [1, 2, 3, 4, 5, 6, 7, 8, 9],
      size: [3, 3, 1, 2],
      // Rows 0–1 | 2 and columns 0–1 | 2 (⌊y·2/3⌋): block_0_0 = mean(1,2,4,5) …
      expected: { mean_intensity: 5, contrast: Math.sqrt(60 / 9), block_0_0: 3, block_0_1: 4.5, block_1_0: 7.5, block_1_1: 9 },
    },
    {
      what: 'a 1×2 RGB image, grid 0: channel means, no blocks',
      image: [0.2, 0.4, 0.6, 0.4, 0.6, 0.8],
      size: [1, 2, 3, 0],
      expected: { mean_intensity: 0.5, contrast: Math.sqrt(0.22 / 6), channel_mean_0: 0.3, channel_mean_1: 0.5, channel_mean_2: 0.7 },
    },
    {
      what: 'a constant image: contrast exactly 0',
      image: [0.3, 0.3, 0.3, 0.3],
      size: [2, 2, 1, 1],
      expected: { mean_intensity: 0.3, contrast: 0, block_0_0: 0.3 },
    },
  ])('$what', ({ image, size: [h, w, c, grid], expected }) => {
    const got = signals(image, h!, w!, c!, grid!);
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    for (const [name, value] of Object.entries(expected)) expect(got[name], name).toBeCloseTo(value, 12);
  });

  it('keeps contrast accurate for values far from 0 (a naive E[x²] − E[x]² loses it)', () => {
    const image = Float64Array.from({ length: 64 }, (_, i) => 1e8 + (i % 2));
    expect(signals(image, 8, 8, 1, 0).contrast).toBeCloseTo(0.5, 9);
  });

  it('reads NCHW images as the same signals as NHWC (to rounding)', () => {
    const [h, w, c] = [9, 8, 3];
    const nhwc = Float32Array.from({ length: h * w * c }, (_, i) => (i % 13) / 13);
    const nchw = new Float32Array(nhwc.length);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) nchw[(ch * h + y) * w + x] = nhwc[(y * w + x) * c + ch];
    const a = signals(nhwc, h, w, c, 3);
    const b = signals(nchw, h, w, c, 3, 'NCHW');
    for (const name of Object.keys(a)) expect(b[name], name).toBeCloseTo(a[name], 12);
  });

  it('refuses a wrong-sized image, a short output and a grid larger than the image', () => {
    const geometry = imageSignalGeometry(4, 4, 1, 2);
    expect(() => imageSignalValuesOf(new Float32Array(15), geometry, new Float64Array(6))).toThrow(RangeError);
    expect(() => imageSignalValuesOf(new Float32Array(16), geometry, new Float64Array(5))).toThrow(RangeError);
    expect(() => imageSignalGeometry(4, 4, 1, 5)).toThrow(RangeError);
    expect(() => imageSignalGeometry(4, 0, 1, 0)).toThrow(RangeError);
  });
});

describe('output signals', () => {
  it.each([
    { row: [0.1, 0.7, 0.2], predicted: 1, confidence: 0.7 },
    { row: [0.4, 0.2, 0.4], predicted: 0, confidence: 0.4 },
    { row: [-3, -1, -2], predicted: 1, confidence: -1 },
  ])('top-1 of $row is class $predicted (first of equal maxima)', ({ row, predicted, confidence }) => {
    expect(topOneOf(row)).toEqual({ predicted, confidence });
  });

  it.each([
    { what: 'uniform over 4 classes', row: [0.25, 0.25, 0.25, 0.25], entropy: Math.log(4) },
    { what: 'certain (0·ln 0 = 0)', row: [0, 1, 0], entropy: 0 },
    { what: 'two even classes and a zero', row: [0.5, 0, 0.5], entropy: Math.log(2) },
    { what: 'unnormalised scores (normalised first)', row: [2, 2], entropy: Math.log(2) },
    { what: 'p = (0.1, 0.2, 0.7)', row: [0.1, 0.2, 0.7], entropy: -(0.1 * Math.log(0.1) + 0.2 * Math.log(0.2) + 0.7 * Math.log(0.7)) },
  ])('entropy: $what', ({ row, entropy }) => {
    expect(entropyOf(row)).toBeCloseTo(entropy, 12);
  });

  it('entropy of a row with nothing positive is NaN', () => {
    expect(entropyOf([0, 0])).toBeNaN();
    expect(entropyOf([-1, -2])).toBeNaN();
    expect(entropyOf([Number.POSITIVE_INFINITY, 1])).toBeNaN();
  });
});
