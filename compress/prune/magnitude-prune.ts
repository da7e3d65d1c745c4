/**
 * Unstructured magnitude pruning: zero the smallest-|w| weights of each Dense and
 * convolution kernel. The model keeps its shape; the zeros pay off as smaller
 * transfers (gzip / brotli squeeze runs of zeros, also after int8 / int4
 * quantization, where 0 stays exactly 0) and as a step towards structured pruning.
 *
 * Sparsity is per layer, not global: every kernel loses the same fraction. A global
 * threshold would strip small layers (the first conv, the logits) nearly bare
 * because their weights are larger in magnitude but few, and would let the largest
 * layer take almost none; per layer keeps every layer working and makes the result
 * predictable per layer, which the tests and the size budgets rely on.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { allLayers, prunableKernels, weightName } from './prunable-kernels.ts';

/** Options of {@link magnitudePrune}. */
export interface MagnitudePruneOptions {
  /** Fraction of each kernel's weights to zero, 0 ≤ s < 1 (rounded to the nearest whole weight). */
  sparsity: number;
  /** Names of the layers to prune. @defaultValue every Dense / Conv layer */
  layers?: readonly string[];
}

/** Which weights of one kernel survive. */
export interface PruningMask {
  /** The layer's name. */
  layer: string;
  /** The weight's name within the layer (`kernel`, `depthwise_kernel`, `pointwise_kernel`). */
  weight: string;
  shape: number[];
  /** 1 where the weight is kept, 0 where it was pruned; row-major over `shape`. */
  keep: Uint8Array;
  /** Number of pruned weights. */
  pruned: number;
}

/**
 * Zeros, in place, the `round(sparsity × size)` weights with the smallest absolute
 * value in each selected kernel (ties: the lower flat index goes first), and
 * returns the masks, for {@link applyPruningMasks} and `fineTunePruned`. Weights
 * that were already zero count as the smallest.
 *
 * @throws {RangeError} when `sparsity` is outside [0, 1) or `layers` names a layer
 *   that is not a prunable layer of `model`.
 */
export async function magnitudePrune(model: LayersModel, options: MagnitudePruneOptions): Promise<PruningMask[]> {
  const { sparsity, layers } = options;
  if (typeof sparsity !== 'number' || !(sparsity >= 0 && sparsity < 1)) {
    throw new RangeError(`sparsity must be a fraction in [0, 1), got ${sparsity}`);
  }
  const masks: PruningMask[] = [];
  for (const { layer, weight, variable } of prunableKernels(model, layers)) {
    const values = (await variable.read().data()) as Float32Array;
    const count = Math.round(sparsity * values.length);
    const order = Uint32Array.from({ length: values.length }, (_, i) => i).sort((a, b) => Math.abs(values[a]) - Math.abs(values[b]) || a - b);
    const keep = new Uint8Array(values.length).fill(1);
    for (let k = 0; k < count; k++) keep[order[k]] = 0;
    masks.push({ layer, weight, shape: [...variable.shape] as number[], keep, pruned: count });
  }
  applyPruningMasks(model, masks);
  return masks;
}

/**
 * Multiplies each masked kernel of `model` by its mask, so pruned weights are
 * exactly zero again (after a gradient step moved them). Runs as tensor ops on the
 * active backend, without reading weights back.
 *
 * @param maskTensors - masks already uploaded as float32 tensors (one per mask, same
 *   order), to avoid an upload per call in a training loop.
 * @throws {RangeError} when a mask names a weight `model` does not have, or its
 *   shape differs.
 */
export function applyPruningMasks(model: LayersModel, masks: readonly PruningMask[], maskTensors?: readonly tf.Tensor[]): void {
  const layers = allLayers(model);
  masks.forEach((mask, i) => {
    const variable = layers.find((l) => l.name === mask.layer)?.weights.find((w) => weightName(w) === mask.weight);
    if (variable === undefined) throw new RangeError(`model '${model.name}' has no weight ${mask.layer}/${mask.weight} to mask`);
    if (variable.shape.join() !== mask.shape.join()) {
      throw new RangeError(`${mask.layer}/${mask.weight} has shape [${variable.shape.join(', ')}], its mask [${mask.shape.join(', ')}]`);
    }
    tf.tidy(() => {
      const m = maskTensors?.[i] ?? tf.tensor(Float32Array.from(mask.keep), mask.shape, 'float32');
      variable.write(tf.mul(variable.read(), m));
    });
  });
}

/** The masks as float32 tensors for {@link applyPruningMasks}; the caller disposes them. */
export function maskTensorsOf(masks: readonly PruningMask[]): tf.Tensor[] {
  return masks.map((mask) => tf.tensor(Float32Array.from(mask.keep), mask.shape, 'float32'));
}
