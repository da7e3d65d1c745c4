/**
 * Types of the `edgeloop/1` model package manifest (see docs/PACKAGE-FORMAT.md).
 * The validator in `validate-manifest.ts` is the only way a `Manifest` value is made
 * from untrusted JSON.
 */

/** The format tag every manifest carries. */
export const MANIFEST_FORMAT = 'edgeloop/1' as const;

/** Which inference library an artifact is for. */
export type ArtifactEngine = 'tfjs' | 'onnx';
/** Numeric precision of an artifact's weights. */
export type Precision = 'fp32' | 'fp16' | 'int8' | 'int4';
/**
 * Element type of a model input or output. Image and tabular tasks take `float32`,
 * `int32` or `uint8` ({@link CLASSIFIER_INPUT_DTYPES}); `tensor` models any of these.
 * `bool` travels as one byte per value (0 or 1), `float16` as its 16 bits (Uint16Array).
 */
export type TensorDtype = 'float32' | 'float16' | 'int32' | 'int64' | 'uint8' | 'bool';
/** Element type of a model input (see {@link TensorDtype}). */
export type InputDtype = TensorDtype;
/**
 * What the model's task is. `tensor` is any model: named inputs and outputs of any
 * {@link TensorDtype}, returned as they come (no top-k); the others are classifiers or
 * a regressor with one input and one output.
 */
export type Task = 'image-classification' | 'tabular-classification' | 'tabular-regression' | 'tensor';

/** A device capability an artifact cannot run without. */
export type ArtifactFeature = 'webgpu' | 'shader-f16';
/** When a target's fallback artifact replaces its primary one. */
export type FallbackCondition = 'no-shader-f16';

export const ARTIFACT_FEATURES: readonly ArtifactFeature[] = ['webgpu', 'shader-f16'];
export const FALLBACK_CONDITIONS: readonly FallbackCondition[] = ['no-shader-f16'];
export const ARTIFACT_ENGINES: readonly ArtifactEngine[] = ['tfjs', 'onnx'];
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'int8', 'int4'];
/** Every element type of a `tensor` model's inputs and outputs. */
export const TENSOR_DTYPES: readonly TensorDtype[] = ['float32', 'float16', 'int32', 'int64', 'uint8', 'bool'];
/** Every input element type the validator accepts (all of {@link TENSOR_DTYPES}). */
export const INPUT_DTYPES: readonly InputDtype[] = TENSOR_DTYPES;
/** The input element types of image and tabular tasks. */
export const CLASSIFIER_INPUT_DTYPES: readonly InputDtype[] = ['float32', 'int32', 'uint8'];
export const TASKS: readonly Task[] = ['image-classification', 'tabular-classification', 'tabular-regression', 'tensor'];

/** How raw input (an image, or a feature row) becomes the model's input tensor. */
export interface Preprocessing {
  /** Images are resized to this size (bilinear) before anything else. */
  resize?: { width: number; height: number };
  /** Images: channels the model takes. */
  colorSpace?: 'grayscale' | 'rgb';
  /** Images: invert intensities (1 − x after scaling), e.g. dark-on-light drawings for MNIST. */
  invert?: boolean;
  /** Multiply raw values by this first (e.g. 1/255 for 8-bit pixels). */
  scale?: number;
  /** Then subtract `mean` and divide by `std`, per channel (images) or per feature (tabular). */
  mean?: number[];
  std?: number[];
}

/**
 * Where a state input's value comes from: the runtime feeds the named output of the
 * previous call back as this input (zeros of the input's shape on the first call and
 * after `model.reset()`), unless the caller passes the input.
 */
export interface InputState {
  /** The name of an output in `outputs`. */
  from: string;
}

/**
 * What the runtime's warm-up (the `auto` backend timing at load) feeds a `tensor`
 * model's input, for models that cannot run on zeros of the declared shape (-1 → 1):
 * a sample rate, a sequence at least as long as a convolution's padding.
 */
export interface InputWarmup {
  /** Every element's value. @defaultValue 0 */
  value?: number;
  /** The shape: the declared one with each -1 filled in. @defaultValue the declared shape, -1 → 1 */
  shape?: number[];
}

/**
 * A model input. Batch dimension first; -1 means "any". Image inputs (any input with a
 * `layout`, and the input of `image-classification`) are rank 4 with the batch first.
 * `tensor` models may have rank-0 (scalar) inputs.
 */
export interface ManifestInput {
  name: string;
  shape: number[];
  dtype: InputDtype;
  /** Images: layout of the tensor the model takes. */
  layout?: 'NHWC' | 'NCHW';
  preprocessing?: Preprocessing;
  /** `tensor` models: an input the runtime carries over from an output of the previous call. */
  state?: InputState;
  /** `tensor` models: what the load's warm-up feeds this input. @defaultValue zeros of the declared shape, -1 → 1 */
  warmup?: InputWarmup;
}

/** A model output. */
export interface ManifestOutput {
  name: string;
  shape: number[];
  /** Element type. @defaultValue 'float32' */
  dtype?: TensorDtype;
  /** Class names, in output order. */
  labels?: string[];
  /** What the runtime applies to the raw model output (`softmax` / `sigmoid`: float32 outputs only). */
  activation: 'softmax' | 'sigmoid' | 'none';
}

/** One file of an artifact. */
export interface ArtifactFile {
  /** Relative to the version folder, forward slashes, no `..`, no leading `/`. */
  path: string;
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

/** The device class an artifact was compressed for. */
export interface ArtifactDevice {
  /** The class has a (hardware) WebGPU adapter. */
  webgpu: boolean;
  /** Its adapter offers `shader-f16`. */
  shaderF16: boolean;
}

/** One runnable form of the model. */
export interface Artifact {
  id: string;
  engine: ArtifactEngine;
  precision: Precision;
  /** Device profile id this artifact was compressed for (`generic` for any). */
  target: string;
  /**
   * Capabilities the device must have for this artifact to run at all (e.g.
   * `shader-f16` for f16 weights on WebGPU). Absent or empty: none beyond its engine.
   */
  requires?: ArtifactFeature[];
  /**
   * The class of device `target` stands for, as the compressor's edge target described
   * it: the runtime prefers the artifact whose class matches the device it runs on.
   * Absent (`generic` artifacts, manifests written before this field): any device.
   */
  device?: ArtifactDevice;
  /** Set on a target's fallback artifact: the condition under which it replaces the target's primary one. */
  fallbackWhen?: FallbackCondition;
  /**
   * Files. For `tfjs`, the first file is `model.json` (the layers topology + weights
   * manifest) and the rest are its weight shards; for `onnx`, one `.onnx` file.
   */
  files: ArtifactFile[];
}

/** One histogram of the drift baseline: fixed bin edges and the reference counts. */
export interface BaselineSignal {
  name: string;
  /** `edges.length === counts.length + 1`, strictly increasing. */
  edges: number[];
  counts: number[];
}

/** The drift reference the runtime compares field data against. */
export interface Baseline {
  signals: BaselineSignal[];
}

/** Where this version came from. */
export interface Lineage {
  parent?: string;
  teacher?: string;
  datasetSha256?: string;
  trainerConfig?: Record<string, unknown>;
}

/** The `edgeloop/1` manifest. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  /** Semver; immutable once published. */
  version: string;
  /** ISO-8601 timestamp. */
  createdAt: string;
  task: Task;
  /** The (first) input: `inputs[0]` when `inputs` is given. */
  input: ManifestInput;
  /** The (first) output: `outputs[0]` when `outputs` is given. */
  output: ManifestOutput;
  /** Every named input, in order (required for `tensor`; elsewhere, when given, exactly `[input]`). */
  inputs?: ManifestInput[];
  /** Every named output, in order (required for `tensor`; elsewhere, when given, exactly `[output]`). */
  outputs?: ManifestOutput[];
  artifacts: Artifact[];
  /** Evaluation metrics, by name (e.g. `accuracy`). */
  metrics: Record<string, number>;
  baseline?: Baseline;
  lineage?: Lineage;
}
