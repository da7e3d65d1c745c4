/**
 * How `exportOnnx` decides which layer kernels to quantize: a per-layer-class
 * recipe (the same `QuantRecipe` as the quantized tfjs artifact) or a callback
 * that sees every kernel and returns its `QuantizedTensor`.
 */
import { defaultBlockAxis, defaultQuantAxis } from './quantize/default-quant-axis.ts';
import type { QuantRecipe } from './quantize/quantized-tfjs-artifact.ts';
import { quantizeTensor, type QuantizedTensor } from '../format/index.ts';
import type { ActivationQuantizationOptions } from './onnx-activation-calibration.ts';
import type { Int4Storage } from './onnx-quantized-weights.ts';

/** A kernel the exporter is about to write, in tfjs layout, BatchNormalization already folded in. */
export interface OnnxWeightRequest {
  layerName: string;
  /** The tfjs class (`Dense`, `Conv2D`, `DepthwiseConv2D`, `SeparableConv2D`). */
  layerClass: string;
  /** `kernel`, `depthwise_kernel` or `pointwise_kernel`. */
  weightName: string;
  /** Row-major values of `shape`. */
  values: Float32Array;
  /** tfjs layout: Dense `[in, out]`, Conv2D `[kh, kw, in, out]`, depthwise `[kh, kw, in, mult]`. */
  shape: number[];
}

/**
 * Returns the quantized kernel (same `shape`, tfjs layout), or `undefined` to keep
 * it float32. Per-channel scales may sit on any axis; int4 Dense kernels reach
 * MatMulNBits only when blocked along axis 0 (the input axis) with a power-of-two
 * block ≥ 16.
 */
export type OnnxWeightQuantizer = (request: OnnxWeightRequest) => QuantizedTensor | undefined;

/** The `quantization` option of `exportOnnx`. Biases and BatchNormalization (when not folded) stay float32. */
export interface OnnxQuantizationOptions {
  /** The scheme of each layer class's kernels; classes left out stay float32. Ignored when `quantizer` is given. */
  recipe?: QuantRecipe;
  /** Decides per kernel instead of `recipe`. */
  quantizer?: OnnxWeightQuantizer;
  /** Recipe kernels with fewer elements stay float32. @defaultValue 64 */
  minElements?: number;
  /** Block length of the recipe's `int4-block` kernels. @defaultValue 32 */
  blockSize?: number;
  /**
   * Where int4 kernels go that MatMulNBits cannot take (convolutions).
   * @defaultValue 'int8-per-channel'
   */
  int4Storage?: Int4Storage;
  /**
   * How int8 / uint8 kernels become float for the ops that read them: `per-run`, a
   * DequantizeLinear node (ONNX Runtime runs it at every call; its WebGPU EP does so on
   * the GPU); `at-load`, Cast · scale, which ONNX Runtime constant-folds into float
   * weights when the session is created — the file stays int8, the model runs at
   * float32 speed. With `activations`, kernels of layers left to float are at-load anyway.
   * @defaultValue 'per-run'
   */
  weightDequantization?: 'per-run' | 'at-load';
  /**
   * Static int8 activation quantization: a uint8 QuantizeLinear → DequantizeLinear
   * pair after every activation, with ranges calibrated on these inputs.
   * @defaultValue none: activations stay float32
   */
  activations?: ActivationQuantizationOptions;
}

/**
 * The quantizer of a recipe: kernels of the recipe's layer classes with at least
 * `minElements` values, quantized along `defaultQuantAxis` (per channel) or
 * `defaultBlockAxis` (int4 blocks, the matmul's input axis).
 *
 * @throws {RangeError} when `minElements` or `blockSize` is not a positive integer.
 */
export function recipeQuantizer(recipe: QuantRecipe, options: { minElements?: number; blockSize?: number } = {}): OnnxWeightQuantizer {
  const { minElements = 64, blockSize = 32 } = options;
  if (!Number.isInteger(minElements) || minElements < 0) throw new RangeError(`minElements must be a non-negative integer, got ${minElements}`);
  if (!Number.isInteger(blockSize) || blockSize <= 0) throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
  return ({ layerClass, weightName, values, shape }) => {
    const scheme = (recipe as Record<string, QuantizedTensor['scheme'] | undefined>)[layerClass];
    if (scheme === undefined || values.length < minElements) return undefined;
    const axis = scheme === 'int4-block' ? defaultBlockAxis(layerClass, shape, { weightName }) : defaultQuantAxis(layerClass, shape, { weightName });
    return quantizeTensor(values, shape, scheme, { axis, blockSize });
  };
}
