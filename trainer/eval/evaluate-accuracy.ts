/**
 * Top-1 accuracy of a logits (or probabilities) classifier on a labelled set,
 * computed in batches so large sets do not need one huge tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Options for {@link evaluateAccuracy}. */
export interface EvaluateAccuracyOptions {
  /** Examples per forward pass. @defaultValue 256 */
  batchSize?: number;
}

/**
 * Returns the share (0..1) of examples whose arg-max output equals the label.
 *
 * @throws {RangeError} when `images` does not hold `labels.length` examples of
 *   the model's input size.
 */
export function evaluateAccuracy(
  model: LayersModel,
  images: Float32Array,
  labels: Uint8Array,
  options: EvaluateAccuracyOptions = {},
): number {
  const { batchSize = 256 } = options;
  const featureShape = model.inputs[0].shape.slice(1) as number[];
  const rowSize = featureShape.reduce((a, b) => a * b, 1);
  const count = labels.length;
  if (count === 0 || images.length !== count * rowSize || featureShape.some((d) => d === null)) {
    throw new RangeError(`images hold ${images.length} values; expected ${count} examples of ${rowSize} values`);
  }
  let correct = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const predicted = tf.tidy(() => {
      const x = tf.tensor(images.subarray(start * rowSize, (start + n) * rowSize), [n, ...featureShape]);
      return tf.argMax(model.predict(x) as tf.Tensor, -1).dataSync();
    });
    for (let k = 0; k < n; k++) if (predicted[k] === labels[start + k]) correct++;
  }
  return correct / count;
}
