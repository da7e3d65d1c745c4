/**
 * The inputs, options, events and results of {@link train}, and
 * `resolveTrainOptions`, which checks the options and fills in the defaults.
 */
import { TrainerError } from '../errors.ts';
import type { CheckpointStore } from './checkpoint.ts';
import type { BatchProgress, EpochSummary } from './training-progress.ts';
import { validateLrSchedule, type LrSchedule } from './lr-schedule.ts';

export type { BatchProgress, EpochSummary } from './training-progress.ts';

/** Labelled examples held in flat typed arrays. */
export interface LabelledSet {
  /** `count × product(inputShape)` feature values, row-major. */
  x: Float32Array;
  /** `count` class indices (the model outputs one logit per class). */
  y: Uint8Array;
}

/** Training data for {@link train}: a classification set plus an optional validation set. */
export interface TrainingData extends LabelledSet {
  /** Shape of one example, without the batch dimension, e.g. `[28, 28, 1]`. */
  inputShape: number[];
  /** Held-out examples, evaluated after every epoch (needed for early stopping). */
  validation?: LabelledSet;
}

/** The optimizers {@link train} can use. */
export const OPTIMIZERS = ['adam', 'sgd'] as const;

/** Stops when the validation loss has not improved for a while, then restores the best weights. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest decrease of the validation loss that counts as an improvement. @defaultValue 0 */
  minDelta?: number;
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** Total passes over the data (a resumed run counts the epochs already done). @defaultValue 1 */
  epochs?: number;
  /** Examples per gradient step (the last batch of an epoch may be smaller). @defaultValue 32 */
  batchSize?: number;
  /** Base learning rate. @defaultValue 0.001 */
  learningRate?: number;
  /** @defaultValue 'adam' */
  optimizer?: (typeof OPTIMIZERS)[number];
  /** @defaultValue { kind: 'constant' } */
  lrSchedule?: LrSchedule;
  /** Seed of the per-epoch shuffle. @defaultValue 0 */
  seed?: number;
  /** Early stopping on validation loss (needs `data.validation`). Off by default. */
  earlyStopping?: EarlyStoppingOptions;
  /** Called after every gradient step (not awaited). */
  onBatch?: (progress: BatchProgress) => void;
  /** Called after every epoch, after its checkpoint is saved (awaited when it returns a promise). */
  onEpoch?: (summary: EpochSummary) => void | Promise<void>;
  /** Aborting it stops training before the next batch with `TRAINING_ABORTED`. */
  signal?: AbortSignal;
  /** Where to save a checkpoint after every epoch. */
  checkpoints?: CheckpointStore;
  /**
   * Continue from the checkpoint in `checkpoints`: `true` requires one
   * (`CHECKPOINT_MISSING` otherwise), `'if-present'` starts afresh when there is
   * none. @defaultValue false
   */
  resume?: boolean | 'if-present';
  /** Examples per forward pass when evaluating the validation set. @defaultValue 256 */
  evalBatchSize?: number;
}

/** The outcome of {@link train}. */
export interface TrainResult {
  /** One summary per epoch, including epochs done before a resume. */
  history: EpochSummary[];
  /** Epochs completed. */
  epochs: number;
  /** True when early stopping ended the run. */
  stoppedEarly: boolean;
  /** 1-based epoch whose weights the model holds when early stopping restored them. */
  bestEpoch?: number;
  /** The epoch a resumed run started after (0 for a fresh run). */
  resumedFromEpoch: number;
}

/** {@link TrainOptions} with defaults filled in, checked and frozen. */
export interface ResolvedTrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly optimizer: (typeof OPTIMIZERS)[number];
  readonly lrSchedule: LrSchedule;
  readonly seed: number;
  readonly earlyStopping?: Readonly<Required<EarlyStoppingOptions>>;
  readonly evalBatchSize: number;
  readonly resume: boolean | 'if-present';
}

function invalid(field: string, message: string, value: unknown): TrainerError {
  return new TrainerError('CONFIG_INVALID', `training option ${field} ${message}`, { details: { field, value } });
}

function positiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(field, `must be a positive integer, got ${JSON.stringify(value)}`, value);
  }
  return value;
}

/**
 * Checks `options` and returns them frozen with every default filled in.
 *
 * @throws {TrainerError} `CONFIG_INVALID` naming the bad option.
 */
export function resolveTrainOptions(options: TrainOptions, hasValidation: boolean): ResolvedTrainOptions {
  const epochs = positiveInt(options.epochs ?? 1, 'epochs');
  const batchSize = positiveInt(options.batchSize ?? 32, 'batchSize');
  const evalBatchSize = positiveInt(options.evalBatchSize ?? 256, 'evalBatchSize');
  const learningRate = options.learningRate ?? 0.001;
  if (typeof learningRate !== 'number' || !(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw invalid('learningRate', `must be a positive number, got ${JSON.stringify(learningRate)}`, learningRate);
  }
  const optimizer = options.optimizer ?? 'adam';
  if (!OPTIMIZERS.includes(optimizer)) {
    throw invalid('optimizer', `must be one of ${OPTIMIZERS.join(', ')}, got ${JSON.stringify(optimizer)}`, optimizer);
  }
  const lrSchedule = validateLrSchedule(options.lrSchedule ?? { kind: 'constant' });
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw invalid('seed', `must be a finite number, got ${JSON.stringify(seed)}`, seed);
  let earlyStopping: Required<EarlyStoppingOptions> | undefined;
  if (options.earlyStopping !== undefined) {
    const patience = positiveInt(options.earlyStopping.patience, 'earlyStopping.patience');
    const minDelta = options.earlyStopping.minDelta ?? 0;
    if (typeof minDelta !== 'number' || !(minDelta >= 0)) {
      throw invalid('earlyStopping.minDelta', `must be a number ≥ 0, got ${JSON.stringify(minDelta)}`, minDelta);
    }
    if (!hasValidation) throw invalid('earlyStopping', 'needs data.validation (it watches the validation loss)', options.earlyStopping);
    earlyStopping = Object.freeze({ patience, minDelta });
  }
  const resume = options.resume ?? false;
  if (resume !== false && options.checkpoints === undefined) {
    throw invalid('resume', 'needs a checkpoints store to resume from', resume);
  }
  return Object.freeze({ epochs, batchSize, learningRate, optimizer, lrSchedule, seed, earlyStopping, evalBatchSize, resume });
}
