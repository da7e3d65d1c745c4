/**
 * The drift baseline of a tabular model: one signal per input feature (named after
 * the feature, the raw value the model sees) plus the model's output signals
 * (prediction-signals.ts). Bins come from the training split, counts from the test
 * split. Feature names may not take an output signal's name (format's
 * `OUTPUT_SIGNAL_NAMES`).
 */
import { OUTPUT_SIGNAL_NAMES, type Baseline } from '../../format/index.ts';
import { TrainerError } from '../errors.ts';
import { predictionSignals, type PredictionInputs } from './prediction-signals.ts';
import { continuousSignal } from './signal-histogram.ts';

/** Options for {@link tabularBaseline}. */
export interface TabularBaselineOptions extends PredictionInputs {
  /** Bins per continuous signal, before equal quantiles merge. @defaultValue 10 */
  bins?: number;
}

/**
 * Builds the manifest `baseline` of a tabular model from row-major feature matrices
 * (`count × featureNames.length`, the values the model sees). Signals: each feature
 * by name, then `predicted_class`, `confidence` and `entropy` (with `trainProbs`/`testProbs`) or
 * `prediction` (with `trainPredictions`/`testPredictions`).
 *
 * @throws {RangeError} when a matrix is not a whole number of rows or a split is empty.
 * @throws TrainerError `CONFIG_INVALID` when feature names are empty, too long,
 *   repeated, or clash with an output signal name; `NON_NUMERIC` for a non-finite value.
 */
export function tabularBaseline(
  trainRows: ArrayLike<number>,
  testRows: ArrayLike<number>,
  featureNames: readonly string[],
  options: TabularBaselineOptions = {},
): Baseline {
  const { bins = 10 } = options;
  const features = featureNames.length;
  if (features === 0) throw new RangeError('tabularBaseline: featureNames is empty; pass one name per feature column');
  const reserved = new Set<string>(OUTPUT_SIGNAL_NAMES);
  const seen = new Set<string>();
  for (const name of featureNames) {
    if (seen.has(name) || reserved.has(name)) {
      throw new TrainerError('CONFIG_INVALID', `tabularBaseline: feature name "${name}" is ${seen.has(name) ? 'repeated' : 'reserved for an output signal'}; baseline signal names must be unique, so rename the column`, {
        details: { name },
      });
    }
    seen.add(name);
  }
  const trainCount = trainRows.length / features;
  const testCount = testRows.length / features;
  if (!Number.isInteger(trainCount) || !Number.isInteger(testCount) || trainCount < 1 || testCount < 1) {
    throw new RangeError(`tabularBaseline: trainRows (${trainRows.length} values) and testRows (${testRows.length}) must each hold ≥ 1 row of ${features} features`);
  }
  const column = (rows: ArrayLike<number>, count: number, f: number): Float64Array => {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = rows[i * features + f];
    return out;
  };
  const signals = featureNames.map((name, f) => continuousSignal(name, column(trainRows, trainCount, f), column(testRows, testCount, f), { bins }));
  signals.push(...predictionSignals(options, trainCount, testCount, bins));
  return { signals };
}
