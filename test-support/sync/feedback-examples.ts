/**
 * Feedback examples made from real digits (the `mnist` package), for the model the
 * feedback suites publish (test-support/mnist-package.ts: input `[-1, 784]` float32,
 * labels `'0'`…`'9'`): the i-th digit of the package as one example, as the 8-bit pixels
 * before the manifest's `scale` (uint8) or as the input tensor itself (float32, 0..1).
 */
import { createHash } from 'node:crypto';
import type { FeedbackBatch, FeedbackExample, FeedbackInputDtype } from '../../format/index.ts';
import { loadMnist, MNIST_PIXELS } from '../../trainer/node.ts';

export const MODEL = 'mnist-centroid';

const mnist = loadMnist();

/** The label and input bytes of the `index`-th digit of the package. */
export function digitBytes(index: number, dtype: FeedbackInputDtype): { label: string; bytes: Buffer } {
  const pixels = mnist.images.subarray(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS);
  const bytes = dtype === 'uint8' ? Buffer.from(Uint8Array.from(pixels, (p) => Math.round(p * 255))) : Buffer.alloc(MNIST_PIXELS * 4);
  if (dtype === 'float32') pixels.forEach((p, i) => bytes.writeFloatLE(p, i * 4));
  return { label: String(mnist.labels[index]), bytes };
}

/** The `index`-th digit as one example, labelled with its true class (other fields overridable). */
export function digitExample(index: number, options: { dtype?: FeedbackInputDtype; predicted?: string; createdAt?: string; label?: string } = {}): FeedbackExample {
  const dtype = options.dtype ?? 'uint8';
  const { label, bytes } = digitBytes(index, dtype);
  return {
    label: options.label ?? label,
    input: { shape: [1, MNIST_PIXELS], dtype, data: bytes.toString('base64') },
    ...(options.predicted === undefined ? {} : { predicted: options.predicted }),
    createdAt: options.createdAt ?? '2026-11-23T17:00:00+01:00',
  };
}

/** A batch for `version` of {@link MODEL}. */
export function batchOf(examples: FeedbackExample[], overrides: Partial<FeedbackBatch> = {}): FeedbackBatch {
  return { schema: 1, model: MODEL, version: '1.0.0', installId: 'install-a', examples, ...overrides };
}

/**
 * The content id docs/SYNC-API.md states, computed here with node:crypto (the endpoint
 * uses format's WebCrypto `feedbackExampleId`): a device can know it without asking.
 */
export function expectedId(example: FeedbackExample, model = MODEL): string {
  const header = `edgeloop-feedback/1\n${JSON.stringify([model, example.label, example.input.dtype, example.input.shape])}\n`;
  return createHash('sha256').update(header).update(Buffer.from(example.input.data, 'base64')).digest('hex');
}

/** Digit indices of the package that carry `digit` (it is in class order). */
export function indicesOf(digit: number, count: number, skip = 0): number[] {
  const first = mnist.labels.indexOf(digit) + skip;
  return Array.from({ length: count }, (_, i) => first + i);
}
