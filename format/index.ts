/**
 * The shared core of edgeloop: the `edgeloop/1` package format (manifest and
 * registry-index schemas and validation, naming and version rules, SHA-256 integrity
 * checks, Ed25519 signatures, base64url and strict base64, the package writer), the weight-quantization
 * codec (fp16 / int8 / int4 and the `edgeloopQuantization` field of quantized tfjs
 * artifacts), the model importer (tfjs / ONNX files → package) and the coded-error base
 * class with its worker transfer. Node-only helpers (atomic file writes, reading models
 * from and writing imported packages to disk) are in `format/node.ts`. Every other component may
 * import this file; it imports none of them. Runs unchanged on the browser main thread, in Web Workers and in
 * Node 20 (WebCrypto; comlink only for the error transfer).
 */

// ### Telemetry wire types
export type { DriftEvent, TelemetryBatch } from './telemetry-event.ts';

// ### Feedback wire types (labelled examples a user chose to share)
export {
  FEEDBACK_INPUT_DTYPES,
  FEEDBACK_LIMITS,
  feedbackExampleId,
  type FeedbackBatch,
  type FeedbackExample,
  type FeedbackInput,
  type FeedbackInputDtype,
} from './feedback-batch.ts';

// ### Drift signals (the formulas the trainer's baseline and the runtime's sketch share)
export {
  DRIFT_SIGNAL_NAMES,
  OUTPUT_SIGNAL_NAMES,
  blockSignalName,
  channelMeanSignalName,
  entropyOf,
  imageSignalGeometry,
  imageSignalNames,
  imageSignalValuesOf,
  topOneOf,
  type ImageSignalGeometry,
} from './drift-signals.ts';

// ### Errors
export { CodedError, isCodedError, type CodedErrorClass, type CodedErrorOptions } from './coded-error.ts';
export { EdgeloopError, isEdgeloopError, type EdgeloopErrorCode, type EdgeloopErrorOptions } from './edgeloop-error.ts';
export { installErrorTransfer, registerCodedError } from './error-transfer.ts';

// ### Types & constants
export {
  ARTIFACT_ENGINES,
  ARTIFACT_FEATURES,
  CLASSIFIER_INPUT_DTYPES,
  FALLBACK_CONDITIONS,
  INPUT_DTYPES,
  MANIFEST_FORMAT,
  PRECISIONS,
  TASKS,
  TENSOR_DTYPES,
  type Artifact,
  type ArtifactDevice,
  type ArtifactEngine,
  type ArtifactFeature,
  type FallbackCondition,
  type ArtifactFile,
  type Baseline,
  type BaselineSignal,
  type InputDtype,
  type InputState,
  type InputWarmup,
  type Lineage,
  type Manifest,
  type ManifestInput,
  type ManifestOutput,
  type Precision,
  type Preprocessing,
  type Task,
  type TensorDtype,
} from './manifest.ts';
export { MANIFEST_LIMITS } from './manifest-limits.ts';
export { MAX_SHARD_BYTES, PACKAGE_FILES } from './create-package.ts';

// ### Naming and versions
export {
  ALIAS_PATTERN,
  ALIAS_PATTERN_SOURCE,
  MAX_NAME_LENGTH,
  MAX_VERSION_LENGTH,
  PACKAGE_NAME_EXPECTED,
  PACKAGE_NAME_PATTERN,
  PACKAGE_NAME_PATTERN_SOURCE,
  VERSION_EXPECTED,
  VERSION_PATTERN,
  VERSION_PATTERN_SOURCE,
  compareVersions,
  highestVersion,
  isAliasName,
  isPackageName,
  isVersion,
} from './naming.ts';

// ### Validation
export { MAX_MANIFEST_BYTES, parseManifest, validateManifest, type ManifestIssueReason } from './validate-manifest.ts';

// ### Weight-quantization codec (docs/PACKAGE-FORMAT.md, "Weight quantization")
export { QUANT_SCHEMES, dequantizeTensor, quantizeTensor, type QuantizeTensorOptions } from './weight-codec/quantize-tensor.ts';
export type { QuantScheme, QuantizedTensor } from './weight-codec/quantized-tensor.ts';
export { FLOAT16_MAX, dequantizeFp16, float16BitsToFloat32, float32ToFloat16Bits, quantizeFp16 } from './weight-codec/quantize-fp16.ts';
export { dequantizeInt8, dequantizeUint8, quantizeInt8PerChannel, quantizeInt8PerTensor, quantizeUint8PerTensor } from './weight-codec/quantize-int8.ts';
export { blockScaleIndex, dequantizeInt4Block, packInt4, quantizeInt4Block, unpackInt4 } from './weight-codec/quantize-int4.ts';
export { roundHalfEven } from './weight-codec/round-half-even.ts';
export { axisLayout, resolveAxis, type AxisLayout } from './weight-codec/axis-layout.ts';
export {
  EDGELOOP_QUANT_SCHEMES,
  decodeEdgeloopWeight,
  edgeloopEntryLayout,
  encodeEdgeloopWeight,
  type EdgeloopEntryLayout,
  type EdgeloopQuantScheme,
  type EdgeloopWeightQuantization,
  type EncodeEdgeloopWeightOptions,
} from './weight-codec/edgeloop-quantization.ts';

// ### Hashing
export { sha256Hex, verifyFileBytes, type VerifyFileContext } from './sha256.ts';

// ### Signatures
export {
  SIGNATURE_FORMAT,
  generateSigningKeyPair,
  keyIdOf,
  signManifest,
  verifyManifestSignature,
  type SignatureEnvelope,
  type SigningKeyPair,
  type VerifiedSignature,
} from './signature.ts';
export { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from './base64url.ts';
export { concatBytes } from './concat-bytes.ts';

// ### Writing
export {
  createPackage,
  type ArtifactInput,
  type BuiltPackage,
  type CreatePackageInput,
  type PackageFileInput,
} from './create-package.ts';

// ### Importing models (tfjs model.json / ONNX → package; `npm run import`, docs/IMPORT.md)
export {
  importModel,
  type ImportedPackage,
  type ImportModelOptions,
  type ImportReport,
  type ModelSource,
  type ReadModelFile,
} from './import/import-model.ts';
export { inferPackageIo, type PackageIo, type PackageIoOptions } from './import/infer-package-io.ts';
export { inspectTfjsModel, type TfjsModelInfo } from './import/inspect-tfjs-model.ts';
export { ORT_WEB_ONNX_SUPPORT, inspectOnnxModel, type ExternalDataFile, type OnnxModelInfo } from './import/inspect-onnx-model.ts';
export type { TensorInfo } from './import/tensor-info.ts';
export { ImportError, isImportError, type ImportErrorCode, type ImportErrorOptions } from './import/import-error.ts';

// ### Registry index
export {
  INDEX_FILES,
  INDEX_FORMAT,
  MAX_INDEX_BYTES,
  createRegistryIndex,
  newestVersion,
  parseRegistryIndex,
  validateRegistryIndex,
  type CreateRegistryIndexOptions,
  type RegistryIndex,
  type RegistryIndexVersion,
} from './registry-index.ts';
