/**
 * What a training checkpoint holds and where it is kept. A checkpoint is a plain,
 * structured-clone-friendly object (JSON values plus `Float32Array`s), so the same
 * value can go to IndexedDB, through `postMessage`, or to disk
 * ({@link encodeCheckpoint}). Stores implement {@link CheckpointStore}.
 */
import { TrainerError } from '../errors.ts';
import type { EpochSummary } from './training-progress.ts';

/** Version tag of the checkpoint layout. */
export const CHECKPOINT_FORMAT = 'edgeloop-checkpoint/1';

/** One tensor's values, by position, with its name for diagnostics. */
export interface NamedArray {
  /** Weight or optimizer-slot name when it was saved (informational; restore goes by position). */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainingCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  /** When it was written (ISO 8601). */
  savedAt: string;
  /** Epochs completed; training continues with the next one. */
  epoch: number;
  /**
   * JSON of the settings that must match on resume (batch size, optimizer, seed,
   * schedule, data sizes …); `epochs` and callbacks may change.
   */
  fingerprint: string;
  /** All model weights (trainable and not) in `model.weights` order. */
  weights: NamedArray[];
  optimizer: {
    kind: 'adam' | 'sgd';
    /** Steps taken so far. */
    iterations: number;
    /** Optimizer slots in `optimizer.getWeights()` order, without the iteration counter (Adam: all `m`, then all `v`). */
    slots: NamedArray[];
    /** Adam's running β₁ᵗ⁺¹ and β₂ᵗ⁺¹, saved so a resumed run does not recompute them with different rounding. */
    betaPowers?: [number, number];
  };
  /** The shuffle: epoch `e` is shuffled with a generator seeded from (`seed`, `e`); `nextEpoch` is the next to draw. */
  rng: { seed: number; nextEpoch: number };
  /** The learning-rate schedule's position and the rate the next epoch uses. */
  lrSchedule: { nextEpoch: number; learningRate: number };
  /** Early-stopping state, when early stopping is on. */
  earlyStopping?: {
    bestLoss: number;
    bestEpoch: number;
    /** Epochs since the last improvement. */
    wait: number;
    stopped: boolean;
    /** Weights of the best epoch so far (restored at the end). */
    bestWeights?: NamedArray[];
  };
  /** One summary per completed epoch. */
  history: EpochSummary[];
}

/**
 * Where checkpoints go. One slot: `save` replaces the previous checkpoint. A store
 * must keep a value equal to what was saved (copy it or serialise it) — the
 * training loop reuses nothing it passed in, but callers may.
 */
export interface CheckpointStore {
  save(checkpoint: TrainingCheckpoint): Promise<void> | void;
  /** The last saved checkpoint, or `undefined` when there is none. */
  load(): Promise<TrainingCheckpoint | undefined> | TrainingCheckpoint | undefined;
  clear(): Promise<void> | void;
}

/** A {@link CheckpointStore} in memory (for tests and short-lived runs); it keeps structured clones. */
export function createMemoryCheckpointStore(): CheckpointStore & { readonly saves: number } {
  let stored: TrainingCheckpoint | undefined;
  let saves = 0;
  return {
    save(checkpoint) {
      stored = structuredClone(checkpoint);
      saves++;
    },
    load() {
      return stored === undefined ? undefined : structuredClone(stored);
    },
    clear() {
      stored = undefined;
    },
    get saves() {
      return saves;
    },
  };
}

function broken(message: string, where?: string): TrainerError {
  return new TrainerError('CHECKPOINT_INVALID', `checkpoint${where === undefined ? '' : ` (${where})`}: ${message}; delete it and start again`, {
    details: where === undefined ? {} : { where },
  });
}

function checkArrays(value: unknown, field: string, where?: string): void {
  if (!Array.isArray(value)) throw broken(`${field} is not an array`, where);
  value.forEach((entry: unknown, i) => {
    const a = entry as Partial<NamedArray> | null;
    if (a === null || typeof a !== 'object' || typeof a.name !== 'string' || !Array.isArray(a.shape) || !(a.values instanceof Float32Array)) {
      throw broken(`${field}[${i}] is not { name, shape, values: Float32Array }`, where);
    }
    const size = a.shape.reduce((p: number, d: number) => p * d, 1);
    if (size !== a.values.length) throw broken(`${field}[${i}] (${a.name}) has ${a.values.length} values for shape [${a.shape.join(', ')}]`, where);
  });
}

/**
 * Checks the structure of a loaded checkpoint (not whether it fits a model).
 *
 * @param where - Where it came from (a file path), for the message.
 * @throws {TrainerError} `CHECKPOINT_INVALID` naming the broken part.
 */
export function validateCheckpoint(value: unknown, where?: string): TrainingCheckpoint {
  if (typeof value !== 'object' || value === null) throw broken('not an object', where);
  const c = value as Partial<TrainingCheckpoint>;
  if (c.format !== CHECKPOINT_FORMAT) throw broken(`format is ${JSON.stringify(c.format)}, expected '${CHECKPOINT_FORMAT}'`, where);
  if (typeof c.epoch !== 'number' || !Number.isInteger(c.epoch) || c.epoch < 0) throw broken('epoch is not a non-negative integer', where);
  if (typeof c.fingerprint !== 'string') throw broken('fingerprint is missing', where);
  checkArrays(c.weights, 'weights', where);
  const o = c.optimizer;
  if (o === undefined || (o.kind !== 'adam' && o.kind !== 'sgd') || typeof o.iterations !== 'number') throw broken('optimizer is malformed', where);
  checkArrays(o.slots, 'optimizer.slots', where);
  if (typeof c.rng?.seed !== 'number' || typeof c.rng.nextEpoch !== 'number') throw broken('rng is malformed', where);
  if (typeof c.lrSchedule?.learningRate !== 'number') throw broken('lrSchedule is malformed', where);
  if (c.earlyStopping !== undefined && c.earlyStopping.bestWeights !== undefined) {
    checkArrays(c.earlyStopping.bestWeights, 'earlyStopping.bestWeights', where);
  }
  if (!Array.isArray(c.history) || c.history.length !== c.epoch) throw broken('history does not have one entry per epoch', where);
  return c as TrainingCheckpoint;
}
