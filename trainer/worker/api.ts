/**
 * The trainer's worker boundary: the interface `TrainerService` implements in the
 * worker and `createTrainer()` wraps on the main thread (comlink).
 */
import type { ManifestInput } from '../../format/index.ts';
import type { ModelConfig } from '../train/model-config.ts';
import type { BatchProgress, EpochSummary, TrainOptions } from '../train/train-options.ts';

/** The tfjs backends the trainer can train on in a browser. */
export type TrainerBackend = 'webgpu' | 'wasm' | 'cpu';

/** Labelled examples: `count × product(inputShape)` model-input values and `count` labels. */
export interface TrainerSet {
  x: Float32Array;
  y: Uint8Array;
}

/** One training run. */
export interface TrainJob {
  /** Names the run's checkpoint in IndexedDB: the same id resumes it. */
  runId: string;
  /** Package name of the result. */
  name: string;
  /** @defaultValue '1.0.0' */
  version?: string;
  model: ModelConfig;
  inputShape: number[];
  /** Class names in class-index order. */
  labels: string[];
  train: TrainerSet;
  validation?: TrainerSet;
  /** Held out: the package's metrics and drift baseline. */
  test: TrainerSet;
  /** Training options (no callbacks: progress comes through `onProgress`). */
  options?: Omit<TrainOptions, 'onBatch' | 'onEpoch' | 'signal' | 'checkpoints' | 'resume'>;
  /**
   * The backend; every one trains every model kind. `wasm` trains convolutions with
   * edgeloop's gradient kernels (tfjs-wasm lacks them; NHWC without dilation, what the
   * trainer's builders make); `cpu` is plain JS (slowest). @defaultValue 'webgpu' on a
   * hardware WebGPU adapter, else 'wasm' (also on a software adapter such as SwiftShader,
   * which trains slower than wasm); 'cpu' if wasm fails to start
   */
  backend?: TrainerBackend;
  /** Continue from this run's checkpoint (`'if-present'`: when there is one). @defaultValue 'if-present' */
  resume?: boolean | 'if-present';
  /** How the runtime feeds the model: the manifest's input section. @defaultValue float32 NHWC, no preprocessing */
  input?: Partial<ManifestInput>;
  /** Build the package at the end. @defaultValue true */
  buildPackage?: boolean;
  /** tfjs flags for the run, e.g. `{ WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 }`. */
  tfjsFlags?: Record<string, number | boolean>;
}

/** Progress of a run: per batch and per epoch. */
export type TrainProgress = ({ kind: 'batch' } & BatchProgress) | ({ kind: 'epoch' } & EpochSummary) | {
      kind: 'phase';
      phase: 'setup' | 'evaluate' | 'package';
      backend?: TrainerBackend;
      /** At setup, when the job named no backend: why this one ("only a software WebGPU adapter here …"). */
      reason?: string;
    };

/** What a run gives back. */
export interface TrainOutcome {
  runId: string;
  backend: TrainerBackend;
  /** Why the trainer chose `backend`, when the job named none (also when wasm failed to start and it fell back to cpu). */
  backendReason?: string;
  history: EpochSummary[];
  /** Loss of every gradient step of this session (not of epochs before a resume). */
  batchLosses: number[];
  resumedFromEpoch: number;
  stoppedEarly: boolean;
  /** Test accuracy of the trained model. */
  testAccuracy: number;
  /** The package, when built: install it with `runtime.store.installPackage`. */
  package?: { name: string; manifestBytes: Uint8Array; files: Map<string, Uint8Array>; reportJson: Uint8Array; reportHtml: Uint8Array };
}

/** The interface the trainer worker exposes. */
export interface TrainerWorkerApi {
  train(job: TrainJob, onProgress?: (progress: TrainProgress) => void): Promise<TrainOutcome>;
  /** Stops the run with `runId` before its next batch (its last checkpoint stays). */
  abort(runId: string): Promise<void>;
  /** Deletes a run's checkpoint. */
  clearCheckpoint(runId: string): Promise<void>;
  /** Whether a checkpoint exists for `runId`, and its epoch. */
  checkpointInfo(runId: string): Promise<{ epoch: number; savedAt: string } | undefined>;
}
