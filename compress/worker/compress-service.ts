/**
 * Implements {@link CompressWorkerApi}: runs the compress driver ({@link runCompressJob})
 * on tfjs's cpu backend, evaluating every artifact on the runtime's engines
 * (`tfjs-cpu`, `ort-wasm`). In the browser it runs behind comlink in the compressor's worker
 * (`worker-entry.ts`); a unit test runs it in Node behind a MessageChannel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { releaseProxy, type Remote } from 'comlink';
import type { EngineSettings } from '../../runtime/index.ts';
import { createArtifactRunner, type RunArtifact } from '../artifact-io.ts';
import { runCompressJob, type CompressJob } from '../compress-job.ts';
import type { CompressOutcome, CompressWorkerApi } from './api.ts';

/** Options of {@link CompressService}. */
export interface CompressServiceOptions {
  /** Settings of the runtime engines artifacts are evaluated on (the bundler's wasm URLs). @defaultValue the runtime's `DEFAULT_ENGINE_SETTINGS` */
  engineSettings?: EngineSettings;
}

/** The compressor behind its worker boundary. */
export class CompressService implements CompressWorkerApi {
  readonly #runArtifact: RunArtifact;
  #cpu: Promise<unknown> | undefined;

  constructor(options: CompressServiceOptions = {}) {
    this.#runArtifact = createArtifactRunner({ settings: options.engineSettings });
  }

  async compress(job: CompressJob, onProgress: (message: string) => void = () => undefined): Promise<CompressOutcome> {
    try {
      await this.#useCpu();
      const { built, report } = await runCompressJob(job, { runArtifact: this.#runArtifact, onProgress: (message) => void onProgress(message) });
      return { package: { name: built.manifest.name, manifestBytes: built.manifestBytes, files: built.files }, report };
    } finally {
      // A callback that came over comlink holds a port open until released.
      (onProgress as Partial<Remote<(message: string) => void>>)[releaseProxy]?.();
    }
  }

  /** The compressor evaluates on tfjs's cpu backend, loaded on first use. */
  async #useCpu(): Promise<void> {
    tf.env().set('PROD', true);
    this.#cpu ??= import('@tensorflow/tfjs-backend-cpu');
    await this.#cpu;
    await tf.setBackend('cpu');
  }
}
