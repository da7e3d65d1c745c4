/**
 * Every classification metric of a labelled set in one call: the entry point the
 * trainer uses to fill `report.json` and the manifest's `metrics`.
 */
import { TrainerError } from '../errors.ts';
import { resolveClassificationInputs, topOne } from './classification-inputs.ts';
import { confusionMatrix, precisionRecallF1, type AveragedMetrics } from './confusion-matrix.ts';
import { expectedCalibrationError, type CalibrationBin } from './expected-calibration-error.ts';
import { logLoss } from './log-loss.ts';
import { oneVsRestRocAuc } from './roc-auc.ts';

/** Options for {@link classificationReport}. */
export interface ClassificationReportOptions {
  /** Number of classes (columns of `probabilities`). @defaultValue `probabilities.length / yTrue.length` */
  classes?: number;
  /** Class names in class-index order. @defaultValue `["0", "1", …]` */
  labels?: readonly string[];
  /** Clipping of probabilities for the log-loss. @defaultValue 1e-15 */
  logLossEps?: number;
  /** Equal-width bins of the expected calibration error. @defaultValue 15 */
  calibrationBins?: number;
}

/** Metrics of one class. */
export interface ClassReportEntry {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Examples of this class in `yTrue`. */
  support: number;
  /** One-vs-rest ROC-AUC; `null` when the class is absent from `yTrue`. */
  rocAuc: number | null;
}

/**
 * All classification metrics of one labelled set. Only JSON-safe values: metrics that
 * are undefined are `null`, never `NaN`, so the object survives `JSON.stringify`.
 */
export interface ClassificationReport {
  count: number;
  labels: string[];
  /** Share of examples whose arg-max class is the true class. */
  accuracy: number;
  perClass: ClassReportEntry[];
  /** Mean over classes present in `yTrue` or the predictions. */
  macro: AveragedMetrics & { rocAuc: number | null };
  /** Mean weighted by support. */
  weighted: AveragedMetrics;
  /** `confusionMatrix[true][predicted]` counts. */
  confusionMatrix: number[][];
  /** Mean negative log-likelihood of the true class (natural log). */
  logLoss: number;
  /** Expected calibration error of the top-1 confidence. */
  ece: number;
  calibrationBins: CalibrationBin[];
}

/**
 * Computes accuracy, per-class precision / recall / F1 / support / ROC-AUC, their macro
 * and weighted means, the confusion matrix, log-loss and expected calibration error
 * from labels and row-major `count × classes` probabilities (softmax output).
 *
 * @throws {RangeError} when the arrays do not fit together or a label is out of range.
 * @throws TrainerError `CONFIG_INVALID` when `labels` has the wrong length.
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  options: ClassificationReportOptions = {},
): ClassificationReport {
  const { count, classes } = resolveClassificationInputs(yTrue, probabilities, options.classes, 'classificationReport');
  const labels = options.labels ? [...options.labels] : Array.from({ length: classes }, (_, c) => String(c));
  if (labels.length !== classes) {
    throw new TrainerError('CONFIG_INVALID', `classificationReport: ${labels.length} labels given for ${classes} classes; pass one name per class, in class-index order`, {
      details: { expected: classes, actual: labels.length },
    });
  }
  const { predicted } = topOne(probabilities, count, classes);
  const matrix = confusionMatrix(yTrue, predicted, classes);
  const prf = precisionRecallF1(matrix);
  const auc = oneVsRestRocAuc(yTrue, probabilities, { classes });
  const calibration = expectedCalibrationError(yTrue, probabilities, { classes, bins: options.calibrationBins });
  let correct = 0;
  for (let c = 0; c < classes; c++) correct += matrix[c][c];
  return {
    count,
    labels,
    accuracy: correct / count,
    perClass: prf.perClass.map((m, c) => ({ label: labels[c], ...m, rocAuc: auc.perClass[c] })),
    macro: { ...prf.macro, rocAuc: auc.macro },
    weighted: prf.weighted,
    confusionMatrix: matrix,
    logLoss: logLoss(yTrue, probabilities, { classes, eps: options.logLossEps }),
    ece: calibration.ece,
    calibrationBins: calibration.bins,
  };
}

/**
 * The headline numbers of a report as a flat `name → finite number` record, ready for
 * the manifest's `metrics` (which accepts only finite numbers): `accuracy`,
 * `macro_f1`, `weighted_f1`, `macro_precision`, `macro_recall`, `log_loss`, `ece`
 * and `macro_roc_auc` when it is defined.
 */
export function classificationMetrics(report: ClassificationReport): Record<string, number> {
  const metrics: Record<string, number> = {
    accuracy: report.accuracy,
    macro_precision: report.macro.precision,
    macro_recall: report.macro.recall,
    macro_f1: report.macro.f1,
    weighted_f1: report.weighted.f1,
    log_loss: report.logLoss,
    ece: report.ece,
  };
  if (report.macro.rocAuc !== null) metrics.macro_roc_auc = report.macro.rocAuc;
  return metrics;
}
