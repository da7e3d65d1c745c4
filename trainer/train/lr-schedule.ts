/**
 * Learning-rate schedules, evaluated once per epoch. A schedule is plain JSON so it
 * fits in a checkpoint and a package's lineage; its position is just the epoch
 * index, which makes resuming exact.
 */
import { TrainerError } from '../errors.ts';

/** The schedule kinds. */
export const LR_SCHEDULE_KINDS = ['constant', 'step', 'exponential', 'cosine'] as const;

/**
 * How the learning rate changes from epoch to epoch (`e` is the 0-based epoch,
 * `E` the total number of epochs, `lr₀` the base rate):
 *
 * - `constant`: `lr₀`
 * - `step`: `lr₀ · factor^⌊e / every⌋`
 * - `exponential`: `lr₀ · decay^e`
 * - `cosine`: `min + (lr₀ − min) · ½ (1 + cos(π e / E))`
 */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; factor: number }
  | { kind: 'exponential'; decay: number }
  | { kind: 'cosine'; minLearningRate?: number };

function invalid(field: string, message: string, value: unknown): TrainerError {
  return new TrainerError('CONFIG_INVALID', `${field} ${message}`, { details: { field, value } });
}

/**
 * Checks a schedule (from JSON, a form or a flag) and returns it typed.
 *
 * @param field - The option's name for error messages. @defaultValue 'lrSchedule'
 * @throws {TrainerError} `CONFIG_INVALID` naming the bad field.
 */
export function validateLrSchedule(value: unknown, field = 'lrSchedule'): LrSchedule {
  if (typeof value !== 'object' || value === null) {
    throw invalid(field, `must be an object like { "kind": "constant" }, got ${JSON.stringify(value)}`, value);
  }
  const s = value as Record<string, unknown>;
  const positive = (name: string, max = Number.POSITIVE_INFINITY): void => {
    const v = s[name];
    if (typeof v !== 'number' || !(v > 0) || !(v <= max) || !Number.isFinite(v)) {
      throw invalid(`${field}.${name}`, `must be a number in (0, ${max}], got ${JSON.stringify(v)}`, v);
    }
  };
  switch (s.kind) {
    case 'constant':
      break;
    case 'step':
      if (typeof s.every !== 'number' || !Number.isInteger(s.every) || s.every < 1) {
        throw invalid(`${field}.every`, `must be a positive integer (epochs), got ${JSON.stringify(s.every)}`, s.every);
      }
      positive('factor', 1);
      break;
    case 'exponential':
      positive('decay', 1);
      break;
    case 'cosine':
      if (s.minLearningRate !== undefined) {
        const m = s.minLearningRate;
        if (typeof m !== 'number' || !(m >= 0) || !Number.isFinite(m)) {
          throw invalid(`${field}.minLearningRate`, `must be a number ≥ 0, got ${JSON.stringify(m)}`, m);
        }
      }
      break;
    default:
      throw invalid(`${field}.kind`, `must be one of ${LR_SCHEDULE_KINDS.join(', ')}, got ${JSON.stringify(s.kind)}`, s.kind);
  }
  return s as unknown as LrSchedule;
}

/**
 * The learning rate of 0-based `epoch` out of `epochs` under `schedule`, starting
 * from `baseLearningRate`.
 */
export function learningRateAt(schedule: LrSchedule, baseLearningRate: number, epoch: number, epochs: number): number {
  switch (schedule.kind) {
    case 'constant':
      return baseLearningRate;
    case 'step':
      return baseLearningRate * schedule.factor ** Math.floor(epoch / schedule.every);
    case 'exponential':
      return baseLearningRate * schedule.decay ** epoch;
    case 'cosine': {
      const min = schedule.minLearningRate ?? 0;
      return min + (baseLearningRate - min) * 0.5 * (1 + Math.cos((Math.PI * epoch) / epochs));
    }
  }
}
