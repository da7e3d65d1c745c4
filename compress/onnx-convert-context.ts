/**
 * What the per-layer ONNX converters share: the tensor description with its
 * current memory layout, the context that inserts layout Transposes and caches
 * weights, and small helpers to read a tfjs layer's config and weights.
 */
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { CompressError } from './compress-error.ts';
import type { OnnxGraphBuilder } from './onnx-graph-builder.ts';
import type { KernelLayout } from './onnx-quantized-weights.ts';

/** y = x·scale + shift per channel: a BatchNormalization layer at inference time. */
export interface ChannelAffine {
  scale: Float32Array;
  shift: Float32Array;
}

/** A BatchNormalization folded into the layer that feeds it. */
export interface BatchNormFold extends ChannelAffine {
  /** The folded BatchNormalization layer (converted as the identity). */
  batchNorm: TfLayer;
}

/** A tfjs layer (tfjs-layers does not export the class type by name). */
export type TfLayer = SymbolicTensor['sourceLayer'];

/**
 * Memory layout of an ONNX value. `tf`: the same element order as the tfjs tensor
 * (channels last, NHWC for images). `nchw`: a rank-4 tfjs NHWC tensor stored
 * channels-first, as ONNX Conv and pooling need it.
 */
export type Layout = 'tf' | 'nchw';

/** An ONNX value standing for a tfjs symbolic tensor. */
export interface OnnxTensor {
  name: string;
  layout: Layout;
  /** The tfjs shape (tf order, batch first, `null` where unknown). */
  shape: Array<number | null>;
}

/** A converter's result: the value's name and layout (the shape comes from tfjs). */
export interface ConvertedValue {
  name: string;
  layout: Layout;
}

/** A layer's float weight, read from tfjs. */
export interface WeightValues {
  shape: number[];
  values: Float32Array;
}

/** Services the exporter offers every layer converter. */
export interface ConvertContext {
  readonly graph: OnnxGraphBuilder;
  readonly opset: number;
  /** The value in NCHW order (a cached Transpose when it is in tf order). Rank 4 only. */
  nchw(tensor: OnnxTensor): string;
  /** The value in tfjs order (a cached Transpose when it is NCHW). */
  tfOrder(tensor: OnnxTensor): string;
  /** The value converted to `layout`. */
  inLayout(tensor: OnnxTensor, layout: Layout): string;
  /**
   * A float initializer made once per `key` (so a layer applied twice shares its
   * weights); `make` runs only the first time.
   */
  initializer(key: string, make: () => WeightValues): string;
  /**
   * The layer's kernel `weightName` as a float value in its ONNX `layout`: a float
   * initializer, or a quantized one with its DequantizeLinear / Cast when the export
   * quantizes weights. `make` returns the tfjs-layout values (BatchNormalization
   * already folded in) and runs once per layer and weight.
   */
  kernel(layer: TfLayer, weightName: string, layout: KernelLayout, make: () => WeightValues): string;
  /**
   * `x · kernel` for a Dense layer (`x` in tfjs order, rank `rank`): MatMul on the
   * float or dequantized kernel, or MatMulNBits for an int4 kernel that fits it.
   */
  matMul(layer: TfLayer, x: string, rank: number, make: () => WeightValues): string;
  /**
   * The bias of a Conv reading `input` with kernel `weight`: a float initializer, or
   * (when `input` comes from a uint8 DequantizeLinear and `weight` from a kernel
   * DequantizeLinear per output channel) int32 values at scale `input scale ×
   * weight scale` behind a DequantizeLinear, the form ONNX Runtime fuses into
   * QLinearConv. `make` runs once per layer.
   */
  convBias(layer: TfLayer, input: string, weight: string, make: () => WeightValues): string;
  /** Records that `padded` is `source` zero-padded by `pads` (`[top, left, bottom, right]`), so a Conv may fold it. */
  recordPad(padded: string, source: OnnxTensor, pads: [number, number, number, number]): void;
  /** The zero padding recorded for `name` by {@link ConvertContext.recordPad}. */
  padOf(name: string): { source: OnnxTensor; pads: [number, number, number, number] } | undefined;
  /** The BatchNormalization that folds into `layer`'s kernel and bias, if any. */
  batchNormFold(layer: TfLayer): BatchNormFold | undefined;
  /** Whether `layer` is a BatchNormalization already folded into its producer. */
  isFoldedBatchNorm(layer: TfLayer): boolean;
}

/** Converts one application of a layer. */
export type LayerConverter = (layer: TfLayer, inputs: OnnxTensor[], ctx: ConvertContext) => ConvertedValue;

/** The layer's serialised config (tfjs `getConfig()`). */
export function layerConfig(layer: TfLayer): Record<string, unknown> {
  return layer.getConfig() as Record<string, unknown>;
}

/**
 * The layer weight whose name ends in `/${key}` (`kernel`, `bias`, `gamma`,
 * `moving_mean`, …), or `undefined` when the layer has none.
 */
export function findWeight(layer: TfLayer, key: string): WeightValues | undefined {
  const variable = layer.weights.find((w) => w.originalName.split('/').pop() === key);
  if (variable === undefined) return undefined;
  const tensor = variable.read();
  return { shape: tensor.shape.slice(), values: Float32Array.from(tensor.dataSync()) };
}

/** Like {@link findWeight}, but a missing weight is an export error. */
export function requireWeight(layer: TfLayer, key: string): WeightValues {
  const weight = findWeight(layer, key);
  if (weight === undefined) {
    throw new CompressError('UNSUPPORTED_CONFIG', `layer '${layer.name}' (${layer.getClassName()}) has no '${key}' weight`, {
      details: { layerName: layer.name, layerClass: layer.getClassName() },
    });
  }
  return weight;
}

/** An export error about a layer setting. */
export function configError(layer: TfLayer, what: string): CompressError {
  return new CompressError(
    'UNSUPPORTED_CONFIG',
    `cannot export layer '${layer.name}' (${layer.getClassName()}) to ONNX: ${what}`,
    { details: { layerName: layer.name, layerClass: layer.getClassName() } },
  );
}

/** Throws unless the layer works on channels-last data (the tfjs default). */
export function requireChannelsLast(layer: TfLayer, config: Record<string, unknown>): void {
  const format = config.dataFormat;
  if (format !== undefined && format !== 'channelsLast') {
    throw configError(layer, `dataFormat '${String(format)}' is not supported, only 'channelsLast'`);
  }
}

/** A `[a, b]` pair from a config value that may be a number or a pair. */
export function pair(value: unknown, layer: TfLayer, what: string): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    return [value[0] as number, value[1] as number];
  }
  throw configError(layer, `${what} must be a number or a pair of numbers, got ${JSON.stringify(value)}`);
}
