/**
 * Loading and running artifacts in memory for the compressor's evaluation (CLI, browser
 * worker, benchmark) through the runtime's own engines: one tfjs-artifact reader (with
 * the edgeloop quantization decoded), one engine per artifact engine, one batched
 * predict loop — so an artifact scores here exactly as it will run on the device
 * (tfjs on `tfjs-cpu`, ONNX on `ort-wasm`).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { EnginePool, predictInBatches, readTfjsArtifact, type EngineSettings, type TensorData } from '../runtime/index.ts';

/** An artifact held in memory: its engine, its files, and their paths in manifest order. */
export interface ArtifactInMemory {
  engine: 'tfjs' | 'onnx';
  files: Map<string, Uint8Array>;
  paths: string[];
}

/** Runs an artifact's files on `x` and returns the logits (`count × classes`). */
export type RunArtifact = (artifact: ArtifactInMemory, x: Float32Array, inputShape: number[]) => Promise<Float32Array>;

/** Options of {@link createArtifactRunner}. */
export interface ArtifactRunnerOptions {
  /** The engines' settings (in a browser worker: the bundler's URL of onnxruntime-web's wasm). @defaultValue the runtime's `DEFAULT_ENGINE_SETTINGS` */
  settings?: EngineSettings;
}

/**
 * How the compressor runs an artifact: as the runtime would, on `tfjs-cpu` (tfjs) or
 * `ort-wasm` (ONNX), 256 rows per call. Engines load on first use, so a tfjs-only run
 * never loads onnxruntime-web. One runner for the CLI, the browser worker and the benchmark.
 */
export function createArtifactRunner(options: ArtifactRunnerOptions = {}): RunArtifact {
  const pool = new EnginePool(options.settings);
  return async (artifact, x, inputShape) => {
    const session = await pool.createSession(artifact.engine === 'onnx' ? 'ort-wasm' : 'tfjs-cpu', { files: artifact.files, paths: artifact.paths });
    try {
      return (await predictInBatches((batch) => session.run(batch), rowsOf(x, inputShape))).data;
    } finally {
      session.dispose();
    }
  };
}

/** Loads a tfjs layers artifact (`paths[0]` is its model.json) from `files` as a live model, with the runtime's reader. */
export async function loadTfjsArtifact(files: ReadonlyMap<string, Uint8Array>, paths: readonly string[]): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(tf.io.fromMemory(readTfjsArtifact(files, paths)));
}

/** A copy of `model` with its own weights (to prune without touching the original). */
export async function cloneModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
}

/** Runs a live `model` on `x` (rows of `inputShape`) in the runtime's batches and returns its outputs. */
export async function predictRows(model: tfl.LayersModel, x: Float32Array, inputShape: readonly number[]): Promise<Float32Array> {
  const run = async (batch: TensorData): Promise<TensorData> =>
    tf.tidy(() => {
      const out = model.predict(tf.tensor(batch.data, batch.shape)) as tf.Tensor;
      return { data: out.dataSync() as Float32Array, shape: out.shape };
    });
  return (await predictInBatches(run, rowsOf(x, inputShape))).data;
}

function rowsOf(x: Float32Array, inputShape: readonly number[]): TensorData {
  return { data: x, shape: [x.length / inputShape.reduce((a, b) => a * b, 1), ...inputShape] };
}
