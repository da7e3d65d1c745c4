/**
 * The device computes the trainer's baseline signals with the trainer's formulas: same
 * names, same values (bit for bit on NHWC images), on real MNIST digits and on random
 * multi-channel images of sizes the grid does not divide.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topOne } from '../../trainer/eval/classification-inputs.ts';
import { imageSignalValues } from '../../trainer/eval/image-baseline.ts';
import { loadMnist, MNIST_PIXELS } from '../../trainer/node.ts';
import { imageGeometry, imageSignalNames, imageSignalValuesOf, topOneOf } from './signal-values.ts';

describe('image signals', () => {
  it('match the trainer on 200 real MNIST digits, name for name and bit for bit', () => {
    const { images } = loadMnist();
    const count = 200;
    const batch = images.subarray(0, count * MNIST_PIXELS);
    const trainer = imageSignalValues(batch, 28, 28, 1, 7);
    expect(imageSignalNames(7)).toEqual(trainer.names);
    const geometry = imageGeometry(28, 28, 1, 7);
    const out = new Float64Array(50);
    for (let n = 0; n < count; n++) {
      imageSignalValuesOf(batch.subarray(n * MNIST_PIXELS, (n + 1) * MNIST_PIXELS), geometry, out);
      for (let s = 0; s < trainer.names.length; s++) expect(out[s]).toBe(trainer.values[s]![n]);
    }
  });

  it('match the trainer on random images of any size and channel count', () => {
    const shape = fc.record({ height: fc.integer({ min: 3, max: 12 }), width: fc.integer({ min: 3, max: 12 }), channels: fc.integer({ min: 1, max: 3 }), grid: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(shape, fc.integer(), ({ height, width, channels, grid }, seed) => {
        const pixels = Float32Array.from({ length: height * width * channels }, (_, i) => ((seed * 31 + i * 17) % 255) / 255);
        const trainer = imageSignalValues(pixels, height, width, channels, grid);
        const out = new Float64Array(1 + grid * grid);
        imageSignalValuesOf(pixels, imageGeometry(height, width, channels, grid), out);
        expect(Array.from(out)).toEqual(trainer.values.map((v) => v[0]));
      }),
      { numRuns: 100 },
    );
  });

  it('read NCHW images as the same signals (to rounding)', () => {
    const [h, w, c] = [9, 8, 3];
    const nhwc = Float32Array.from({ length: h * w * c }, (_, i) => (i % 13) / 13);
    const nchw = new Float32Array(nhwc.length);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) nchw[(ch * h + y) * w + x] = nhwc[(y * w + x) * c + ch]!;
    const a = new Float64Array(10);
    const b = new Float64Array(10);
    imageSignalValuesOf(nhwc, imageGeometry(h, w, c, 3), a);
    imageSignalValuesOf(nchw, imageGeometry(h, w, c, 3, 'NCHW'), b);
    for (let i = 0; i < 10; i++) expect(b[i]).toBeCloseTo(a[i]!, 12);
  });
});

describe('topOneOf', () => {
  it('is the trainer topOne: the first of equal maxima and its value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 12 }), (row) => {
        const trainer = topOne(row, 1, row.length);
        expect(topOneOf(row)).toEqual({ predicted: trainer.predicted[0], confidence: trainer.confidence[0] });
      }),
    );
  });
});
