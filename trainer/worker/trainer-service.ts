/**
 * Implements {@link TrainerWorkerApi} in the trainer's Web Worker: picks the tfjs
 * backend (WebGPU on a hardware adapter, else wasm with edgeloop's convolution-gradient
 * kernels, else cpu), builds the model from its JSON config, runs the shared training loop with
 * IndexedDB checkpoints (so a reloaded tab resumes), evaluates on the test split and
 * builds the package. Everything heavy happens here, off the main thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.ts';
import { evaluateAccuracy } from '../eval/evaluate-accuracy.ts';
import { buildTrainedPackage } from '../package/build-trained-package.ts';
import { buildModel } from '../train/model-config.ts';
import { registerWasmTrainingKernels } from '../train/register-wasm-training-kernels.ts';
import { train } from '../train/training-loop.ts';
import { createIdbCheckpointStore, openCheckpointDb } from './checkpoint-idb.ts';
import { defaultTrainerBackend } from './default-backend.ts';
import type { TrainJob, TrainOutcome, TrainProgress, TrainerBackend, TrainerWorkerApi } from './api.ts';

/** URLs of tfjs-backend-wasm's binaries (the bundler gives them). */
export type TfjsWasmPaths = Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>;

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

  async clearCheckpoint(runId: string): Promise<void> {
    await createIdbCheckpointStore(this.#db, runId).clear();
  }

  async checkpointInfo(runId: string): Promise<{ epoch: number; savedAt: string } | undefined> {
    const checkpoint = await createIdbCheckpointStore(this.#db, runId).load();
    return checkpoint && { epoch: checkpoint.epoch, savedAt: checkpoint.savedAt };
  }

  async #train(job: TrainJob, onProgress: (progress: TrainProgress) => void, signal: AbortSignal): Promise<TrainOutcome> {
    tf.env().set('PROD', true);
    const { backend, reason } = await this.#startBackend(job.backend);
    onProgress({ kind: 'phase', phase: 'setup', backend, ...(reason !== undefined ? { reason } : {}) });
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
        ...(reason !== undefined ? { backendReason: reason } : {}),
        history: result.history,
        batchLosses,
        resumedFromEpoch: result.resumedFromEpoch,
        stoppedEarly: result.stoppedEarly,
        testAccuracy: evaluateAccuracy(model, job.test.x, job.test.y),
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

  /**
   * The asked backend, or the default: WebGPU on a hardware adapter, else wasm (a
   * software adapter such as SwiftShader trains slower than wasm); a default wasm that
   * fails to start falls back to cpu with a note.
   */
  async #startBackend(asked: TrainerBackend | undefined): Promise<{ backend: TrainerBackend; reason?: string }> {
    if (asked !== undefined) {
      await this.#useBackend(asked);
      return { backend: asked };
    }
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = await gpu?.requestAdapter().catch(() => null);
    const { backend, reason } = defaultTrainerBackend(adapter ?? undefined);
    try {
      await this.#useBackend(backend);
      return { backend, reason };
    } catch (error) {
      if (backend !== 'wasm') throw error;
      await this.#useBackend('cpu');
      return { backend: 'cpu', reason: `the wasm backend failed to start (${(error as Error).message}); training on cpu` };
    }
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
          // tfjs-wasm's threads hang once the bundle is minified (docs/ARCHITECTURE.md, "Known facts").
          tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
          wasm.setWasmPaths(this.#wasmPaths);
          registerWasmTrainingKernels();
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
