import { describe, expect, it } from 'vitest';
import { augmentImages } from './augment-images.ts';
import { loadMnist, MNIST_PIXELS } from './mnist-node.ts';

const mnist = loadMnist();
/** 200 digits spread over all classes (the loader returns them in class order). */
const sample = new Float32Array(200 * MNIST_PIXELS);
for (let k = 0; k < 200; k++) sample.set(mnist.images.subarray(k * 50 * MNIST_PIXELS, (k * 50 + 1) * MNIST_PIXELS), k * MNIST_PIXELS);
const SHAPE = [200, 28, 28, 1] as const;

function digit(images: Float32Array, k: number): Float32Array {
  return images.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS);
}

/** Reference whole-pixel shift of one 28×28 digit, background 0. */
function shifted(image: Float32Array, dx: number, dy: number): Float32Array {
  const out = new Float32Array(MNIST_PIXELS);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const sx = x - dx;
    const sy = y - dy;
    if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = image[sy * 28 + sx];
  }
  return out;
}

/** Exact equality of two float arrays (vitest's deep equality is slow on 100k+ elements). */
function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

describe('augmentImages', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = augmentImages(sample, SHAPE, { seed: 5, noiseStd: 0.05 });
    const b = augmentImages(sample, SHAPE, { seed: 5, noiseStd: 0.05 });
    const c = augmentImages(sample, SHAPE, { seed: 6, noiseStd: 0.05 });
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(false);
  });

  it('returns a new array of the same shape and range and leaves the input alone', () => {
    const before = sample.slice();
    const out = augmentImages(sample, SHAPE, { seed: 1, noiseStd: 0.1 });
    expect(out).not.toBe(sample);
    expect(out.length).toBe(sample.length);
    expect(same(sample, before)).toBe(true);
    expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('changes nearly every image', () => {
    const out = augmentImages(sample, SHAPE, { seed: 2 });
    let changed = 0;
    for (let k = 0; k < 200; k++) if (sum(digit(out, k).map((v, i) => Math.abs(v - digit(sample, k)[i]))) > 1) changed++;
    expect(changed).toBeGreaterThan(190);
  });

  it('with rotation off, moves each digit by a whole-pixel shift within maxShift', () => {
    const out = augmentImages(sample, SHAPE, { seed: 3, maxShift: 2, maxRotation: 0 });
    const seen = new Set<string>();
    for (let k = 0; k < 200; k++) {
      let match: string | undefined;
      for (let dy = -2; dy <= 2 && !match; dy++) {
        for (let dx = -2; dx <= 2 && !match; dx++) {
          if (shifted(digit(sample, k), dx, dy).every((v, i) => v === digit(out, k)[i])) match = `${dx},${dy}`;
        }
      }
      expect(match, `digit ${k} is not a shift of its original`).toBeDefined();
      seen.add(match!);
    }
    expect(seen.size).toBeGreaterThan(15); // all 25 shifts are possible
  });

  it('rotation keeps the ink of a centred digit and moves it', () => {
    const out = augmentImages(sample, SHAPE, { seed: 4, maxShift: 0, maxRotation: 15 });
    let moved = 0;
    for (let k = 0; k < 200; k++) {
      const before = sum(digit(sample, k));
      expect(Math.abs(sum(digit(out, k)) - before) / before).toBeLessThan(0.1);
      // Some pixels change by more than interpolation blur (angles near 0 are rare but drawn).
      if (digit(out, k).some((v, i) => Math.abs(v - digit(sample, k)[i]) > 0.2)) moved++;
    }
    expect(moved).toBeGreaterThan(160);
  });

  it('adds zero-mean gaussian noise of the requested strength', () => {
    const out = augmentImages(sample, SHAPE, { seed: 7, maxShift: 0, maxRotation: 0, noiseStd: 0.05 });
    // Mid-grey pixels are far from the clamp at 0 and 1, so their noise is unclipped.
    const diffs: number[] = [];
    sample.forEach((v, i) => {
      if (v > 0.3 && v < 0.7) diffs.push(out[i] - v);
    });
    expect(diffs.length).toBeGreaterThan(1000);
    const mean = sum(diffs) / diffs.length;
    const std = Math.sqrt(sum(diffs.map((d) => (d - mean) ** 2)) / diffs.length);
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(std).toBeGreaterThan(0.045);
    expect(std).toBeLessThan(0.055);
  });

  it('keeps channels apart in multi-channel images', () => {
    const rgb = new Float32Array(20 * MNIST_PIXELS * 3);
    for (let i = 0; i < 20 * MNIST_PIXELS; i++) {
      rgb[i * 3] = sample[i];
      rgb[i * 3 + 2] = 1 - sample[i];
    }
    const out = augmentImages(rgb, [20, 28, 28, 3], { seed: 8, fill: 0 });
    for (let i = 0; i < 20 * MNIST_PIXELS; i++) expect(out[i * 3 + 1]).toBe(0);
    expect(out.some((v, i) => i % 3 === 2 && v > 0.5)).toBe(true);
  });

  it('augments all 10,000 MNIST digits well within a second', () => {
    const start = performance.now();
    const out = augmentImages(mnist.images, [mnist.count, 28, 28, 1], { seed: 9, noiseStd: 0.02 });
    const ms = performance.now() - start;
    expect(out.length).toBe(mnist.images.length);
    expect(ms).toBeLessThan(1000);
  });

  it('rejects a shape that does not match the data and negative options', () => {
    expect(() => augmentImages(sample, [200, 28, 27, 1])).toThrow(RangeError);
    expect(() => augmentImages(sample, SHAPE, { maxShift: -1 })).toThrow(RangeError);
  });
});
