/**
 * Inference BatchNormalization as a per-channel affine map, and the plan of which
 * BatchNormalization layers fold into the Conv / Dense before them. Folding
 * (W' = W·s per output channel, b' = b·s + t) removes the two element-wise nodes
 * and, for quantized exports, lets the quantizer see the weights that really run.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { configError, findWeight, layerConfig, requireWeight, type BatchNormFold, type ChannelAffine, type TfLayer, type WeightValues } from './onnx-convert-context.ts';

export type { BatchNormFold, ChannelAffine } from './onnx-convert-context.ts';

/** Layer classes whose kernel and bias can absorb a following BatchNormalization. */
const FOLDABLE = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);

/**
 * The inference affine map of a BatchNormalization layer over the last axis of a
 * rank-`rank` input: s = γ/√(σ²+ε), t = β − μ·s.
 *
 * @throws CompressError `UNSUPPORTED_CONFIG` when it normalises another axis.
 */
export function batchNormAffine(layer: TfLayer, rank: number): ChannelAffine {
  const config = layerConfig(layer);
  const axis = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
  if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== rank - 1)) {
    throw configError(layer, `only normalisation over the last (channel) axis is supported, got axis ${JSON.stringify(config.axis)}`);
  }
  const epsilon = Number(config.epsilon ?? 1e-3);
  const mean = requireWeight(layer, 'moving_mean').values;
  const variance = requireWeight(layer, 'moving_variance').values;
  const gamma = config.scale === false ? undefined : findWeight(layer, 'gamma')?.values;
  const beta = config.center === false ? undefined : findWeight(layer, 'beta')?.values;
  const channels = mean.length;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = (gamma?.[c] ?? 1) / Math.sqrt(variance[c] + epsilon);
    shift[c] = (beta?.[c] ?? 0) - mean[c] * scale[c];
  }
  return { scale, shift };
}

/**
 * Which BatchNormalization layers of `model` fold into their producer, keyed by
 * the producer's name. A fold needs: a Conv2D / DepthwiseConv2D / SeparableConv2D /
 * Dense producer with a linear activation, applied once, whose only consumer is the
 * BatchNormalization (applied once, over the channel axis), and whose output is not
 * a model output. Everything else keeps its BatchNormalization as Mul + Add.
 */
export function planBatchNormFolds(model: LayersModel): Map<string, BatchNormFold> {
  const folds = new Map<string, BatchNormFold>();
  const outputIds = new Set(model.outputs.map((t) => t.id));
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization' || layer.inboundNodes.length !== 1) continue;
    const inputs = layer.inboundNodes[0].inputTensors;
    if (inputs.length !== 1) continue;
    const [input] = inputs;
    const producer = input.sourceLayer;
    if (!FOLDABLE.has(producer.getClassName())) continue;
    if (producer.inboundNodes.length !== 1 || producer.outboundNodes.length !== 1 || outputIds.has(input.id)) continue;
    const activation = layerConfig(producer).activation;
    if (activation !== undefined && activation !== null && activation !== 'linear') continue;
    const config = layerConfig(layer);
    const axis = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
    if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== input.shape.length - 1)) continue;
    folds.set(producer.name, { batchNorm: layer, ...batchNormAffine(layer, input.shape.length) });
  }
  return folds;
}

/**
 * Scales each output channel of a tfjs kernel. The output channel is the flat
 * index modulo the channel count for every foldable layout: Dense `[in, out]`,
 * Conv2D `[kh, kw, in, out]` and depthwise `[kh, kw, in, mult]` (channel in·mult + m).
 */
export function foldIntoKernel(kernel: WeightValues, scale: Float32Array): WeightValues {
  const channels = scale.length;
  const values = new Float32Array(kernel.values.length);
  for (let i = 0; i < values.length; i++) values[i] = kernel.values[i] * scale[i % channels];
  return { shape: kernel.shape.slice(), values };
}

/** b' = b·s + t, with b = 0 when the layer has no bias. */
export function foldIntoBias(bias: WeightValues | undefined, { scale, shift }: ChannelAffine): WeightValues {
  const values = new Float32Array(scale.length);
  for (let c = 0; c < values.length; c++) values[c] = (bias?.values[c] ?? 0) * scale[c] + shift[c];
  return { shape: [values.length], values };
}

/** The layer's kernel `key` in tfjs layout, with `fold`'s scale applied when there is one. */
export function layerKernel(layer: TfLayer, key: string, fold: BatchNormFold | undefined): WeightValues {
  const kernel = requireWeight(layer, key);
  return fold === undefined ? kernel : foldIntoKernel(kernel, fold.scale);
}

/** The layer's bias (`undefined` when it has none and nothing is folded in), with `fold` applied. */
export function layerBias(layer: TfLayer, config: Record<string, unknown>, fold: BatchNormFold | undefined): WeightValues | undefined {
  const bias = config.useBias === false ? undefined : findWeight(layer, 'bias');
  return fold === undefined ? bias : foldIntoBias(bias, fold);
}
