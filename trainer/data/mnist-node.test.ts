import { describe, expect, it } from 'vitest';
import { loadMnist, MNIST_PIXELS } from './mnist-node.ts';

describe('loadMnist', () => {
  it('reads all 10,000 digits with labels 0..9 and pixels in 0..1', () => {
    const { images, labels, count } = loadMnist();
    expect(count).toBe(10_000);
    expect(images.length).toBe(count * MNIST_PIXELS);
    expect(labels.length).toBe(count);
    const perClass = new Array<number>(10).fill(0);
    for (const label of labels) perClass[label]++;
    expect(perClass.every((n) => n > 800)).toBe(true);
    let min = Infinity;
    let max = -Infinity;
    for (const v of images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBeGreaterThan(0.99);
    expect(max).toBeLessThanOrEqual(1);
  });
});
