/**
 * Which axis of a tfjs layer kernel carries per-channel scales, and which axis int4
 * blocks run along. Both follow the kernel's role in the matmul it feeds, in tfjs
 * layout:
 *
 * | kernel | shape | per-channel axis | int4 block axis |
 * |---|---|---|---|
 * | Dense | [in, out] | 1 (out) | 0 (in = K of the [K, N] matmul) |
 * | Conv2D, SeparableConv2D pointwise | [kh, kw, in, out] | 3 (out) | 2 (in) |
 * | DepthwiseConv2D, SeparableConv2D depthwise | [kh, kw, in, mult] | 2 (in channel) | 2 (in channel) |
 *
 * Conv blocks run along the input channels at each kernel tap, not along the flattened
 * kh·kw·in: that keeps the one-axis blocked layout of `QuantizedTensor` and maps to ONNX
 * DequantizeLinear blocked on axis 1 of the [out, in, kh, kw] ONNX weight. A depthwise
 * kernel has no input axis to reduce over (each channel sees only its own kh·kw taps,
 * usually 9), so its blocks group neighbouring channels at one tap, the same axis as
 * its per-channel scales.
 */
import { resolveAxis } from './axis-layout.ts';

/** The layer classes whose kernels the compressor quantizes. */
export type QuantLayerClass = 'Dense' | 'Conv2D' | 'DepthwiseConv2D' | 'SeparableConv2D';

/** The layer classes of {@link QuantLayerClass}, in a fixed order. */
export const QUANT_LAYER_CLASSES: readonly QuantLayerClass[] = ['Dense', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D'];

/** Options of {@link defaultQuantAxis} and {@link defaultBlockAxis}. */
export interface QuantAxisOptions {
  /**
   * The weight's name inside its layer (`kernel`, `depthwise_kernel`,
   * `pointwise_kernel`); tells a SeparableConv2D's two kernels apart.
   * @defaultValue 'kernel' (for DepthwiseConv2D, 'depthwise_kernel')
   */
  weightName?: string;
}

/**
 * The per-channel (output channel) axis of a kernel of `layerClass` with `weightShape`:
 * the last axis, except for depthwise kernels, whose channels are on axis 2.
 *
 * @throws {RangeError} when a depthwise kernel is not 4-D or the shape is empty.
 */
export function defaultQuantAxis(layerClass: QuantLayerClass | string, weightShape: readonly number[], options: QuantAxisOptions = {}): number {
  if (isDepthwise(layerClass, options)) return depthwiseChannelAxis(weightShape);
  return resolveAxis(weightShape, -1);
}

/**
 * The axis int4 blocks run along for a kernel of `layerClass` with `weightShape`: the
 * input dimension (the second to last axis; axis 0 of a 1-D tensor), except for
 * depthwise kernels, blocked along their channels (axis 2).
 *
 * @throws {RangeError} when a depthwise kernel is not 4-D or the shape is empty.
 */
export function defaultBlockAxis(layerClass: QuantLayerClass | string, weightShape: readonly number[], options: QuantAxisOptions = {}): number {
  if (isDepthwise(layerClass, options)) return depthwiseChannelAxis(weightShape);
  return resolveAxis(weightShape, weightShape.length >= 2 ? -2 : 0);
}

function isDepthwise(layerClass: string, options: QuantAxisOptions): boolean {
  return layerClass === 'DepthwiseConv2D' || (layerClass === 'SeparableConv2D' && options.weightName === 'depthwise_kernel');
}

function depthwiseChannelAxis(weightShape: readonly number[]): number {
  if (weightShape.length !== 4) {
    throw new RangeError(`a depthwise kernel has shape [kh, kw, in, mult], got [${weightShape.join(', ')}]`);
  }
  return 2;
}
