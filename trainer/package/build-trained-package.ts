/**
 * Turns a trained image or tabular classifier into an `edgeloop/1` package: evaluates it on the
 * test split (metrics), computes the drift baseline (bin edges from the training
 * split, counts from the test split), records the lineage (model and training config,
 * dataset hash) and writes the fp32 tfjs artifact; plus the evaluation report as
 * `report.json` and a readable `report.html`. Runs in the browser worker and in Node.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { createPackage, type BuiltPackage, type ManifestInput, type SigningKeyPair } from '../../format/index.ts';
import { tfjsArtifactFiles } from './tfjs-artifact.ts';
import { classificationMetrics, classificationReport } from '../eval/classification-report.ts';
import { createEvaluationReport, type EvaluationReport, type HistoryEntry } from '../eval/evaluation-report.ts';
import { imageBaseline } from '../eval/image-baseline.ts';
import { tabularBaseline } from '../eval/tabular-baseline.ts';
import { predictProbabilities } from '../eval/predict-probabilities.ts';
import { renderReportHtml } from '../eval/render-report-html.ts';
import { sliceMetrics } from '../eval/slice-metrics.ts';

/** What {@link buildTrainedPackage} needs. */
export interface TrainedPackageInput {
  name: string;
  /** @defaultValue '1.0.0' */
  version?: string;
  model: LayersModel;
  /** Class names in class-index order. */
  labels: readonly string[];
  /**
   * The manifest's input (shape with -1 batch, dtype, layout, preprocessing): `[-1, height,
   * width, channels]` makes an image classifier, `[-1, features]` a tabular one.
   */
  input: ManifestInput;
  /** Tabular models: one name per feature (the drift baseline's signal names). @defaultValue `feature_0`, `feature_1`, … */
  featureNames?: readonly string[];
  /** Training images (model input values), for the baseline's bin edges; a sample is enough. */
  train: { x: Float32Array };
  /** The held-out test split: metrics and the baseline's reference counts. */
  test: { x: Float32Array; y: Uint8Array };
  /** Per-epoch history of the run. */
  history: readonly HistoryEntry[];
  /** Saved into `lineage.trainerConfig` and the report (model config, training options). */
  config: Record<string, unknown>;
  lineage?: { parent?: string; teacher?: string; datasetSha256?: string };
  /** Signs the manifest; an unsigned package needs `allowUnsigned` (or no `trustedKeys`) to load. */
  signingKey?: SigningKeyPair;
  /** @defaultValue now */
  createdAt?: Date;
}

/** The package plus its evaluation report. */
export interface TrainedPackage extends BuiltPackage {
  report: EvaluationReport;
  reportJson: Uint8Array;
  reportHtml: Uint8Array;
}

/** Cap on training images fed to the baseline (quantiles need no more). */
const BASELINE_TRAIN_SAMPLE = 5000;

export async function buildTrainedPackage(input: TrainedPackageInput): Promise<TrainedPackage> {
  const { model, labels, test } = input;
  const shape = input.input.shape;
  const tabular = shape.length === 2;
  const [, height, width, channels = 1] = shape;
  if (tabular ? !(shape[1]! > 0) : shape.length !== 4 || !height || !width) {
    throw new RangeError(`buildTrainedPackage: a classifier needs an input shape [-1, height, width, channels] (images) or [-1, features] (tables), got [${shape.join(', ')}]`);
  }
  const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
  const trainSample = input.train.x.subarray(0, Math.min(input.train.x.length, BASELINE_TRAIN_SAMPLE * rowSize));
  const testProbs = predictProbabilities(model, test.x);
  const trainProbs = predictProbabilities(model, trainSample);
  const classification = classificationReport(test.y, testProbs, { classes: labels.length, labels });
  // Accuracy per true class: the slice check of the report (the largest gap is flagged).
  const perClass = sliceMetrics(test.y, testProbs, Array.from(test.y, (y) => labels[y]!), { metric: 'accuracy', classes: labels.length, column: 'class' });
  const task = tabular ? 'tabular-classification' : 'image-classification';
  const baseline = tabular
    ? tabularBaseline(trainSample, test.x, input.featureNames ?? Array.from({ length: rowSize }, (_, i) => `feature_${i}`), { trainProbs, testProbs })
    : imageBaseline(trainSample, test.x, { height, width, channels, trainProbs, testProbs });
  const createdAt = input.createdAt ?? new Date();
  const tfjsFiles = await tfjsArtifactFiles(model, { dir: 'tfjs' });
  const built = await createPackage({
    manifest: {
      name: input.name,
      version: input.version ?? '1.0.0',
      createdAt: createdAt.toISOString(),
      task,
      input: input.input,
      output: { name: 'logits', shape: [-1, labels.length], labels: [...labels], activation: 'softmax' },
      metrics: { ...classificationMetrics(classification), test_examples: test.y.length },
      baseline,
      lineage: { ...input.lineage, trainerConfig: JSON.parse(JSON.stringify(input.config)) as Record<string, unknown> },
    },
    artifacts: [{ id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: tfjsFiles }],
    signingKey: input.signingKey,
  });
  const report = createEvaluationReport(input.name, task, {
    config: input.config,
    history: input.history,
    classification,
    slices: [perClass],
    createdAt,
  });
  const encoder = new TextEncoder();
  return {
    ...built,
    report,
    reportJson: encoder.encode(`${JSON.stringify(report, null, 2)}\n`),
    reportHtml: encoder.encode(renderReportHtml(report)),
  };
}
