/**
 * A short, deterministic supervised training run for classifiers that output
 * logits: Adam + softmax cross-entropy on logits, seeded shuffling. Runs on
 * whichever tfjs backend is active (tfjs-wasm trains CNNs once
 * `registerWasmTrainingKernels` has added the convolution gradients it lacks).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { createSeededRandom, shuffleInPlace } from '../data/seeded-random.ts';

/** Metrics after one epoch. */
export interface EpochResult {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss (softmax cross-entropy) over the epoch. */
  loss: number;
  /** Training accuracy over the epoch, in 0..1. */
  accuracy: number;
  /** Wall-clock milliseconds the epoch took. */
  millis: number;
}

/** Training data and settings for {@link trainBriefly}. */
export interface TrainBrieflyOptions {
  /** `count × (product of the model's input shape)` feature values. */
  images: Float32Array;
  /** `count` class indices in `0..classes-1`. */
  labels: Uint8Array;
  /** Passes over the data. @defaultValue 1 */
  epochs?: number;
  /** Examples per gradient step. @defaultValue 32 */
  batchSize?: number;
  /** Adam learning rate. @defaultValue 0.001 */
  learningRate?: number;
  /** Seed of the per-epoch shuffle. @defaultValue 0 */
  seed?: number;
  /** Called after every epoch. */
  onEpoch?: (result: EpochResult) => void;
}

/** The outcome of {@link trainBriefly}: the last epoch's metrics and all of them. */
export interface TrainBrieflyResult {
  loss: number;
  accuracy: number;
  history: EpochResult[];
}

/** Softmax cross-entropy between one-hot labels and logits (mean over the batch). */
export function softmaxCrossEntropyFromLogits(yTrue: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(yTrue, logits, undefined, undefined, tf.Reduction.MEAN) as tf.Scalar;
}

/**
 * Compiles `model` with Adam and softmax cross-entropy on logits and trains it for
 * `epochs`, shuffling the examples with a seeded generator before each epoch (so
 * the same seed, data and initial weights give the same result).
 *
 * @throws {RangeError} when the data do not match the model's input shape or a
 *   setting is out of range.
 */
export async function trainBriefly(model: LayersModel, options: TrainBrieflyOptions): Promise<TrainBrieflyResult> {
  const { images, labels, epochs = 1, batchSize = 32, learningRate = 0.001, seed = 0, onEpoch } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!(learningRate > 0)) throw new RangeError(`learningRate must be > 0, got ${learningRate}`);
  const featureShape = model.inputs[0].shape.slice(1);
  if (featureShape.some((d) => d === null)) {
    throw new RangeError(`trainBriefly needs a fully known input shape, got [${model.inputs[0].shape.join(', ')}]`);
  }
  const rowSize = (featureShape as number[]).reduce((a, b) => a * b, 1);
  const count = labels.length;
  if (count === 0 || images.length !== count * rowSize) {
    throw new RangeError(`images hold ${images.length} values; expected ${count} labels × ${rowSize} values per example`);
  }
  const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (classes === null) throw new RangeError('the model output has no fixed class dimension');
  for (let i = 0; i < count; i++) {
    if (labels[i] >= classes) throw new RangeError(`labels[${i}] is ${labels[i]}, outside 0..${classes - 1}`);
  }

  model.compile({
    optimizer: tf.train.adam(learningRate),
    loss: softmaxCrossEntropyFromLogits,
    metrics: [tfl.metrics.categoricalAccuracy],
  });

  const random = createSeededRandom(seed);
  const x = tf.tensor(images, [count, ...(featureShape as number[])]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32'));
  const history: EpochResult[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = performance.now();
      const order = tf.tensor1d(shuffleInPlace(Int32Array.from({ length: count }, (_, i) => i), random), 'int32');
      const xe = tf.gather(x, order);
      const ye = tf.gather(y, order);
      order.dispose();
      try {
        const fitted = await model.fit(xe, ye, { epochs: 1, batchSize, shuffle: false, verbose: 0 });
        const result: EpochResult = {
          epoch,
          loss: lastNumber(fitted.history.loss),
          accuracy: lastNumber(fitted.history[accuracyKey(fitted.history)]),
          millis: performance.now() - started,
        };
        history.push(result);
        onEpoch?.(result);
      } finally {
        xe.dispose();
        ye.dispose();
      }
    }
  } finally {
    x.dispose();
    y.dispose();
  }
  const last = history[history.length - 1];
  return { loss: last.loss, accuracy: last.accuracy, history };
}

/** tfjs names the metric after the function; find it without relying on one spelling. */
function accuracyKey(history: Record<string, unknown>): string {
  const key = Object.keys(history).find((k) => /acc/i.test(k) && !k.startsWith('val'));
  if (key === undefined) throw new Error(`training history has no accuracy entry (keys: ${Object.keys(history).join(', ')})`);
  return key;
}

function lastNumber(values: unknown): number {
  const list = values as Array<number | tf.Tensor>;
  const value = list[list.length - 1];
  return typeof value === 'number' ? value : (value.dataSync()[0] as number);
}
