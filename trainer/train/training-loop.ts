/**
 * The trainer's one training loop. It only uses tfjs-core ops and the active
 * backend, so the same code trains in a Web Worker (webgpu / wasm / cpu) and in
 * Node. It is deterministic on a deterministic backend (cpu): the shuffle of epoch
 * `e` is seeded from (`seed`, `e`), so the same seed, data and initial weights give
 * bit-identical weights, also across a crash and `resume`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { createSeededRandom, shuffleInPlace } from '../data/seeded-random.ts';
import { TrainerError } from '../errors.ts';
import { CHECKPOINT_FORMAT, validateCheckpoint, type NamedArray, type TrainingCheckpoint } from './checkpoint.ts';
import { learningRateAt } from './lr-schedule.ts';
import {
  resolveTrainOptions,
  type EpochSummary,
  type LabelledSet,
  type ResolvedTrainOptions,
  type TrainingData,
  type TrainOptions,
  type TrainResult,
} from './train-options.ts';
import { captureOptimizer, captureWeights, createOptimizer, restoreOptimizer, restoreWeights } from './training-state.ts';

/**
 * The loss the loop minimises. `targets` runs outside the gradient tape (e.g. a
 * frozen teacher's logits), so nothing it computes receives gradients.
 */
export interface BatchLoss {
  /** Identifies the loss and its settings in checkpoint fingerprints. */
  id: string;
  targets?: (x: tf.Tensor) => tf.Tensor;
  loss: (logits: tf.Tensor, oneHot: tf.Tensor, targets: tf.Tensor | undefined) => tf.Scalar;
}

/** Softmax cross-entropy on logits, the loss of {@link train}. */
export const CROSS_ENTROPY_LOSS: BatchLoss = {
  id: 'softmax-cross-entropy',
  loss: (logits, oneHot) => tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, undefined, tf.Reduction.MEAN) as tf.Scalar,
};

/** How often (ms) a long epoch hands control back to the event loop so an abort message can arrive. */
const YIELD_EVERY_MS = 50;

/**
 * Trains a classifier that outputs logits with softmax cross-entropy (see
 * {@link TrainOptions} for the optimizer, schedule, early stopping, checkpoints,
 * progress events and abort). Weights are updated in place; the returned history
 * includes epochs done before a resume. With early stopping the model ends with
 * the weights of its best validation epoch.
 *
 * @throws {TrainerError} `CONFIG_INVALID` for bad options, `TRAINING_ABORTED` when
 *   `signal` aborts, `TRAINING_DIVERGED` when the loss stops being finite (the model
 *   keeps the last finite weights), `CHECKPOINT_MISSING` / `CHECKPOINT_INVALID` on
 *   resume.
 * @throws {RangeError} when the data do not fit the model.
 */
export async function train(model: LayersModel, data: TrainingData, options: TrainOptions = {}): Promise<TrainResult> {
  return runTraining(model, data, options, CROSS_ENTROPY_LOSS);
}

/** {@link train} with another loss (used by distillation). */
export async function runTraining(model: LayersModel, data: TrainingData, options: TrainOptions, batchLoss: BatchLoss): Promise<TrainResult> {
  const resolved = resolveTrainOptions(options, data.validation !== undefined);
  const { rowSize, classes } = checkData(model, data);
  const fingerprint = JSON.stringify({
    loss: batchLoss.id,
    optimizer: resolved.optimizer,
    batchSize: resolved.batchSize,
    learningRate: resolved.learningRate,
    lrSchedule: resolved.lrSchedule,
    seed: resolved.seed,
    earlyStopping: resolved.earlyStopping ?? null,
    inputShape: data.inputShape,
    examples: data.y.length,
    validationExamples: data.validation?.y.length ?? 0,
  });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = createOptimizer(resolved.optimizer, resolved.learningRate);
  try {
    const state = await startState(model, optimizer, options, resolved, fingerprint, variables.length);
    const resumedFromEpoch = state.epoch;
    const count = data.y.length;
    const totalBatches = Math.ceil(count / resolved.batchSize);
    const batchX = new Float32Array(Math.min(resolved.batchSize, count) * rowSize);
    const batchY = new Int32Array(Math.min(resolved.batchSize, count));
    let lastYield = performance.now();

    while (state.epoch < resolved.epochs && !(state.earlyStopping?.stopped ?? false)) {
      const epochIndex = state.epoch;
      const learningRate = learningRateAt(resolved.lrSchedule, resolved.learningRate, epochIndex, resolved.epochs);
      optimizer.setLearningRate(learningRate);
      const order = shuffleInPlace(Uint32Array.from({ length: count }, (_, i) => i), epochRandom(resolved.seed, epochIndex));
      const started = performance.now();
      let lossSum = 0;
      let correctSum = 0;
      for (let batch = 0; batch < totalBatches; batch++) {
        throwIfAborted(options.signal, epochIndex + 1, batch + 1);
        const start = batch * resolved.batchSize;
        const n = Math.min(resolved.batchSize, count - start);
        for (let k = 0; k < n; k++) {
          const i = order[start + k];
          batchX.set(data.x.subarray(i * rowSize, (i + 1) * rowSize), k * rowSize);
          batchY[k] = data.y[i];
        }
        const { loss, correct } = await step(model, variables, optimizer, batchLoss, batchX.subarray(0, n * rowSize), batchY.subarray(0, n), data.inputShape, classes);
        if (!Number.isFinite(loss)) {
          throw new TrainerError('TRAINING_DIVERGED', `training loss became ${loss} at epoch ${epochIndex + 1}, batch ${batch + 1}; lower the learning rate (now ${learningRate}) or check the data for NaN/Inf`, {
            details: { epoch: epochIndex + 1, batch: batch + 1, loss, learningRate },
          });
        }
        lossSum += loss * n;
        correctSum += correct;
        const seen = start + n;
        options.onBatch?.({
          epoch: epochIndex + 1,
          epochs: resolved.epochs,
          batch: batch + 1,
          totalBatches,
          loss,
          accuracy: correct / n,
          samplesPerSecond: seen / Math.max((performance.now() - started) / 1000, 1e-9),
          learningRate,
        });
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = performance.now();
        }
      }
      const millis = performance.now() - started;
      const summary: EpochSummary = {
        epoch: epochIndex + 1,
        epochs: resolved.epochs,
        loss: lossSum / count,
        accuracy: correctSum / count,
        learningRate,
        samplesPerSecond: count / Math.max(millis / 1000, 1e-9),
        millis,
      };
      if (data.validation !== undefined) {
        const v = await evaluateLoss(model, data.validation, data.inputShape, rowSize, classes, resolved.evalBatchSize);
        summary.valLoss = v.loss;
        summary.valAccuracy = v.accuracy;
        if (!Number.isFinite(v.loss)) {
          throw new TrainerError('TRAINING_DIVERGED', `validation loss became ${v.loss} after epoch ${epochIndex + 1}; lower the learning rate (now ${learningRate})`, {
            details: { epoch: epochIndex + 1, valLoss: v.loss, learningRate },
          });
        }
      }
      state.history.push(summary);
      state.epoch++;
      if (resolved.earlyStopping !== undefined && state.earlyStopping !== undefined) {
        const es = state.earlyStopping;
        if (summary.valLoss! < es.bestLoss - resolved.earlyStopping.minDelta) {
          es.bestLoss = summary.valLoss!;
          es.bestEpoch = summary.epoch;
          es.wait = 0;
          es.bestWeights = await captureWeights(model);
        } else if (++es.wait >= resolved.earlyStopping.patience) {
          es.stopped = true;
        }
      }
      if (options.checkpoints !== undefined) {
        await options.checkpoints.save(await makeCheckpoint(model, optimizer, resolved, fingerprint, state));
      }
      await options.onEpoch?.(summary);
    }

    const es = state.earlyStopping;
    if (es?.bestWeights !== undefined) restoreWeights(model, es.bestWeights);
    return {
      history: state.history,
      epochs: state.epoch,
      stoppedEarly: es?.stopped ?? false,
      bestEpoch: es?.bestWeights !== undefined ? es.bestEpoch : undefined,
      resumedFromEpoch,
    };
  } finally {
    optimizer.dispose();
  }
}

/** The loop's mutable state: what a checkpoint saves besides tensors. */
interface LoopState {
  epoch: number;
  history: EpochSummary[];
  earlyStopping?: { bestLoss: number; bestEpoch: number; wait: number; stopped: boolean; bestWeights?: NamedArray[] };
}

async function startState(
  model: LayersModel,
  optimizer: tf.Optimizer,
  options: TrainOptions,
  resolved: ResolvedTrainOptions,
  fingerprint: string,
  variableCount: number,
): Promise<LoopState> {
  const fresh: LoopState = {
    epoch: 0,
    history: [],
    earlyStopping: resolved.earlyStopping === undefined ? undefined : { bestLoss: Number.POSITIVE_INFINITY, bestEpoch: 0, wait: 0, stopped: false },
  };
  if (resolved.resume === false) return fresh;
  const loaded = await options.checkpoints!.load();
  if (loaded === undefined) {
    if (resolved.resume === 'if-present') return fresh;
    throw new TrainerError('CHECKPOINT_MISSING', 'resume was requested but the checkpoint store holds no checkpoint; start without resume', {});
  }
  const checkpoint = validateCheckpoint(loaded);
  if (checkpoint.fingerprint !== fingerprint) {
    const saved = JSON.parse(checkpoint.fingerprint) as Record<string, unknown>;
    const now = JSON.parse(fingerprint) as Record<string, unknown>;
    const differences = [...new Set([...Object.keys(saved), ...Object.keys(now)])]
      .filter((key) => JSON.stringify(saved[key]) !== JSON.stringify(now[key]))
      .map((key) => `${key} ${JSON.stringify(saved[key])} → ${JSON.stringify(now[key])}`);
    throw new TrainerError(
      'CHECKPOINT_INVALID',
      `the checkpoint was made with other settings or data (${differences.join(', ')}); resume with the same ones or start afresh`,
      { details: { expected: saved, actual: now } },
    );
  }
  if (checkpoint.optimizer.kind !== resolved.optimizer) {
    throw new TrainerError('CHECKPOINT_INVALID', `the checkpoint holds ${checkpoint.optimizer.kind} state, this run uses ${resolved.optimizer}`, {});
  }
  restoreWeights(model, checkpoint.weights);
  await restoreOptimizer(optimizer, checkpoint.optimizer, variableCount);
  return {
    epoch: checkpoint.epoch,
    history: checkpoint.history,
    earlyStopping: resolved.earlyStopping === undefined ? undefined : (checkpoint.earlyStopping ?? fresh.earlyStopping),
  };
}

async function makeCheckpoint(
  model: LayersModel,
  optimizer: tf.Optimizer,
  resolved: ResolvedTrainOptions,
  fingerprint: string,
  state: LoopState,
): Promise<TrainingCheckpoint> {
  return {
    format: CHECKPOINT_FORMAT,
    savedAt: new Date().toISOString(),
    epoch: state.epoch,
    fingerprint,
    weights: await captureWeights(model),
    optimizer: await captureOptimizer(resolved.optimizer, optimizer),
    rng: { seed: resolved.seed, nextEpoch: state.epoch },
    lrSchedule: { nextEpoch: state.epoch, learningRate: learningRateAt(resolved.lrSchedule, resolved.learningRate, state.epoch, resolved.epochs) },
    earlyStopping: state.earlyStopping === undefined ? undefined : { ...state.earlyStopping },
    history: state.history.map((h) => ({ ...h })),
  };
}

/** The shuffle generator of 0-based `epoch`: independent of earlier epochs, so a resume needs only the epoch number. */
function epochRandom(seed: number, epoch: number): () => number {
  return createSeededRandom((Math.trunc(seed) ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
}

function throwIfAborted(signal: AbortSignal | undefined, epoch: number, batch: number): void {
  if (signal?.aborted) {
    throw new TrainerError('TRAINING_ABORTED', `training was aborted before epoch ${epoch}, batch ${batch}; train again with resume to continue from the last checkpoint`, {
      details: { epoch, batch },
      cause: signal.reason,
    });
  }
}

/** One gradient step; returns the batch's loss and number of correct predictions. */
async function step(
  model: LayersModel,
  variables: tf.Variable[],
  optimizer: tf.Optimizer,
  batchLoss: BatchLoss,
  xValues: Float32Array,
  yValues: Int32Array,
  inputShape: number[],
  classes: number,
): Promise<{ loss: number; correct: number }> {
  const n = yValues.length;
  const x = tf.tensor(xValues, [n, ...inputShape], 'float32');
  const labels = tf.tensor1d(yValues, 'int32');
  const oneHot = tf.tidy(() => tf.cast(tf.oneHot(labels, classes), 'float32'));
  const targets = batchLoss.targets === undefined ? undefined : tf.tidy(() => batchLoss.targets!(x));
  let correctTensor: tf.Tensor | undefined;
  let grads: tf.NamedTensorMap | undefined;
  let value: tf.Scalar | undefined;
  try {
    ({ value, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      correctTensor = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'int32')));
      return batchLoss.loss(logits, oneHot, targets);
    }, variables));
    const loss = (await value.data())[0];
    const correct = (await correctTensor!.data())[0];
    // Only finite losses update the weights, so a diverged run keeps its last good state.
    if (Number.isFinite(loss)) optimizer.applyGradients(grads);
    return { loss, correct };
  } finally {
    tf.dispose([x, labels, oneHot]);
    if (targets !== undefined) targets.dispose();
    if (correctTensor !== undefined) correctTensor.dispose();
    if (value !== undefined) value.dispose();
    if (grads !== undefined) tf.dispose(grads);
  }
}

/** Mean softmax cross-entropy and accuracy of `model` on `set`, in inference mode. */
export async function evaluateLoss(
  model: LayersModel,
  set: LabelledSet,
  inputShape: number[],
  rowSize: number,
  classes: number,
  batchSize: number,
): Promise<{ loss: number; accuracy: number }> {
  const count = set.y.length;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const [lossT, correctT] = tf.tidy(() => {
      const x = tf.tensor(set.x.subarray(start * rowSize, (start + n) * rowSize), [n, ...inputShape], 'float32');
      const labels = tf.tensor1d(Int32Array.from(set.y.subarray(start, start + n)), 'int32');
      const logits = model.apply(x, { training: false }) as tf.Tensor;
      const oneHot = tf.cast(tf.oneHot(labels, classes), 'float32');
      return [
        tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, undefined, tf.Reduction.SUM),
        tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'int32')),
      ];
    });
    lossSum += (await lossT.data())[0];
    correct += (await correctT.data())[0];
    tf.dispose([lossT, correctT]);
  }
  return { loss: lossSum / count, accuracy: correct / count };
}

/** Checks the data against the model; returns the values per example and the class count. */
export function checkData(model: LayersModel, data: TrainingData): { rowSize: number; classes: number } {
  const modelShape = model.inputs[0].shape.slice(1);
  if (!Array.isArray(data.inputShape) || modelShape.join() !== data.inputShape.join()) {
    throw new RangeError(`data.inputShape [${data.inputShape}] does not match the model's input shape [${modelShape.join(', ')}]`);
  }
  const rowSize = data.inputShape.reduce((a, b) => a * b, 1);
  const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (classes === null) throw new RangeError("the model's output has no fixed class dimension");
  const checkSet = (set: LabelledSet, name: string) => {
    if (set.y.length === 0) throw new RangeError(`${name} holds no examples`);
    if (set.x.length !== set.y.length * rowSize) {
      throw new RangeError(`${name}.x holds ${set.x.length} values; expected ${set.y.length} labels × ${rowSize} values per example`);
    }
    for (let i = 0; i < set.y.length; i++) {
      if (set.y[i] >= classes) throw new RangeError(`${name}.y[${i}] is ${set.y[i]}, outside 0..${classes - 1}`);
    }
  };
  checkSet(data, 'data');
  if (data.validation !== undefined) checkSet(data.validation, 'data.validation');
  return { rowSize, classes };
}
