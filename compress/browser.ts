/**
 * The compressor in the browser: `createCompressor()` starts the compressor's module
 * worker and gives a typed client over comlink. Quantizing, pruning (with its
 * fine-tune), the ONNX export and the evaluation of every artifact run in the worker;
 * the page gets progress lines, the re-built package and the report. Its own worker, so
 * an app that only trains never loads the exporter.
 */
import { proxy, wrap, type Remote } from 'comlink';
import { EdgeTargetError } from '../devices/index.ts';
import { installErrorTransfer, registerCodedError } from '../format/index.ts';
import { TrainerError } from '../trainer/index.ts';
import { CompressError } from './compress-error.ts';
import type { CompressJob, CompressOutcome, CompressWorkerApi } from './worker/api.ts';

export type { CompressJob, CompressOutcome } from './worker/api.ts';

/** Options of {@link Compressor.compress}. */
export interface CompressRunOptions {
  /** One line per step (recipe, fine-tune, result). */
  onProgress?: (message: string) => void;
}

/** The compressor client. */
export interface Compressor {
  /**
   * Compresses a package for edge targets in the worker (quantize, prune with a
   * fine-tune, export ONNX), evaluates every artifact there against the fp32 model and
   * gives back the re-built package (unsigned: install it with a runtime that allows
   * unsigned packages, or sign it with your publisher key) and the report. Errors keep
   * their codes (`TARGET_UNKNOWN`, `UNSUPPORTED_LAYER`, `BUDGET_EXCEEDED`, …).
   */
  compress(job: CompressJob, options?: CompressRunOptions): Promise<CompressOutcome>;
  /** Stops the worker. */
  dispose(): void;
}

/** Starts the compressor worker. */
export function createCompressor(): Compressor {
  installErrorTransfer();
  // Named here rather than by side-effect imports, which `"sideEffects": false` lets a bundler drop.
  registerCodedError('TrainerError', TrainerError); // a pruning fine-tune's training errors
  registerCodedError('EdgeTargetError', EdgeTargetError);
  registerCodedError('CompressError', CompressError);
  const worker = new Worker(new URL('./worker/worker-entry.ts', import.meta.url), { type: 'module', name: 'edgeloop-compressor' });
  const api: Remote<CompressWorkerApi> = wrap<CompressWorkerApi>(worker);
  return {
    compress: (job, options = {}) => api.compress(job, options.onProgress ? proxy(options.onProgress) : undefined),
    dispose: () => worker.terminate(),
  };
}
