/**
 * Runs a tfjs classifier over a feature set in batches and returns its class
 * probabilities, the input every metric in this folder takes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Options for {@link predictProbabilities}. */
export interface PredictProbabilitiesOptions {
  /** Examples per forward pass. @defaultValue 256 */
  batchSize?: number;
  /**
   * What to apply to the model's output: `'softmax'` for models that output logits
   * (the edgeloop convention), `'none'` for models that already end in a softmax.
   * @defaultValue 'softmax'
   */
  activation?: 'softmax' | 'none';
}

/**
 * Returns `count × classes` probabilities, row-major, for `count` examples of the
 * model's input size packed in `features`.
 *
 * @throws {RangeError} when `features` is empty or not a whole number of examples.
 */
export function predictProbabilities(model: LayersModel, features: Float32Array, options: PredictProbabilitiesOptions = {}): Float32Array {
  const { batchSize = 256, activation = 'softmax' } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`predictProbabilities: batchSize must be an integer ≥ 1, got ${batchSize}`);
  const featureShape = model.inputs[0].shape.slice(1);
  if (featureShape.some((d) => d === null)) throw new RangeError(`predictProbabilities: the model input shape [${model.inputs[0].shape.join(', ')}] must be fixed apart from the batch`);
  const rowSize = (featureShape as number[]).reduce((a, b) => a * b, 1);
  const count = features.length / rowSize;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`predictProbabilities: features hold ${features.length} values, not a whole number (≥ 1) of examples of ${rowSize} values`);
  }
  const chunks: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    chunks.push(
      tf.tidy(() => {
        const x = tf.tensor(features.subarray(start * rowSize, (start + n) * rowSize), [n, ...(featureShape as number[])]);
        const out = model.predict(x) as tf.Tensor;
        return (activation === 'softmax' ? tf.softmax(out) : out).dataSync() as Float32Array;
      }),
    );
  }
  const result = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}
