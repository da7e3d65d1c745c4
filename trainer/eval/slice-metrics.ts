/**
 * Metrics per slice of the evaluation set (per value of a column, or per class) and
 * the gap between the best and the worst slice: the fairness check of the report.
 */
import { TrainerError } from '../errors.ts';
import { resolveClassificationInputs, topOne } from './classification-inputs.ts';
import { confusionMatrix, precisionRecallF1 } from './confusion-matrix.ts';
import { expectedCalibrationError } from './expected-calibration-error.ts';
import { logLoss } from './log-loss.ts';
import { oneVsRestRocAuc } from './roc-auc.ts';

/** Metrics {@link sliceMetrics} can compare across slices. */
export type SliceMetricName = 'accuracy' | 'macroF1' | 'macroRocAuc' | 'logLoss' | 'ece';

/** Metrics where a lower value is better. */
const LOWER_IS_BETTER: ReadonlySet<SliceMetricName> = new Set(['logLoss', 'ece']);

/** Options for {@link sliceMetrics}. */
export interface SliceMetricsOptions {
  /** The metric compared across slices. @defaultValue 'accuracy' */
  metric?: SliceMetricName;
  /** Number of classes (columns of `probabilities`). @defaultValue `probabilities.length / yTrue.length` */
  classes?: number;
  /**
   * Slices with fewer examples are listed but left out of `worst` / `best` / `gap`:
   * a metric on three examples is noise, not a finding.
   * @defaultValue 1
   */
  minCount?: number;
  /** What the slices are, for the report (e.g. `"region"` or `"class"`). @defaultValue 'slice' */
  column?: string;
}

/** The metric on one slice. */
export interface Slice {
  /** The slice value, as a string (so numbers and strings share one JSON shape). */
  value: string;
  count: number;
  /** The chosen metric; `null` when it is undefined on this slice (e.g. AUC of one class). */
  metric: number | null;
}

/** Per-slice metrics and the spread between the best and the worst slice. */
export interface SliceReport {
  column: string;
  metric: SliceMetricName;
  /** True for log-loss and ECE. */
  lowerIsBetter: boolean;
  /** Slices in order of first appearance. */
  slices: Slice[];
  /** The slice with the worst metric among those with `count ≥ minCount`; `null` when none has a metric. */
  worst: Slice | null;
  best: Slice | null;
  /** `|best − worst|`; 0 with a single comparable slice, `null` with none. */
  gap: number | null;
}

/**
 * Computes `metric` on each group of examples sharing a value of `sliceValues` (a
 * column, or `yTrue` itself for per-class metrics: per-class accuracy is then
 * per-class recall) and flags the worst and best slice and their gap.
 *
 * @throws {RangeError} when the arrays do not fit together.
 * @throws TrainerError `CONFIG_INVALID` for an unknown metric or a bad `minCount`.
 */
export function sliceMetrics(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  sliceValues: ArrayLike<number | string>,
  options: SliceMetricsOptions = {},
): SliceReport {
  const { metric = 'accuracy', minCount = 1, column = 'slice' } = options;
  if (!Object.hasOwn(METRICS, metric)) {
    throw new TrainerError('CONFIG_INVALID', `sliceMetrics: unknown metric "${metric}"; use one of ${Object.keys(METRICS).join(', ')}`, { details: { metric } });
  }
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new TrainerError('CONFIG_INVALID', `sliceMetrics: minCount must be an integer ≥ 1, got ${minCount}`, { details: { minCount } });
  }
  const { count, classes } = resolveClassificationInputs(yTrue, probabilities, options.classes, 'sliceMetrics');
  if (sliceValues.length !== count) throw new RangeError(`sliceMetrics: sliceValues holds ${sliceValues.length} values; expected one per example (${count})`);

  const groups = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const key = String(sliceValues[i]);
    const members = groups.get(key) ?? [];
    if (members.length === 0) groups.set(key, members);
    members.push(i);
  }
  const slices: Slice[] = [];
  for (const [value, members] of groups) {
    const labels = members.map((i) => yTrue[i]);
    const probs = new Float64Array(members.length * classes);
    members.forEach((i, row) => {
      for (let c = 0; c < classes; c++) probs[row * classes + c] = probabilities[i * classes + c];
    });
    slices.push({ value, count: members.length, metric: METRICS[metric](labels, probs, classes) });
  }

  const lowerIsBetter = LOWER_IS_BETTER.has(metric);
  let worst: Slice | null = null;
  let best: Slice | null = null;
  for (const slice of slices) {
    if (slice.metric === null || slice.count < minCount) continue;
    const better = (a: number, b: number): boolean => (lowerIsBetter ? a < b : a > b);
    if (best === null || better(slice.metric, best.metric!)) best = slice;
    if (worst === null || better(worst.metric!, slice.metric)) worst = slice;
  }
  const gap = worst === null || best === null ? null : Math.abs(best.metric! - worst.metric!);
  return { column, metric, lowerIsBetter, slices, worst, best, gap };
}

type SliceMetric = (labels: number[], probabilities: Float64Array, classes: number) => number | null;

const METRICS: Record<SliceMetricName, SliceMetric> = {
  accuracy: (labels, probabilities, classes) => {
    const { predicted } = topOne(probabilities, labels.length, classes);
    return labels.filter((label, i) => label === predicted[i]).length / labels.length;
  },
  macroF1: (labels, probabilities, classes) => {
    const { predicted } = topOne(probabilities, labels.length, classes);
    return precisionRecallF1(confusionMatrix(labels, predicted, classes)).macro.f1;
  },
  macroRocAuc: (labels, probabilities, classes) => oneVsRestRocAuc(labels, probabilities, { classes }).macro,
  logLoss: (labels, probabilities, classes) => logLoss(labels, probabilities, { classes }),
  ece: (labels, probabilities, classes) => expectedCalibrationError(labels, probabilities, { classes }).ece,
};
