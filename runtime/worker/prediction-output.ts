/**
 * Between the wire and the engines: inputs prepared and checked, raw outputs turned
 * into predictions (activation, top-k, per-row latency).
 */
import { EdgeloopError, type Manifest } from '../../format/index.ts';
import type { BackendId, TensorData } from '../engine/types.ts';
import type { Prediction, WireInput } from './api.ts';
import { activate, prepareImage, prepareTensor, topK } from './preprocess.ts';

/** The model's input tensor for one wire input. */
export function prepareInput(manifest: Manifest, input: WireInput): TensorData {
  if (input && typeof input === 'object' && 'tensor' in input) return prepareTensor(manifest, input.tensor);
  if (input && typeof input === 'object' && 'image' in input) return prepareImage(manifest, input.image);
  throw new EdgeloopError('INPUT_INVALID', 'input must be { data, shape } or an ImageData, ImageBitmap or canvas');
}

/** Throws `INPUT_INVALID` for a `tensor` model, which takes its inputs by name (`what` is the call refused). */
export function assertClassifier(manifest: Manifest, what: string): void {
  if (manifest.task === 'tensor') {
    const names = (manifest.inputs ?? [manifest.input]).map((i) => i.name).join(', ');
    throw new EdgeloopError('INPUT_INVALID', `${manifest.name} is a tensor model: ${what} is for classifiers and regressors; call predict({ ${names} }) with its inputs by name`, {
      details: { task: manifest.task },
    });
  }
}

/** Throws `INPUT_INVALID` unless `tensor` holds one example. */
export function assertSingle(tensor: TensorData, what: string): void {
  if (tensor.shape[0] !== 1) {
    throw new EdgeloopError('INPUT_INVALID', `${what} must hold one example (batch dimension 1, got ${tensor.shape[0]}); pass several examples to predictBatch as separate inputs`, {
      details: { shape: tensor.shape },
    });
  }
}

/** One prediction per row of `output`, each with `ms` spread evenly over the rows. */
export function toPredictions(manifest: Manifest, output: TensorData, backend: BackendId, k: number, ms: number): Prediction[] {
  const probabilities = activate(manifest, output);
  const rows = output.shape[0] ?? 1;
  const width = probabilities.length / rows;
  const latencyMs = ms / rows;
  return Array.from({ length: rows }, (_, row) => {
    const slice = probabilities.slice(row * width, (row + 1) * width);
    return { output: slice, shape: [1, ...output.shape.slice(1)], topK: topK(manifest, slice, k), backend, latencyMs };
  });
}
