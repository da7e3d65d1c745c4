/**
 * The model-output signals of a drift baseline, shared by the image and tabular
 * baselines: the predicted class, the top-1 confidence and the entropy (classifiers),
 * or the predicted value (regressors). The formulas are format's (`topOneOf`,
 * `entropyOf`), the ones the runtime counts field predictions with.
 */
import { DRIFT_SIGNAL_NAMES, entropyOf, topOneOf, type BaselineSignal } from '../../format/index.ts';
import { categoricalSignal, continuousSignal } from './signal-histogram.ts';

/** Model outputs on the training and the test split, for the output signals. */
export interface PredictionInputs {
  /** Training split's softmax probabilities, `trainCount × classes` row-major. */
  trainProbs?: ArrayLike<number>;
  /** Test split's softmax probabilities, `testCount × classes` row-major. */
  testProbs?: ArrayLike<number>;
  /** Regression: the training split's predicted values. */
  trainPredictions?: ArrayLike<number>;
  /** Regression: the test split's predicted values. */
  testPredictions?: ArrayLike<number>;
}

/** Names of the output signals (format's `DRIFT_SIGNAL_NAMES`). */
export const PREDICTION_SIGNAL_NAMES = Object.freeze({
  predictedClass: DRIFT_SIGNAL_NAMES.predictedClass,
  confidence: DRIFT_SIGNAL_NAMES.confidence,
  entropy: DRIFT_SIGNAL_NAMES.entropy,
  prediction: DRIFT_SIGNAL_NAMES.prediction,
});

/**
 * Row `index` of a row-major matrix of `width` columns, as a view when `values` is a
 * typed array (no copy) and a copy otherwise.
 */
export function exampleRow(values: ArrayLike<number>, index: number, width: number): ArrayLike<number> {
  const start = index * width;
  if (ArrayBuffer.isView(values)) return (values as unknown as Float64Array).subarray(start, start + width);
  return Array.prototype.slice.call(values, start, start + width) as number[];
}

/** Each row's predicted class, top-1 confidence and entropy, by format's formulas. */
function outputValues(probs: ArrayLike<number>, count: number, classes: number): { predicted: Int32Array; confidence: Float64Array; entropy: Float64Array } {
  const predicted = new Int32Array(count);
  const confidence = new Float64Array(count);
  const entropy = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const row = exampleRow(probs, i, classes);
    const top = topOneOf(row);
    predicted[i] = top.predicted;
    confidence[i] = top.confidence;
    entropy[i] = entropyOf(row);
  }
  return { predicted, confidence, entropy };
}

/**
 * `predicted_class` (categorical, one bin per class), `confidence` and `entropy`
 * (quantile bins) when probabilities are given; `prediction` (quantile bins) when predicted values
 * are given; none otherwise.
 *
 * @throws {RangeError} when only one split's outputs are given, or the probability
 *   rows do not match the example counts.
 */
export function predictionSignals(inputs: PredictionInputs, trainCount: number, testCount: number, bins: number): BaselineSignal[] {
  const signals: BaselineSignal[] = [];
  const { trainProbs, testProbs, trainPredictions, testPredictions } = inputs;
  if ((trainProbs === undefined) !== (testProbs === undefined)) {
    throw new RangeError('drift baseline: pass both trainProbs and testProbs, or neither: bins come from the training split and counts from the test split');
  }
  if ((trainPredictions === undefined) !== (testPredictions === undefined)) {
    throw new RangeError('drift baseline: pass both trainPredictions and testPredictions, or neither');
  }
  if (trainProbs !== undefined && testProbs !== undefined) {
    const classes = trainProbs.length / trainCount;
    if (!Number.isInteger(classes) || classes < 1 || testProbs.length !== testCount * classes) {
      throw new RangeError(
        `drift baseline: trainProbs (${trainProbs.length} values) and testProbs (${testProbs.length}) must be ${trainCount} and ${testCount} rows of the same class count`,
      );
    }
    const train = outputValues(trainProbs, trainCount, classes);
    const test = outputValues(testProbs, testCount, classes);
    signals.push(categoricalSignal(PREDICTION_SIGNAL_NAMES.predictedClass, classes, test.predicted));
    signals.push(continuousSignal(PREDICTION_SIGNAL_NAMES.confidence, train.confidence, test.confidence, { bins }));
    signals.push(continuousSignal(PREDICTION_SIGNAL_NAMES.entropy, train.entropy, test.entropy, { bins }));
  }
  if (trainPredictions !== undefined && testPredictions !== undefined) {
    if (trainPredictions.length !== trainCount || testPredictions.length !== testCount) {
      throw new RangeError(
        `drift baseline: trainPredictions (${trainPredictions.length}) and testPredictions (${testPredictions.length}) must hold one value per example (${trainCount} and ${testCount})`,
      );
    }
    signals.push(continuousSignal(PREDICTION_SIGNAL_NAMES.prediction, trainPredictions, testPredictions, { bins }));
  }
  return signals;
}
