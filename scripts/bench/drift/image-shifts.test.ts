import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../../trainer/index.ts';
import { loadMnist, MNIST_PIXELS } from '../../../trainer/node.ts';
import { canvasDrawnDigit, invertDigit, noisyDigit, rotateDigit, shiftedPool } from './image-shifts.ts';

const { images } = loadMnist();
const digit = images.subarray(0, MNIST_PIXELS);
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('drift bench image shifts', () => {
  it('rotating by 0° keeps the digit, by 30° moves ink but keeps most of it, and 4 × 90° comes back', () => {
    expect(Array.from(rotateDigit(digit, 0))).toEqual(Array.from(digit).map((v) => expect.closeTo(v, 6)));
    const rotated = rotateDigit(digit, 30);
    expect(sum(rotated) / sum(digit)).toBeGreaterThan(0.9);
    expect(Array.from(rotated).filter((v, i) => Math.abs(v - digit[i]!) > 0.2).length).toBeGreaterThan(50);
    let quarter: Float32Array = Float32Array.from(digit);
    for (let i = 0; i < 4; i++) quarter = rotateDigit(quarter, 90);
    for (let i = 0; i < MNIST_PIXELS; i++) expect(quarter[i]).toBeCloseTo(digit[i]!, 4);
  });

  it('inverts, adds clamped noise, and draws thick black-and-white strokes', () => {
    expect(Array.from(invertDigit(invertDigit(digit)))).toEqual(Array.from(digit).map((v) => expect.closeTo(v, 6)));
    const noisy = noisyDigit(digit, 0.3, createSeededRandom(1));
    expect(Math.min(...noisy)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...noisy)).toBeLessThanOrEqual(1);
    expect(Math.max(...Array.from(noisy, (v, i) => Math.abs(v - digit[i]!)))).toBeLessThanOrEqual(0.3 + 1e-6);
    const drawn = canvasDrawnDigit(digit);
    expect(new Set(drawn)).toEqual(new Set([0, 1]));
    expect(sum(drawn)).toBeGreaterThan(1.5 * Array.from(digit).filter((v) => v >= 0.5).length);
  });

  it('leaves the pool as it is for none and label-shift', () => {
    const pool = images.subarray(0, 3 * MNIST_PIXELS);
    expect(shiftedPool(pool, 3, 'none', createSeededRandom(1))).toBe(pool);
    expect(shiftedPool(pool, 3, 'label-shift', createSeededRandom(1))).toBe(pool);
    expect(shiftedPool(pool, 3, 'invert', createSeededRandom(1)).length).toBe(pool.length);
  });
});
