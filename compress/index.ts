/**
 * edgeloop compressor: turns a trained package's fp32 tfjs model into smaller
 * artifacts for edge targets — weight quantization (fp16, int8, int4), magnitude and
 * channel pruning with a short fine-tune through the trainer, ONNX export — evaluates
 * each against the fp32 model, and re-builds the package. Runs in Node and in a browser
 * worker; `compress/browser.ts` starts that worker (`createCompressor()`).
 */

// ### Quantizers
// (the weight codec itself is the format's: edgeloop/format; re-exported for compressor users)
export { quantizeTensor, dequantizeTensor, QUANT_SCHEMES, type QuantizeTensorOptions, type QuantScheme, type QuantizedTensor } from '../format/index.ts';
export { defaultQuantAxis, defaultBlockAxis, QUANT_LAYER_CLASSES, type QuantLayerClass } from './quantize/default-quant-axis.ts';
export {
  quantizedTfjsArtifactFiles,
  quantizeTfjsKernel,
  recipePrecision,
  type QuantRecipe,
  type QuantizedTfjsArtifactOptions,
  type QuantizeTfjsKernelOptions,
  type TfjsKernelQuantization,
} from './quantize/quantized-tfjs-artifact.ts';

// ### Pruning
export { magnitudePrune, applyPruningMasks, maskTensorsOf, type MagnitudePruneOptions, type PruningMask } from './prune/magnitude-prune.ts';
export { fineTunePruned } from './prune/fine-tune-pruned.ts';
export { structuredChannelPrune, shrinkableLayers, type StructuredChannelPruneOptions, type StructuredChannelPruneResult, type ChannelPruneEntry } from './prune/structured-channel-prune.ts';
export { sparsityReport, type SparsityReport, type KernelSparsity } from './prune/sparsity-report.ts';
export { PRUNABLE_LAYER_CLASSES } from './prune/prunable-kernels.ts';

// ### ONNX export
export { exportOnnx, exportOnnxWithReport, ONNX_EXPORTABLE_LAYERS, ONNX_OPSET_RANGE, type ExportOnnxOptions, type OnnxExportResult } from './onnx-export.ts';
export { recipeQuantizer, type OnnxQuantizationOptions, type OnnxWeightQuantizer, type OnnxWeightRequest } from './onnx-weight-quantizer.ts';

// ### Recipes (edge targets → artifacts)
export { targetArtifactFields, type TargetArtifactFields } from './target-artifact-fields.ts';

// ### Evaluation
export { compareOutputs, type CompareOutputsOptions, type OutputComparison } from './compare-outputs.ts';
export {
  checkEvaluationSet,
  describeShape,
  imageInputSize,
  imagesToModelInput,
  matchClassNames,
  rowsToModelInput,
  type EvaluationSet,
} from './evaluation-data.ts';
export { cloneModel, createArtifactRunner, loadTfjsArtifact, predictRows, type ArtifactInMemory, type ArtifactRunnerOptions, type RunArtifact } from './artifact-io.ts';

// ### The compress driver
export { runCompressJob, type CompressJob, type CompressJobOptions } from './compress-job.ts';
export { compressPackage, type CompressPackageInput, type CompressReportEntry, type CompressedPackage } from './compress-package.ts';
export { CompressService, type CompressServiceOptions } from './worker/compress-service.ts';
export type { CompressOutcome, CompressWorkerApi } from './worker/api.ts';

// ### Errors
export { CompressError, isCompressError, type CompressErrorCode, type CompressErrorOptions } from './compress-error.ts';
