/**
 * Loading and running artifacts in memory, as the runtime would, for the compressor's
 * evaluation (CLI, browser worker, benchmark): a tfjs artifact with its edgeloop
 * quantization decoded by the runtime's own decoder, an ONNX artifact on whatever
 * onnxruntime-web module the caller imported (Node and the browser import it differently).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type * as Ort from 'onnxruntime-web';
import { dequantizeTfjsWeights } from '../runtime/engine/index.ts';

/** Loads a tfjs layers artifact (`paths[0]` is its model.json) from `files`. */
export async function loadTfjsArtifact(files: ReadonlyMap<string, Uint8Array>, paths: readonly string[]): Promise<tfl.LayersModel> {
  const jsonPath = paths[0];
  const jsonBytes = jsonPath === undefined ? undefined : files.get(jsonPath);
  if (!jsonPath || !jsonBytes) throw new RangeError(`loadTfjsArtifact: no model.json among ${paths.join(', ')}`);
  const json = JSON.parse(new TextDecoder().decode(jsonBytes)) as { modelTopology: object; weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> };
  const folder = jsonPath.includes('/') ? jsonPath.slice(0, jsonPath.lastIndexOf('/') + 1) : '';
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => {
    const shard = files.get(folder + p);
    if (!shard) throw new RangeError(`loadTfjsArtifact: ${jsonPath} names weight shard ${p}, which is missing`);
    return shard.slice().buffer as ArrayBuffer;
  });
  const decoded = dequantizeTfjsWeights(json.weightsManifest.flatMap((g) => g.weights), shards);
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: decoded.weightSpecs, weightData: decoded.weightData }));
}

/** A copy of `model` with its own weights (to prune without touching the original). */
export async function cloneModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
}

/** Runs `model` on `x` (rows of `inputShape`) and returns its outputs. */
export function predictRows(model: tfl.LayersModel, x: Float32Array, inputShape: readonly number[]): Float32Array {
  const rows = x.length / inputShape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => (model.predict(tf.tensor(x, [rows, ...inputShape])) as tf.Tensor).dataSync() as Float32Array);
}

/** Runs an ONNX model on `x` with onnxruntime-web's wasm backend, 256 rows per call. */
export async function runOnnxRows(ort: Pick<typeof Ort, 'InferenceSession' | 'Tensor'>, bytes: Uint8Array, x: Float32Array, inputShape: readonly number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const size = inputShape.reduce((a, b) => a * b, 1);
    const rows = x.length / size;
    const parts: Float32Array[] = [];
    for (let start = 0; start < rows; start += 256) {
      const n = Math.min(256, rows - start);
      const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x.subarray(start * size, (start + n) * size), [n, ...inputShape]) });
      parts.push(Float32Array.from(result[session.outputNames[0]!]!.data as Float32Array));
    }
    const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  } finally {
    await session.release();
  }
}
