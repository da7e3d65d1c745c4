/**
 * Runs a train-and-evaluate callback once per fold and summarises each metric across
 * the folds as mean ± standard deviation.
 */
import { TrainerError } from '../errors.ts';
import type { Fold } from './k-fold.ts';

/** Mean, sample standard deviation and per-fold values of one metric. */
export interface MetricSummary {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator) across folds. */
  sd: number;
  /** The metric of each fold, in fold order. */
  values: number[];
}

/** The outcome of {@link crossValidate}. */
export interface CrossValidationResult {
  /** The callback's metrics, one record per fold. */
  folds: Record<string, number>[];
  /** Per metric name, its summary across folds. */
  summary: Record<string, MetricSummary>;
}

/** What the callback gets for one fold. */
export interface FoldContext {
  /** 0-based fold number. */
  index: number;
  fold: Fold;
}

/** Trains on `fold.train`, evaluates on `fold.validation`, returns metrics by name. */
export type TrainAndEvaluate = (context: FoldContext) => Record<string, number> | Promise<Record<string, number>>;

/** Options for {@link crossValidate}. */
export interface CrossValidateOptions {
  /** Called after each fold with its metrics (e.g. for a progress bar). */
  onFold?: (index: number, metrics: Record<string, number>) => void;
  /** Stops between folds when aborted. */
  signal?: AbortSignal;
}

/**
 * Calls `trainAndEvaluate` for each fold in turn (never in parallel: training is
 * memory-heavy) and aggregates every metric as mean ± sample SD. A metric that is
 * `NaN` in any fold makes its mean and SD `NaN`.
 *
 * @throws {RangeError} when fewer than 2 folds are given.
 * @throws TrainerError `CONFIG_INVALID` when folds return different metric names or a
 *   value that is not a number; `TRAINING_ABORTED` when `signal` aborts.
 */
export async function crossValidate(
  folds: readonly Fold[],
  trainAndEvaluate: TrainAndEvaluate,
  options: CrossValidateOptions = {},
): Promise<CrossValidationResult> {
  if (folds.length < 2) throw new RangeError(`crossValidate: needs at least 2 folds, got ${folds.length}; make them with kFold(count, k)`);
  const results: Record<string, number>[] = [];
  for (let index = 0; index < folds.length; index++) {
    if (options.signal?.aborted) {
      throw new TrainerError('TRAINING_ABORTED', `crossValidate: aborted before fold ${index + 1} of ${folds.length}`, { cause: options.signal.reason });
    }
    const metrics = await trainAndEvaluate({ index, fold: folds[index] });
    checkMetrics(metrics, index, results[0]);
    results.push({ ...metrics });
    options.onFold?.(index, metrics);
  }
  const summary: Record<string, MetricSummary> = {};
  for (const name of Object.keys(results[0])) {
    const values = results.map((r) => r[name]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
    summary[name] = { mean, sd: Math.sqrt(variance), values };
  }
  return { folds: results, summary };
}

function checkMetrics(metrics: Record<string, number>, index: number, first: Record<string, number> | undefined): void {
  if (typeof metrics !== 'object' || metrics === null) {
    throw new TrainerError('CONFIG_INVALID', `crossValidate: fold ${index} returned ${String(metrics)}; trainAndEvaluate must return an object of metric numbers`);
  }
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number') {
      throw new TrainerError('CONFIG_INVALID', `crossValidate: fold ${index} returned metric "${name}" = ${String(value)}; metrics must be numbers`, {
        details: { fold: index, metric: name },
      });
    }
  }
  if (first === undefined) return;
  const expected = Object.keys(first).sort();
  const actual = Object.keys(metrics).sort();
  if (expected.join('\u0000') !== actual.join('\u0000')) {
    throw new TrainerError('CONFIG_INVALID', `crossValidate: fold ${index} returned metrics [${actual.join(', ')}] but fold 0 returned [${expected.join(', ')}]; every fold must return the same metrics`, {
      details: { fold: index, expected, actual },
    });
  }
}
