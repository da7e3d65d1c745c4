/**
 * edgeloop trainer: data splits, model builders, training, evaluation and the
 * compressors that turn a trained tfjs model into package artifacts. Runs in a
 * browser worker and in Node alike; Node-only helpers (the MNIST file loader,
 * writing packages to disk) live in `trainer/node.ts`.
 */

// ### Errors
export { TrainerError, isTrainerError, type TrainerErrorCode, type TrainerErrorOptions } from './errors.ts';

// ### Data
export { createSeededRandom, shuffleInPlace, type MutableIndexable, type RandomSource } from './data/seeded-random.ts';
export { stratifiedSplit, type StratifiedSplit, type StratifiedSplitOptions } from './data/stratified-split.ts';
export { gatherExamples, type LabelledExamples } from './data/gather-examples.ts';
export { parseCsvDataset, type ParseCsvDatasetOptions, type TabularDataset, type ClassificationDataset, type RegressionDataset, type FeatureEncoding } from './data/parse-csv-dataset.ts';
export { readCsvTable, type CsvTable, type ReadCsvTableOptions } from './data/read-csv-table.ts';
export { cleanTable, type CsvCleaningOptions, type CleanedTable, type CleanedColumn, type TabularTask } from './data/clean-table.ts';
export { formatCleaningReport, type CleaningReport, type CleaningAction } from './data/cleaning-report.ts';
export { inferColumnType, parseDecimal, createMissingTest, DEFAULT_MISSING_MARKERS, naturalCompare, type ColumnType } from './data/column-types.ts';
export { fitNormalization, applyNormalization, parseNormalization, type Normalization, type NormalizationMethod, type FitNormalizationOptions } from './data/fit-normalization.ts';
export { augmentImages, type AugmentImagesOptions, type ImageBatchShape } from './data/augment-images.ts';
export { groupImageFilesByLabel, IMAGE_EXTENSIONS, type ImageFileGroups, type LabelledImageFile, type SkippedImageFile, type GroupImageFilesOptions } from './data/group-image-files.ts';
export { assembleImageDataset, type ImageDataset, type ImageDatasetOptions, type DecodedImage, type DecodeImage } from './data/assemble-image-dataset.ts';
export { splitByClass, type SplitByClassOptions } from './data/split-by-class.ts';
export { resolveSplitFractions, type SplitName } from './data/stratified-split.ts';
export { createClassLabels, type ClassLabels } from './data/class-labels.ts';

// ### Models
export {
  buildCnn,
  buildMlp,
  buildMobileNetV2,
  makeDivisible,
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
export { decodeCheckpoint, encodeCheckpoint } from './train/checkpoint-codec.ts';
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
export { createTerminalProgress, formatBatchLine, formatEpochLine, type ProgressStream, type TerminalProgress } from './train/terminal-progress.ts';

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
export { quantileEdges, histogramCounts, binIndex, continuousSignal, categoricalSignal, type QuantileEdgesOptions } from './eval/signal-histogram.ts';
export { imageBaseline, type ImageBaselineOptions } from './eval/image-baseline.ts';
export { tabularBaseline, type TabularBaselineOptions } from './eval/tabular-baseline.ts';
export { PREDICTION_SIGNAL_NAMES, type PredictionInputs } from './eval/prediction-signals.ts';
export { createEvaluationReport, REPORT_FORMAT, type EvaluationReport, type HistoryEntry, type CreateEvaluationReportOptions } from './eval/evaluation-report.ts';
export { renderReportHtml } from './eval/render-report-html.ts';
export { svgLineChart, type ChartSeries, type SvgLineChartOptions } from './eval/svg-line-chart.ts';
export { predictProbabilities, type PredictProbabilitiesOptions } from './eval/predict-probabilities.ts';

// ### Packages
export { buildTrainedPackage, type TrainedPackage, type TrainedPackageInput } from './package/build-trained-package.ts';

// ### Compression and export
export { quantizeTensor, dequantizeTensor, QUANT_SCHEMES, type QuantizeTensorOptions } from '../compress/quantize/quantize-tensor.ts';
export type { QuantScheme, QuantizedTensor } from '../compress/quantize/quantized-tensor.ts';
export { defaultQuantAxis, defaultBlockAxis, QUANT_LAYER_CLASSES, type QuantLayerClass } from '../compress/quantize/default-quant-axis.ts';
export { quantizedTfjsArtifactFiles, recipePrecision, type QuantRecipe, type QuantizedTfjsArtifactOptions } from '../compress/quantize/quantized-tfjs-artifact.ts';
export { magnitudePrune, applyPruningMasks, maskTensorsOf, type MagnitudePruneOptions, type PruningMask } from '../compress/prune/magnitude-prune.ts';
export { fineTunePruned } from '../compress/prune/fine-tune-pruned.ts';
export { structuredChannelPrune, shrinkableLayers, type StructuredChannelPruneOptions, type StructuredChannelPruneResult, type ChannelPruneEntry } from '../compress/prune/structured-channel-prune.ts';
export { sparsityReport, type SparsityReport, type KernelSparsity } from '../compress/prune/sparsity-report.ts';
export { PRUNABLE_LAYER_CLASSES } from '../compress/prune/prunable-kernels.ts';
export { compareOutputs, type CompareOutputsOptions, type OutputComparison } from '../compress/compare-outputs.ts';
export { compressPackage, type CompressPackageInput, type CompressReportEntry, type CompressedPackage, type RunArtifact } from '../compress/compress-package.ts';
export { tfjsArtifactFiles, type TfjsArtifactOptions, type TfjsModelJson } from '../compress/tfjs-artifact.ts';
export { exportOnnx, exportOnnxWithReport, ONNX_EXPORTABLE_LAYERS, ONNX_OPSET_RANGE, type ExportOnnxOptions, type OnnxExportResult } from '../compress/onnx-export.ts';
export { recipeQuantizer, type OnnxQuantizationOptions, type OnnxWeightQuantizer, type OnnxWeightRequest } from '../compress/onnx-weight-quantizer.ts';
export { OnnxExportError, type OnnxExportErrorCode } from '../compress/onnx-export-error.ts';
