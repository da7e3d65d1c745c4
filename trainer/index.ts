/**
 * edgeloop trainer: datasets and splits, model builders, training (checkpoints,
 * distillation, search), evaluation and drift baselines, and the fp32 package writer.
 * Runs in a browser worker and in Node alike; Node-only helpers (the MNIST file loader,
 * writing packages to disk) live in `trainer/node.ts`, the browser's worker client in
 * `trainer/browser.ts`. Compressing a package is the compressor's (`compress/`).
 */

// ### Errors
export { TrainerError, isTrainerError, type TrainerErrorCode, type TrainerErrorOptions } from './errors.ts';

// ### Data
export { createSeededRandom, shuffleInPlace, type RandomSource } from './data/seeded-random.ts';
export { stratifiedSplit, type StratifiedSplit, type StratifiedSplitOptions } from './data/stratified-split.ts';
export { gatherExamples, type LabelledExamples } from './data/gather-examples.ts';
export { parseCsvDataset, type ParseCsvDatasetOptions, type TabularDataset, type ClassificationDataset, type RegressionDataset, type FeatureEncoding } from './data/parse-csv-dataset.ts';
export { readCsvTable, type CsvTable, type ReadCsvTableOptions } from './data/read-csv-table.ts';
export { cleanTable, type CsvCleaningOptions, type CleanedTable, type CleanedColumn, type TabularTask } from './data/clean-table.ts';
export { formatCleaningReport, type CleaningReport, type CleaningAction } from './data/cleaning-report.ts';
export { fitNormalization, applyNormalization, parseNormalization, type Normalization, type NormalizationMethod, type FitNormalizationOptions } from './data/fit-normalization.ts';
export { augmentImages, type AugmentImagesOptions, type ImageBatchShape } from './data/augment-images.ts';
export { groupImageFilesByLabel, IMAGE_EXTENSIONS, type ImageFileGroups, type LabelledImageFile, type SkippedImageFile, type GroupImageFilesOptions } from './data/group-image-files.ts';
export { assembleImageDataset, type ImageDataset, type ImageDatasetOptions, type DecodedImage, type DecodeImage } from './data/assemble-image-dataset.ts';
export { splitByClass, type SplitByClassOptions } from './data/split-by-class.ts';
export type { SplitName } from './data/stratified-split.ts';
export { createClassLabels, type ClassLabels } from './data/class-labels.ts';

// ### Models
export {
  buildCnn,
  buildMlp,
  buildMobileNetV2,
  type CnnOptions,
  type MlpOptions,
  type MobileNetV2Options,
} from './train/model-builders.ts';

// ### Training
export {
  softmaxCrossEntropyFromLogits,
  trainBriefly,
  type EpochResult,
  type TrainBrieflyOptions,
  type TrainBrieflyResult,
} from './train/train-briefly.ts';
export { registerFastCpuKernels, unregisterFastCpuKernels } from './train/register-fast-cpu-kernels.ts';
export { registerWasmTrainingKernels } from './train/register-wasm-training-kernels.ts';
export { MODEL_KINDS, buildModel, validateModelConfig, type ModelConfig, type ModelKind } from './train/model-config.ts';
export { LR_SCHEDULE_KINDS, learningRateAt, validateLrSchedule, type LrSchedule } from './train/lr-schedule.ts';
export { train } from './train/training-loop.ts';
export {
  OPTIMIZERS,
  resolveTrainOptions,
  type BatchProgress,
  type EarlyStoppingOptions,
  type EpochSummary,
  type LabelledSet,
  type ResolvedTrainOptions,
  type TrainOptions,
  type TrainResult,
  type TrainingData,
} from './train/train-options.ts';
export { CHECKPOINT_FORMAT, createMemoryCheckpointStore, validateCheckpoint, type CheckpointStore, type NamedArray, type TrainingCheckpoint } from './train/checkpoint.ts';
export { distill, distillationLoss, type DistillOptions, type DistillationLossOptions } from './train/distillation.ts';
export {
  formatResultsTable,
  searchHyperparameters,
  type HyperparameterDomain,
  type SearchOptions,
  type SearchResult,
  type SearchSpace,
  type TrialOutcome,
  type TrialParams,
  type TrialResult,
} from './train/hyperparameter-search.ts';

// ### Evaluation
export { evaluateAccuracy, type EvaluateAccuracyOptions } from './eval/evaluate-accuracy.ts';
export { classificationReport, classificationMetrics, type ClassificationReport, type ClassificationReportOptions, type ClassReportEntry } from './eval/classification-report.ts';
export { confusionMatrix, precisionRecallF1, type ClassMetrics, type AveragedMetrics, type PrecisionRecallF1 } from './eval/confusion-matrix.ts';
export { rocAuc, oneVsRestRocAuc, type OneVsRestRocAuc, type OneVsRestRocAucOptions } from './eval/roc-auc.ts';
export { logLoss, type LogLossOptions } from './eval/log-loss.ts';
export { expectedCalibrationError, type CalibrationBin, type CalibrationResult, type ExpectedCalibrationErrorOptions } from './eval/expected-calibration-error.ts';
export { rmse, mae, rSquared, regressionReport, type RegressionReport } from './eval/regression-report.ts';
export { kFold, type Fold, type KFoldOptions } from './eval/k-fold.ts';
export { crossValidate, type CrossValidationResult, type CrossValidateOptions, type FoldContext, type MetricSummary, type TrainAndEvaluate } from './eval/cross-validate.ts';
export { sliceMetrics, type Slice, type SliceMetricName, type SliceMetricsOptions, type SliceReport } from './eval/slice-metrics.ts';
export { imageBaseline, type ImageBaselineOptions } from './eval/image-baseline.ts';
export { tabularBaseline, type TabularBaselineOptions } from './eval/tabular-baseline.ts';
export { PREDICTION_SIGNAL_NAMES, type PredictionInputs } from './eval/prediction-signals.ts';
export { createEvaluationReport, REPORT_FORMAT, type EvaluationReport, type HistoryEntry, type CreateEvaluationReportOptions } from './eval/evaluation-report.ts';
export { renderReportHtml } from './eval/render-report-html.ts';
export { predictProbabilities, type PredictProbabilitiesOptions } from './eval/predict-probabilities.ts';

// ### Packages
export { buildTrainedPackage, type TrainedPackage, type TrainedPackageInput } from './package/build-trained-package.ts';
export { tfjsArtifactFiles, type TfjsArtifactOptions, type TfjsModelJson } from './package/tfjs-artifact.ts';
