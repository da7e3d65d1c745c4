/**
 * The model-output signals of a drift baseline, shared by the image and tabular
 * baselines: the predicted class and the top-1 confidence (classifiers), or the
 * predicted value (regressors).
 */
import type { BaselineSignal } from '../../format/index.ts';
import { topOne } from './classification-inputs.ts';
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

/** Names of the output signals. */
export const PREDICTION_SIGNAL_NAMES = Object.freeze({
  predictedClass: 'predicted_class',
  confidence: 'confidence',
  prediction: 'prediction',
});

/**
 * `predicted_class` (categorical, one bin per class) and `confidence` (quantile bins)
 * when probabilities are given; `prediction` (quantile bins) when predicted values
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
    const train = topOne(trainProbs, trainCount, classes);
    const test = topOne(testProbs, testCount, classes);
    signals.push(categoricalSignal(PREDICTION_SIGNAL_NAMES.predictedClass, classes, test.predicted));
    signals.push(continuousSignal(PREDICTION_SIGNAL_NAMES.confidence, train.confidence, test.confidence, { bins }));
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
