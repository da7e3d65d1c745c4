/**
 * Moving a run's tensors in and out of checkpoints: model weights, the optimizer's
 * slots, and an optimizer whose learning rate can follow a schedule. Internal to
 * the training loop.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { TrainerError } from '../errors.ts';
import type { NamedArray, TrainingCheckpoint } from './checkpoint.ts';

/** Adam whose learning rate the schedule can change between epochs. */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(learningRate: number): void {
    this.learningRate = learningRate;
  }
}

/** The optimizers the loop drives: tfjs's, plus a learning-rate setter. */
export type ScheduledOptimizer = tf.Optimizer & { setLearningRate(learningRate: number): void };

/** A fresh optimizer of `kind` at `learningRate` (Adam: β₁ 0.9, β₂ 0.999, the backend's ε, like `tf.train.adam`). */
export function createOptimizer(kind: 'adam' | 'sgd', learningRate: number): ScheduledOptimizer {
  return kind === 'adam' ? new ScheduledAdam(learningRate, 0.9, 0.999) : new tf.SGDOptimizer(learningRate);
}

/**
 * Adam's β powers are private in tfjs and its `setWeights` recomputes them with
 * `pow` rather than the running product it keeps while training; on a backend
 * where the two round differently a resumed run would drift, so the checkpoint
 * carries the exact values.
 */
interface AdamBetaPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

async function toNamedArray(name: string, tensor: tf.Tensor): Promise<NamedArray> {
  const data = await tensor.data();
  return { name, shape: [...tensor.shape], values: data instanceof Float32Array ? data.slice() : Float32Array.from(data) };
}

/** Copies all of `model`'s weights (trainable and not) out of the backend. */
export async function captureWeights(model: LayersModel): Promise<NamedArray[]> {
  return Promise.all(model.weights.map((w) => toNamedArray(w.originalName, w.read())));
}

/**
 * Writes `weights` (as captured by {@link captureWeights}) into `model`.
 *
 * @throws {TrainerError} `CHECKPOINT_INVALID` when the count or a shape does not match the model.
 */
export function restoreWeights(model: LayersModel, weights: NamedArray[]): void {
  const targets = model.weights;
  if (targets.length !== weights.length) {
    throw new TrainerError('CHECKPOINT_INVALID', `checkpoint holds ${weights.length} weights but model '${model.name}' has ${targets.length}; was it made for another model config?`, {
      details: { expected: targets.length, actual: weights.length },
    });
  }
  targets.forEach((target, i) => {
    if (target.shape.join() !== weights[i].shape.join()) {
      throw new TrainerError('CHECKPOINT_INVALID', `checkpoint weight ${i} (${weights[i].name}) has shape [${weights[i].shape.join(', ')}] but model weight ${target.originalName} is [${target.shape.join(', ')}]`, {
        details: { index: i, expected: target.shape, actual: weights[i].shape },
      });
    }
  });
  const tensors = weights.map((w) => tf.tensor(w.values, w.shape, 'float32'));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** The optimizer part of a checkpoint. */
export async function captureOptimizer(kind: 'adam' | 'sgd', optimizer: tf.Optimizer): Promise<TrainingCheckpoint['optimizer']> {
  const named = await optimizer.getWeights();
  // The first entry is tfjs's iteration counter, a fresh scalar it hands over.
  const [iter, ...slots] = named;
  tf.dispose(iter.tensor);
  const state: TrainingCheckpoint['optimizer'] = {
    kind,
    iterations: optimizer.iterations,
    slots: await Promise.all(slots.map((s) => toNamedArray(s.name, s.tensor))),
  };
  if (kind === 'adam') {
    const powers = optimizer as unknown as AdamBetaPowers;
    state.betaPowers = [(await powers.accBeta1.data())[0], (await powers.accBeta2.data())[0]];
  }
  return state;
}

/**
 * Loads a checkpoint's optimizer state into a fresh `optimizer` of the same kind.
 * Adam's slots are matched to variables by position, so the variable list passed to
 * the loop must be in the same order as when it was saved (`model.trainableWeights`).
 */
export async function restoreOptimizer(optimizer: tf.Optimizer, state: TrainingCheckpoint['optimizer'], variableCount: number): Promise<void> {
  if (state.kind === 'adam' && state.slots.length !== 2 * variableCount && state.slots.length !== 0) {
    throw new TrainerError('CHECKPOINT_INVALID', `checkpoint holds ${state.slots.length} Adam slots for ${variableCount} trainable weights (expected ${2 * variableCount})`, {
      details: { expected: 2 * variableCount, actual: state.slots.length },
    });
  }
  const tensors: Array<{ name: string; tensor: tf.Tensor }> = [
    { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
    ...state.slots.map((s) => ({ name: s.name, tensor: tf.tensor(s.values, s.shape, 'float32') })),
  ];
  await optimizer.setWeights(tensors);
  // setWeights wraps each tensor in a new variable sharing its data; ours can go.
  tf.dispose(tensors.map((t) => t.tensor));
  if (state.kind === 'adam' && state.betaPowers !== undefined) {
    const powers = optimizer as unknown as AdamBetaPowers;
    tf.tidy(() => {
      powers.accBeta1.assign(tf.scalar(state.betaPowers![0]));
      powers.accBeta2.assign(tf.scalar(state.betaPowers![1]));
    });
  }
}
