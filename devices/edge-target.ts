/**
 * The types of an edge target: a class of device the compressor builds an artifact
 * for, what that device is expected to offer, the budgets the artifact must fit, the
 * compression recipe, and the device-lab profile that emulates it. The values live in
 * `targets.json`; `validate-edge-target.ts` is the only way an {@link EdgeTarget} is
 * made from JSON.
 */
import type { ArtifactEngine, FallbackCondition } from '../format/index.ts';
import type { BackendId } from '../runtime/index.ts';

/** The layer kinds a recipe sets a weight precision for (tfjs-layers class names). */
export const RECIPE_LAYER_KINDS = ['Dense', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D'] as const;

/** One of {@link RECIPE_LAYER_KINDS}. */
export type RecipeLayerKind = (typeof RECIPE_LAYER_KINDS)[number];

/**
 * The weight encodings a recipe can ask for: `'fp32'` (leave as is) or one of the
 * format's weight-quantization schemes (`QuantScheme` of the weight codec; the
 * devices test checks the two lists agree).
 */
export const RECIPE_SCHEMES = ['fp32', 'fp16', 'int8-per-channel', 'int8-per-tensor', 'uint8-per-tensor', 'int4-block'] as const;

/** One of {@link RECIPE_SCHEMES}. */
export type RecipeScheme = (typeof RECIPE_SCHEMES)[number];

/**
 * The schemes a `tfjs` artifact can hold: the layers-model `weightsManifest` stores
 * float32, or float16 / uint8 with one affine scale per tensor (tfjs-converter's
 * `quantization` entry); per-channel int8 and int4 blocks need an `onnx` artifact.
 */
export const TFJS_SCHEMES: readonly RecipeScheme[] = ['fp32', 'fp16', 'uint8-per-tensor'];

/** Magnitude pruning applied before quantization. */
export interface PruningRecipe {
  /** Fraction (0 < s < 1) of each Dense/Conv kernel's weights (or channels, when `structured`) to remove. */
  sparsity: number;
  /**
   * Remove whole output channels/units (a smaller model) instead of zeroing single
   * weights (same shape, zeros that compress well in transit).
   * @defaultValue false
   */
  structured: boolean;
  /** Epochs of fine-tuning after pruning, pruned weights held at zero (0: none). */
  fineTuneEpochs: number;
}

/** How the compressor turns a trained fp32 model into this target's artifact. */
export interface CompressionRecipe {
  /** The artifact's engine (the manifest's `artifacts[].engine`). */
  engine: ArtifactEngine;
  /** Weight encoding per layer kind; biases and other weights stay fp32. */
  precision: Readonly<Record<RecipeLayerKind, RecipeScheme>>;
  /** `'none'` or how to prune before quantizing. */
  pruning: 'none' | Readonly<PruningRecipe>;
}

/** When a target's second recipe is used instead of its first: the package format's conditions (written into the manifest as `artifacts[].fallbackWhen`). */
export { FALLBACK_CONDITIONS, type FallbackCondition } from '../format/index.ts';

/**
 * A second artifact for the devices of the class that lack a capability: the
 * compressor builds both, and the runtime picks this one when `when` holds.
 */
export interface FallbackRecipe {
  when: FallbackCondition;
  recipe: Readonly<CompressionRecipe>;
}

/**
 * The artifact size budget, **per model** (one artifact of one model, all its files):
 * at most `maxBytesRatio × fp32WeightBytes + overheadBytes`, and never more than
 * `maxBytes`. The ratio scales with the model (an MNIST CNN of 21 kB and a
 * MobileNet of 14 MB face the same ratio); `overheadBytes` covers what does not
 * shrink with the weights (model.json / the ONNX graph, quantization scales of tiny
 * layers), which dominates for MNIST-size models.
 */
export interface SizeBudget {
  maxBytesRatio: number;
  overheadBytes: number;
  maxBytes: number;
}

/** Emulated network of the device lab, as Chromium DevTools throttling takes it. */
export interface NetworkProfile {
  downloadKbps: number;
  uploadKbps: number;
  latencyMs: number;
}

/**
 * How the device lab emulates the target in Chromium. WebGPU on/off is the target's
 * {@link EdgeTarget.webgpu}.
 */
export interface DeviceProfile {
  /** Name of the Playwright device descriptor the page context starts from (`devices['Pixel 7']`). */
  playwrightDevice: string;
  /** Overrides the descriptor's viewport. */
  viewport: { width: number; height: number };
  /** CDP `Emulation.setCPUThrottlingRate` slow-down factor (1: none). */
  cpuThrottlingRate: number;
  /** Network throttling, or `'none'` for the unthrottled loopback. */
  network: 'none' | Readonly<NetworkProfile>;
  /** What `navigator.deviceMemory` would report on such a device, in GiB. */
  deviceMemoryGiB: number;
}

/** One edge target. */
export interface EdgeTarget {
  /** Kebab-case id, written as the manifest's `artifacts[].target`. */
  id: string;
  description: string;
  /** Engines the device may use, most preferred first. */
  engines: readonly ArtifactEngine[];
  /** Backends the device may use, most preferred first; each runs one of `engines`. */
  backends: readonly BackendId[];
  /** The device class is expected to have a WebGPU adapter. */
  webgpu: boolean;
  /** The adapter is expected to offer `shader-f16`. */
  shaderF16: boolean;
  /** Per-model artifact size budget (see {@link SizeBudget}). */
  sizeBudget: Readonly<SizeBudget>;
  /** Memory one loaded model may take on the device (weights, activations, engine buffers; not the engine's code). */
  memoryBudgetBytes: number;
  recipe: Readonly<CompressionRecipe>;
  fallback?: Readonly<FallbackRecipe>;
  device: Readonly<DeviceProfile>;
}
