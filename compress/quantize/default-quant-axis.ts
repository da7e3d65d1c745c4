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
 *
 * The tfjs artifact is not bound to ONNX's layouts, so its int4 blocks run along the
 * whole reduction of each output channel instead ({@link defaultBlockView}): the kernel
 * is read as a row-major 2-D matrix (same bytes, no transpose) and blocked along axis 0.
 *
 * | kernel | shape | 2-D view, blocked along axis 0 |
 * |---|---|---|
 * | Dense | [in, out] | [in, out] (unchanged) |
 * | Conv2D, SeparableConv2D pointwise | [kh, kw, in, out] | [kh·kw·in, out] |
 * | DepthwiseConv2D, SeparableConv2D depthwise | [kh, kw, in, mult] | [kh·kw, in·mult] |
 *
 * A 3×3 convolution over one input channel then has one block of 9 per output channel
 * instead of nine blocks of 1. A depthwise output channel (in channel c, multiplier m,
 * column c·mult + m of the view) reduces over its kh·kw taps only, so its blocks never
 * mix channels — the per-channel semantics that matter when channel ranges differ
 * widely — at the cost of `in·mult·ceil(kh·kw / blockSize)` scales, the fewest any
 * layout that keeps channels apart can have (one per channel for a 3×3 window).
 */
import { resolveAxis } from '../../format/index.ts';

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

/** A 2-D row-major view of a kernel and the axis of it that int4 blocks run along. */
export interface BlockView {
  /** The view's shape; its product equals the kernel's element count. */
  viewShape: number[];
  /** The blocked axis of `viewShape` (always 0: the reduction dimension). */
  axis: number;
}

/**
 * The 2-D view the tfjs artifact blocks a kernel of `layerClass` in (see the table
 * above): the reduction dimension on axis 0, the output channels on axis 1. Other
 * kernels (Conv1D, Conv3D…) are read as [all but the last axis, last axis]; a 1-D
 * tensor as [n, 1].
 *
 * @throws {RangeError} when a depthwise kernel is not 4-D or the shape is empty.
 */
export function defaultBlockView(layerClass: QuantLayerClass | string, weightShape: readonly number[], options: QuantAxisOptions = {}): BlockView {
  if (weightShape.length === 0) throw new RangeError('a kernel to block needs at least one dimension, got shape []');
  const product = (dims: readonly number[]): number => dims.reduce((n, d) => n * d, 1);
  if (isDepthwise(layerClass, options)) {
    depthwiseChannelAxis(weightShape);
    return { viewShape: [product(weightShape.slice(0, 2)), product(weightShape.slice(2))], axis: 0 };
  }
  if (weightShape.length === 1) return { viewShape: [weightShape[0], 1], axis: 0 };
  return { viewShape: [product(weightShape.slice(0, -1)), weightShape[weightShape.length - 1]], axis: 0 };
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
