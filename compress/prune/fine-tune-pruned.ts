/**
 * A short fine-tune of a pruned model through the trainer's own `train()`, holding
 * the pruned weights at zero, so the surviving weights take over what the pruned
 * ones did.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { train, type TrainingData, type TrainOptions, type TrainResult } from '../../trainer/index.ts';
import { applyPruningMasks, maskTensorsOf, type PruningMask } from './magnitude-prune.ts';

/**
 * Trains `model` (as {@link train} with `trainOptions`) and re-applies `masks` after
 * every gradient step, so the model never runs a batch with a pruned weight other
 * than zero, and after the run (also when it fails or is aborted), so the model
 * ends with exactly the sparsity of the masks. The optimizer's moments for pruned
 * weights keep moving, but every step's result is masked again.
 * `trainOptions.onBatch` is still called, after the masks are applied.
 *
 * @throws whatever {@link train} throws; the masks are applied before it propagates.
 */
export async function fineTunePruned(model: LayersModel, masks: readonly PruningMask[], data: TrainingData, trainOptions: TrainOptions = {}): Promise<TrainResult> {
  const maskTensors = maskTensorsOf(masks);
  try {
    applyPruningMasks(model, masks, maskTensors);
    return await train(model, data, {
      ...trainOptions,
      onBatch: (progress) => {
        applyPruningMasks(model, masks, maskTensors);
        trainOptions.onBatch?.(progress);
      },
    });
  } finally {
    // Early stopping restores saved weights, and a failed run may stop mid-way: mask once more.
    applyPruningMasks(model, masks, maskTensors);
    tf.dispose(maskTensors);
  }
}
