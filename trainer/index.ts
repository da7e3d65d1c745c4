/**
 * edgeloop trainer: data splits, model builders, training, evaluation and the
 * compressors that turn a trained tfjs model into package artifacts. Runs in a
 * browser worker and in Node alike; Node-only helpers (the MNIST file loader,
 * writing packages to disk) live in `trainer/node.ts`.
 */

// ### Data
export { createSeededRandom, shuffleInPlace, type MutableIndexable, type RandomSource } from './data/seeded-random.ts';
export { stratifiedSplit, type StratifiedSplit, type StratifiedSplitOptions } from './data/stratified-split.ts';
export { gatherExamples, type LabelledExamples } from './data/gather-examples.ts';

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

// ### Evaluation
export { evaluateAccuracy, type EvaluateAccuracyOptions } from './eval/evaluate-accuracy.ts';

// ### Compression and export
export { tfjsArtifactFiles, type TfjsArtifactOptions, type TfjsModelJson } from './compress/tfjs-artifact.ts';
export { exportOnnx, ONNX_EXPORTABLE_LAYERS, ONNX_OPSET_RANGE, type ExportOnnxOptions } from './compress/onnx-export.ts';
export { OnnxExportError, type OnnxExportErrorCode } from './compress/onnx-export-error.ts';
