/**
 * Between the wire and the engines: inputs prepared and checked, raw outputs turned
 * into predictions (activation, top-k, per-row latency).
 */
import { EdgeloopError, type Manifest } from '../../format/index.ts';
import type { BackendId, TensorData } from '../engine/types.ts';
import type { Prediction, WireInput } from './api.ts';
import type { PackedPrediction } from './predict-wire.ts';
import { activate, applyActivation, prepareImage, prepareTensor, topK, type PrepareOptions } from './preprocess.ts';

/** The model's input tensor for one wire input (see {@link PrepareOptions} for `inPlace`). */
export function prepareInput(manifest: Manifest, input: WireInput, options: PrepareOptions = {}): TensorData {
  if (input && typeof input === 'object' && 'tensor' in input) return prepareTensor(manifest, input.tensor, options);
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

/**
 * The one row of `output` after the activation, as it crosses back (see predict-wire.ts).
 * The engine's answer is ours (EngineSession.run), so the activation runs where it lies
 * and its buffer is the one transferred, unless it is a view on a larger or shared one.
 */
export function packPrediction(manifest: Manifest, output: TensorData, backend: BackendId, latencyMs: number): PackedPrediction {
  const { data } = output;
  const whole = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  const values = applyActivation(manifest.output.activation, data, output.shape, whole);
  return { output: values, shape: [1, ...output.shape.slice(1)], backend, latencyMs };
}

/** The prediction a {@link PackedPrediction} stands for, with its `k` best classes (built where it is received). */
export function unpackPrediction(manifest: Manifest, packed: PackedPrediction, k: number): Prediction {
  const { output, shape, backend, latencyMs } = packed;
  return { output, shape, topK: topK(manifest, output, k), backend, latencyMs };
}
