/**
 * Implements {@link TrainerWorkerApi} in the trainer's Web Worker: picks the tfjs
 * backend, builds the model from its JSON config, runs the shared training loop with
 * IndexedDB checkpoints (so a reloaded tab resumes), evaluates on the test split and
 * builds the package. Everything heavy happens here, off the main thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.ts';
import { buildTrainedPackage } from '../package/build-trained-package.ts';
import { buildModel } from '../train/model-config.ts';
import { train } from '../train/training-loop.ts';
import { createIdbCheckpointStore, openCheckpointDb } from './checkpoint-idb.ts';
import type { CompressJob, CompressOutcome, TrainJob, TrainOutcome, TrainProgress, TrainerBackend, TrainerWorkerApi } from './api.ts';
import { getEdgeTarget } from '../../devices/index.ts';
import { parseManifest, verifyFileBytes } from '../../format/index.ts';
import { loadTfjsArtifact, predictRows, runOnnxRows } from '../../compress/artifact-io.ts';
import { compressPackage } from '../../compress/compress-package.ts';

/** URLs of the engines' wasm binaries (the bundler gives them); `wasm` is onnxruntime-web's. */
export type TfjsWasmPaths = Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm' | 'wasm', string>;

export class TrainerService implements TrainerWorkerApi {
  readonly #wasmPaths: TfjsWasmPaths;
  readonly #runs = new Map<string, AbortController>();
  readonly #db = openCheckpointDb();
  readonly #ready = new Map<TrainerBackend, Promise<void>>();

  constructor(wasmPaths: TfjsWasmPaths) {
    this.#wasmPaths = wasmPaths;
    this.#db.catch(() => undefined);
  }

  async train(job: TrainJob, onProgress: (progress: TrainProgress) => void = () => undefined): Promise<TrainOutcome> {
    if (this.#runs.has(job.runId)) throw new TrainerError('CONFIG_INVALID', `run ${job.runId} is already training in this worker`, { details: { runId: job.runId } });
    const controller = new AbortController();
    this.#runs.set(job.runId, controller);
    try {
      return await this.#train(job, onProgress, controller.signal);
    } finally {
      this.#runs.delete(job.runId);
    }
  }

  async abort(runId: string): Promise<void> {
    this.#runs.get(runId)?.abort();
  }

  async compress(job: CompressJob, onProgress: (message: string) => void = () => undefined): Promise<CompressOutcome> {
    tf.env().set('PROD', true);
    await this.#useBackend('cpu');
    const manifest = parseManifest(job.manifestBytes);
    const fp32 = manifest.artifacts.find((a) => a.engine === 'tfjs' && a.precision === 'fp32');
    if (!fp32) throw new TrainerError('CONFIG_INVALID', `${manifest.name}@${manifest.version} has no fp32 tfjs artifact to compress from`, { details: { field: 'artifacts' } });
    for (const file of manifest.artifacts.flatMap((a) => a.files)) {
      const data = job.files.get(file.path);
      if (!data) throw new TrainerError('CONFIG_INVALID', `the package lacks ${file.path}, which its manifest lists`, { details: { path: file.path } });
      await verifyFileBytes(file, data);
    }
    const model = await loadTfjsArtifact(job.files, fp32.files.map((f) => f.path));
    const inputShape = manifest.input.shape.slice(1);
    try {
      const { built, report } = await compressPackage({
        manifest,
        files: job.files,
        model,
        targets: job.targets.map((id) => getEdgeTarget(id)),
        test: job.test,
        train: job.train && { ...job.train, inputShape },
        runArtifact: (artifact, x, shape) => this.#runArtifact(artifact, x, shape),
        onProgress: (message) => onProgress(message),
      });
      return { package: { name: built.manifest.name, manifestBytes: built.manifestBytes, files: built.files }, report };
    } finally {
      model.dispose();
    }
  }

  /** Runs an artifact as the runtime would: tfjs dequantized at load (cpu), ONNX on onnxruntime-web's wasm. */
  async #runArtifact(artifact: { engine: 'tfjs' | 'onnx'; files: Map<string, Uint8Array>; paths: string[] }, x: Float32Array, inputShape: number[]): Promise<Float32Array> {
    if (artifact.engine === 'onnx') {
      const ort = await import('onnxruntime-web/webgpu');
      ort.env.wasm.wasmPaths = { wasm: this.#wasmPaths.wasm };
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      ort.env.logLevel = 'error';
      return runOnnxRows(ort, artifact.files.get(artifact.paths[0]!)!, x, inputShape);
    }
    const model = await loadTfjsArtifact(artifact.files, artifact.paths);
    try {
      return predictRows(model, x, inputShape);
    } finally {
      model.dispose();
    }
  }

  async clearCheckpoint(runId: string): Promise<void> {
    await createIdbCheckpointStore(this.#db, runId).clear();
  }

  async checkpointInfo(runId: string): Promise<{ epoch: number; savedAt: string } | undefined> {
    const checkpoint = await createIdbCheckpointStore(this.#db, runId).load();
    return checkpoint && { epoch: checkpoint.epoch, savedAt: checkpoint.savedAt };
  }

  async #train(job: TrainJob, onProgress: (progress: TrainProgress) => void, signal: AbortSignal): Promise<TrainOutcome> {
    tf.env().set('PROD', true);
    const backend = job.backend ?? (await this.#defaultBackend(job));
    if (backend === 'wasm' && job.model.kind !== 'mlp') {
      throw new TrainerError('CONFIG_INVALID', `the wasm backend cannot train a '${job.model.kind}' model (tfjs-backend-wasm has no convolution gradients); use webgpu or cpu`, {
        details: { field: 'backend', value: backend },
      });
    }
    onProgress({ kind: 'phase', phase: 'setup', backend });
    await this.#useBackend(backend);
    for (const [flag, value] of Object.entries(job.tfjsFlags ?? {})) tf.env().set(flag, value);

    const model = buildModel(job.model);
    const batchLosses: number[] = [];
    try {
      const result = await train(
        model,
        { x: job.train.x, y: job.train.y, inputShape: job.inputShape, validation: job.validation },
        {
          ...job.options,
          signal,
          checkpoints: createIdbCheckpointStore(this.#db, job.runId),
          resume: job.resume ?? 'if-present',
          onBatch: (p) => {
            batchLosses.push(p.loss);
            onProgress({ kind: 'batch', ...p });
          },
          onEpoch: (e) => onProgress({ kind: 'epoch', ...e }),
        },
      );
      onProgress({ kind: 'phase', phase: 'evaluate', backend });
      const outcome: TrainOutcome = {
        runId: job.runId,
        backend,
        history: result.history,
        batchLosses,
        resumedFromEpoch: result.resumedFromEpoch,
        stoppedEarly: result.stoppedEarly,
        testAccuracy: accuracy(model, job),
      };
      if (job.buildPackage !== false) {
        onProgress({ kind: 'phase', phase: 'package', backend });
        const pkg = await buildTrainedPackage({
          name: job.name,
          version: job.version,
          model,
          labels: job.labels,
          input: { name: 'input', shape: [-1, ...job.inputShape], dtype: 'float32', layout: 'NHWC', ...job.input },
          train: job.train,
          test: job.test,
          history: result.history,
          config: { model: job.model, training: job.options ?? {}, backend, runId: job.runId },
        });
        outcome.package = { name: job.name, manifestBytes: pkg.manifestBytes, files: pkg.files, reportJson: pkg.reportJson, reportHtml: pkg.reportHtml };
      }
      return outcome;
    } finally {
      model.dispose();
    }
  }

  async #defaultBackend(job: TrainJob): Promise<TrainerBackend> {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = await gpu?.requestAdapter().catch(() => null);
    if (adapter) return 'webgpu';
    return job.model.kind === 'mlp' ? 'wasm' : 'cpu';
  }

  /** Backends load lazily: a run pays only for the one it trains on. */
  async #useBackend(backend: TrainerBackend): Promise<void> {
    let ready = this.#ready.get(backend);
    if (!ready) {
      ready = (async () => {
        if (backend === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
        if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
        if (backend === 'wasm') {
          const wasm = await import('@tensorflow/tfjs-backend-wasm');
          // tfjs-wasm's threads hang once the bundle is minified (DESIGN.md).
          tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
          wasm.setWasmPaths(this.#wasmPaths);
        }
      })();
      this.#ready.set(backend, ready);
      ready.catch(() => this.#ready.delete(backend));
    }
    await ready;
    if (!(await tf.setBackend(backend))) {
      throw new TrainerError('CONFIG_INVALID', `the tfjs ${backend} backend failed to start in this browser`, { details: { field: 'backend', value: backend } });
    }
  }
}

/** Test accuracy, in batches, inside tidy scopes. */
function accuracy(model: ReturnType<typeof buildModel>, job: TrainJob): number {
  const rowSize = job.inputShape.reduce((a, b) => a * b, 1);
  const count = job.test.y.length;
  let correct = 0;
  for (let start = 0; start < count; start += 256) {
    const end = Math.min(count, start + 256);
    const predicted = tf.tidy(() => {
      const x = tf.tensor(job.test.x.subarray(start * rowSize, end * rowSize), [end - start, ...job.inputShape]);
      return tf.argMax(model.predict(x) as tf.Tensor, -1).dataSync();
    });
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === job.test.y[start + i]) correct++;
  }
  return correct / count;
}
