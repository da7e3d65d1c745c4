/**
 * The trainer in the browser: `createTrainer()` starts the trainer's module worker and
 * gives a typed client over comlink. Training, checkpoints (IndexedDB), evaluation and
 * packaging all run in the worker; the page gets progress events and the package.
 */
import { proxy, wrap, type Remote } from 'comlink';
import type { CompressJob, CompressOutcome, TrainJob, TrainOutcome, TrainProgress, TrainerWorkerApi } from './worker/api.ts';
import { installErrorTransfer } from '../format/index.ts';
import './errors.ts'; // registers TrainerError for the worker transfer

export type { CompressJob, CompressOutcome, TrainJob, TrainOutcome, TrainProgress, TrainerBackend, TrainerSet } from './worker/api.ts';
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
  /**
   * Compresses a package for edge targets in the worker (quantize, prune with a
   * fine-tune, export ONNX), evaluates every artifact there against the fp32 model and
   * gives back the re-built package (unsigned: install it with a runtime that allows
   * unsigned packages, or sign it with your publisher key) and the report.
   */
  compress(job: CompressJob, options?: { onProgress?: (message: string) => void }): Promise<CompressOutcome>;
  /** Whether the run has a checkpoint (and at which epoch). */
  checkpointInfo(runId: string): Promise<{ epoch: number; savedAt: string } | undefined>;
  clearCheckpoint(runId: string): Promise<void>;
  /** Stops the worker. */
  dispose(): void;
}

/** Starts the trainer worker. */
export function createTrainer(): Trainer {
  installErrorTransfer();
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
    compress: (job, options = {}) => api.compress(job, options.onProgress ? proxy(options.onProgress) : undefined),
    checkpointInfo: (runId) => api.checkpointInfo(runId),
    clearCheckpoint: (runId) => api.clearCheckpoint(runId),
    dispose: () => worker.terminate(),
  };
}
