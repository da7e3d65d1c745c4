/**
 * Top-1 accuracy of a logits (or probabilities) classifier on a labelled set,
 * computed in batches (the trainer's one batched loop, {@link predictProbabilities})
 * so large sets do not need one huge tensor.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { predictProbabilities } from './predict-probabilities.ts';

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
  const outputs = predictProbabilities(model, images, { batchSize, activation: 'none' });
  const classes = outputs.length / count;
  let correct = 0;
  for (let k = 0; k < count; k++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (outputs[k * classes + c]! > outputs[k * classes + best]!) best = c;
    if (best === labels[k]) correct++;
  }
  return correct / count;
}
