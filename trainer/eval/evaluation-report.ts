/**
 * The shape of `report.json`: everything the evaluation found about one trained
 * model, in one JSON-safe object that {@link renderReportHtml} turns into a page.
 */
import type { Task } from '../../format/index.ts';
import { TrainerError } from '../errors.ts';
import type { ClassificationReport } from './classification-report.ts';
import type { MetricSummary } from './cross-validate.ts';
import type { RegressionReport } from './regression-report.ts';
import type { SliceReport } from './slice-metrics.ts';

/** The format tag of `report.json`. */
export const REPORT_FORMAT = 'edgeloop-report/1' as const;

/** One point of the learning curves. Metrics a run did not track are left out. */
export interface HistoryEntry {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Training accuracy, 0..1 (classifiers). */
  accuracy?: number;
  /** Loss on the validation split after the epoch. */
  valLoss?: number;
  /** Accuracy on the validation split after the epoch, 0..1. */
  valAccuracy?: number;
}

/** `report.json`. */
export interface EvaluationReport {
  format: typeof REPORT_FORMAT;
  /** Model name (as in the manifest). */
  name: string;
  task: Task;
  /** ISO-8601 time the report was made. */
  createdAt: string;
  /** The training configuration, as JSON (hyper-parameters, seed, split sizes, …). */
  config: Record<string, unknown>;
  /** Learning curves, one entry per epoch, in epoch order. */
  history: HistoryEntry[];
  /** Metrics on the test split (classification tasks). */
  classification?: ClassificationReport;
  /** Metrics on the test split (regression tasks). */
  regression?: RegressionReport;
  /** Per-slice metrics with the largest gap flagged, one per sliced column. */
  slices: SliceReport[];
  /** Mean ± SD of each metric over cross-validation folds, when it was run. */
  crossValidation?: Record<string, MetricSummary>;
}

/** What {@link createEvaluationReport} needs beyond the name and task. */
export interface CreateEvaluationReportOptions {
  /** @defaultValue `{}` */
  config?: Record<string, unknown>;
  /** @defaultValue `[]` */
  history?: readonly HistoryEntry[];
  classification?: ClassificationReport;
  regression?: RegressionReport;
  /** @defaultValue `[]` */
  slices?: readonly SliceReport[];
  crossValidation?: Record<string, MetricSummary>;
  /** @defaultValue the current time */
  createdAt?: Date;
}

/**
 * Assembles a report and checks it is coherent: a classification task carries a
 * classification report, a regression task a regression report, and the history
 * runs in increasing epoch order with finite losses. The config is copied through
 * JSON, so the report holds no live references and serialises as it reads.
 *
 * @throws TrainerError `CONFIG_INVALID` naming what does not fit.
 */
export function createEvaluationReport(name: string, task: Task, options: CreateEvaluationReportOptions = {}): EvaluationReport {
  const { history = [], slices = [], createdAt = new Date() } = options;
  const isRegression = task === 'tabular-regression';
  if (isRegression ? !options.regression : !options.classification) {
    throw new TrainerError('CONFIG_INVALID', `createEvaluationReport: a ${task} report needs ${isRegression ? 'regression' : 'classification'} metrics; pass the ${isRegression ? 'regressionReport' : 'classificationReport'} of the test split`, {
      details: { task },
    });
  }
  history.forEach((entry, i) => {
    const ordered = i === 0 || entry.epoch > history[i - 1].epoch;
    if (!Number.isInteger(entry.epoch) || !ordered || !Number.isFinite(entry.loss)) {
      throw new TrainerError('CONFIG_INVALID', `createEvaluationReport: history[${i}] (epoch ${entry.epoch}, loss ${entry.loss}) must have an integer epoch above the previous one and a finite loss`, {
        details: { index: i },
      });
    }
  });
  const report: EvaluationReport = {
    format: REPORT_FORMAT,
    name,
    task,
    createdAt: createdAt.toISOString(),
    config: JSON.parse(JSON.stringify(options.config ?? {})) as Record<string, unknown>,
    history: history.map((e) => ({ ...e })),
    slices: [...slices],
  };
  if (options.classification) report.classification = options.classification;
  if (options.regression) report.regression = options.regression;
  if (options.crossValidation) report.crossValidation = options.crossValidation;
  return report;
}
