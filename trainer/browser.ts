/**
 * The trainer in the browser: `createTrainer()` starts the trainer's module worker and
 * gives a typed client over comlink. Training, checkpoints (IndexedDB), evaluation and
 * packaging all run in the worker; the page gets progress events and the package.
 * Compressing a package is the compressor's (`compress/browser.ts`, `createCompressor()`).
 */
import { proxy, wrap, type Remote } from 'comlink';
import type { TrainJob, TrainOutcome, TrainProgress, TrainerWorkerApi } from './worker/api.ts';
import { installErrorTransfer, registerCodedError } from '../format/index.ts';
import { TrainerError } from './errors.ts';

export type { TrainJob, TrainOutcome, TrainProgress, TrainerBackend, TrainerSet } from './worker/api.ts';
export { loadImageFiles, type LoadImageFilesOptions } from './data/load-image-files.ts';

/** Options of {@link Trainer.train}. */
export interface TrainRunOptions {
  onProgress?: (progress: TrainProgress) => void;
  /** Stops the run before its next batch (`TRAINING_ABORTED`); its last checkpoint stays. */
  signal?: AbortSignal;
}

/** The trainer client. */
export interface Trainer {
  /** Trains (resuming the run's checkpoint when there is one), evaluates, and builds the package. */
  train(job: TrainJob, options?: TrainRunOptions): Promise<TrainOutcome>;
  /** Whether the run has a checkpoint (and at which epoch). */
  checkpointInfo(runId: string): Promise<{ epoch: number; savedAt: string } | undefined>;
  clearCheckpoint(runId: string): Promise<void>;
  /** Stops the worker. */
  dispose(): void;
}

/** Starts the trainer worker. */
export function createTrainer(): Trainer {
  installErrorTransfer();
  // Named here rather than by a side-effect import, which `"sideEffects": false` lets a bundler drop.
  registerCodedError('TrainerError', TrainerError);
  const worker = new Worker(new URL('./worker/worker-entry.ts', import.meta.url), { type: 'module', name: 'edgeloop-trainer' });
  const api: Remote<TrainerWorkerApi> = wrap<TrainerWorkerApi>(worker);
  return {
    async train(job, options = {}) {
      const { onProgress, signal } = options;
      const abort = () => void api.abort(job.runId);
      signal?.addEventListener('abort', abort, { once: true });
      const callback = onProgress ? proxy(onProgress) : undefined;
      try {
        return await api.train(job, callback);
      } finally {
        signal?.removeEventListener('abort', abort);
      }
    },
    checkpointInfo: (runId) => api.checkpointInfo(runId),
    clearCheckpoint: (runId) => api.clearCheckpoint(runId),
    dispose: () => worker.terminate(),
  };
}
