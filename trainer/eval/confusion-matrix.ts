/**
 * The confusion matrix and the per-class precision / recall / F1 read off it.
 */
import { checkLabels } from './classification-inputs.ts';

/**
 * Counts of (true class, predicted class) pairs: `matrix[t][p]` is the number of
 * examples of class `t` predicted as `p`. Rows sum to each class's support.
 *
 * @throws {RangeError} when the arrays differ in length or a label is outside
 *   `0..classes-1`.
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: number): number[][] {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`confusionMatrix: classes must be an integer ≥ 1, got ${classes}`);
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`confusionMatrix: yTrue has ${yTrue.length} labels but yPred has ${yPred.length}; pass one prediction per example`);
  }
  checkLabels(yTrue, classes, 'confusionMatrix', 'yTrue');
  checkLabels(yPred, classes, 'confusionMatrix', 'yPred');
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < yTrue.length; i++) matrix[yTrue[i]][yPred[i]]++;
  return matrix;
}

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  /** Of the examples predicted as this class, the share that are it; 0 when none were predicted. */
  precision: number;
  /** Of the examples of this class, the share predicted as it; 0 when the class has no examples. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Number of examples whose true class is this one. */
  support: number;
}

/** Averages of precision, recall and F1 over classes. */
export interface AveragedMetrics {
  precision: number;
  recall: number;
  f1: number;
}

/** Per-class metrics plus their macro and support-weighted averages. */
export interface PrecisionRecallF1 {
  perClass: ClassMetrics[];
  /**
   * Unweighted mean over the classes that occur in `yTrue` or in the predictions
   * (as scikit-learn does when it is not given a label list); a class that never
   * occurs would only add a meaningless 0.
   */
  macro: AveragedMetrics;
  /** Mean weighted by support, so classes absent from `yTrue` weigh nothing. */
  weighted: AveragedMetrics;
}

/**
 * Reads per-class precision, recall and F1 off a confusion matrix (rows = true class,
 * columns = predicted class). A 0/0 ratio counts as 0, as scikit-learn's
 * `zero_division=0` does.
 *
 * @throws {RangeError} when the matrix is empty or not square.
 */
export function precisionRecallF1(matrix: readonly (readonly number[])[]): PrecisionRecallF1 {
  const k = matrix.length;
  if (k === 0 || matrix.some((row) => row.length !== k)) {
    throw new RangeError(`precisionRecallF1: the confusion matrix must be square and non-empty (got ${k} rows of lengths ${matrix.map((r) => r.length).join(', ')})`);
  }
  const perClass: ClassMetrics[] = [];
  const present: boolean[] = [];
  let total = 0;
  for (let c = 0; c < k; c++) {
    const tp = matrix[c][c];
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += matrix[c][j];
      predicted += matrix[j][c];
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass.push({ precision, recall, f1, support });
    present.push(support > 0 || predicted > 0);
    total += support;
  }
  const macro: AveragedMetrics = { precision: 0, recall: 0, f1: 0 };
  const weighted: AveragedMetrics = { precision: 0, recall: 0, f1: 0 };
  const presentCount = present.filter(Boolean).length;
  for (let c = 0; c < k; c++) {
    for (const key of ['precision', 'recall', 'f1'] as const) {
      if (present[c]) macro[key] += perClass[c][key] / presentCount;
      if (total > 0) weighted[key] += (perClass[c][key] * perClass[c].support) / total;
    }
  }
  return { perClass, macro, weighted };
}
