/**
 * How sparse a model's prunable kernels are, per kernel and in total.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { prunableKernels } from './prunable-kernels.ts';

/** Sparsity of one kernel. */
export interface KernelSparsity {
  layer: string;
  /** `kernel`, `depthwise_kernel` or `pointwise_kernel`. */
  weight: string;
  /** Number of weights. */
  size: number;
  /** Weights that are exactly zero. */
  zeros: number;
  /** `zeros / size`. */
  sparsity: number;
}

/** The result of {@link sparsityReport}. */
export interface SparsityReport {
  /** One entry per Dense / Conv kernel, in layer order. */
  layers: KernelSparsity[];
  /** Weights in all those kernels (biases are not counted). */
  size: number;
  zeros: number;
  /** `zeros / size` over all kernels (0 for a model without any). */
  sparsity: number;
}

/** Counts the exact zeros in every Dense / Conv kernel of `model`. */
export async function sparsityReport(model: LayersModel): Promise<SparsityReport> {
  const layers: KernelSparsity[] = [];
  for (const { layer, weight, variable } of prunableKernels(model)) {
    const values = await variable.read().data();
    let zeros = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === 0) zeros++;
    layers.push({ layer, weight, size: values.length, zeros, sparsity: values.length === 0 ? 0 : zeros / values.length });
  }
  const size = layers.reduce((sum, l) => sum + l.size, 0);
  const zeros = layers.reduce((sum, l) => sum + l.zeros, 0);
  return { layers, size, zeros, sparsity: size === 0 ? 0 : zeros / size };
}
