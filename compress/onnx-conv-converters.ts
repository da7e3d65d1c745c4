/**
 * ONNX conversions of tfjs's 2-D spatial layers. ONNX Conv and pooling are
 * channels-first, so these take their input through `ctx.nchw()` and leave their
 * output NCHW; the exporter transposes back only where tfjs order matters
 * (Flatten, Dense, Reshape, softmax, the graph output).
 */
import { applyActivation } from './onnx-activations.ts';
import { layerBias, layerKernel } from './onnx-batchnorm-folding.ts';
import {
  configError,
  layerConfig,
  pair,
  requireChannelsLast,
  requireWeight,
  type ConvertContext,
  type ConvertedValue,
  type LayerConverter,
  type OnnxTensor,
  type TfLayer,
} from './onnx-convert-context.ts';
import type { OnnxAttribute } from './onnx-graph-builder.ts';

/** TF 'SAME' padding of one spatial dimension: `[begin, end]`, the odd pixel at the end. */
export function samePadding(inSize: number, kernel: number, stride: number, dilation: number): [number, number] {
  const effectiveKernel = (kernel - 1) * dilation + 1;
  const outSize = Math.ceil(inSize / stride);
  const total = Math.max((outSize - 1) * stride + effectiveKernel - inSize, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

/** `pads` (or `auto_pad` when the spatial size is unknown) for a tfjs padding mode. */
function padAttributes(
  layer: TfLayer,
  padding: unknown,
  input: OnnxTensor,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): OnnxAttribute[] {
  if (padding === 'valid') return [{ name: 'pads', ints: [0, 0, 0, 0] }];
  if (padding !== 'same') throw configError(layer, `padding '${String(padding)}' is not supported, only 'same' and 'valid'`);
  const [, height, width] = input.shape;
  // ONNX SAME_UPPER puts the odd pixel at the end, as TF does; used only when sizes are dynamic.
  if (height === null || width === null) return [{ name: 'auto_pad', string: 'SAME_UPPER' }];
  const [top, bottom] = samePadding(height, kernel[0], strides[0], dilations[0]);
  const [left, right] = samePadding(width, kernel[1], strides[1], dilations[1]);
  return [{ name: 'pads', ints: [top, left, bottom, right] }];
}

interface ConvSettings {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  padding: unknown;
}

function convSettings(layer: TfLayer, config: Record<string, unknown>): ConvSettings {
  requireChannelsLast(layer, config);
  return {
    kernel: pair(config.kernelSize, layer, 'kernelSize'),
    strides: pair(config.strides ?? 1, layer, 'strides'),
    dilations: pair(config.dilationRate ?? 1, layer, 'dilationRate'),
    padding: config.padding,
  };
}

/**
 * One ONNX Conv node on an NCHW input; returns the output name. A 'valid' Conv on a
 * value that ZeroPadding2D made takes the padding into its `pads` and reads the
 * unpadded value (the Pad node is then unused and left out of the model), so a
 * quantized input reaches the Conv straight from its DequantizeLinear.
 */
function convNode(
  ctx: ConvertContext,
  layer: TfLayer,
  x: OnnxTensor,
  weightName: string,
  bias: ((input: string) => string) | undefined,
  settings: ConvSettings,
  group: number,
): string {
  const padded = settings.padding === 'valid' ? ctx.padOf(x.name) : undefined;
  const source = padded?.source ?? x;
  const pads = padded === undefined
    ? padAttributes(layer, settings.padding, x, settings.kernel, settings.strides, settings.dilations)
    : [{ name: 'pads', ints: padded.pads } satisfies OnnxAttribute];
  const attributes: OnnxAttribute[] = [
    { name: 'kernel_shape', ints: settings.kernel },
    { name: 'strides', ints: settings.strides },
    { name: 'dilations', ints: settings.dilations },
    { name: 'group', int: group },
    ...pads,
  ];
  const input = ctx.nchw(source);
  const inputs = [input, weightName, ...(bias === undefined ? [] : [bias(input)])];
  return ctx.graph.node('Conv', inputs, layer.name, attributes);
}

/** The layer's bias (BatchNormalization folded in) for a Conv with kernel `weight`, or `undefined` without one. */
function biasOf(ctx: ConvertContext, layer: TfLayer, config: Record<string, unknown>, weight: string): ((input: string) => string) | undefined {
  const bias = layerBias(layer, config, ctx.batchNormFold(layer));
  return bias === undefined ? undefined : (input) => ctx.convBias(layer, input, weight, () => bias);

}

function finish(ctx: ConvertContext, layer: TfLayer, name: string, x: OnnxTensor, config: Record<string, unknown>): ConvertedValue {
  return applyActivation(ctx, layer, { name, layout: 'nchw', shape: x.shape }, config.activation);
}

const conv2d: LayerConverter = (layer, [x], ctx) => {
  const config = layerConfig(layer);
  const settings = convSettings(layer, config);
  const weight = ctx.kernel(layer, 'kernel', 'conv', () => layerKernel(layer, 'kernel', ctx.batchNormFold(layer)));
  const y = convNode(ctx, layer, x, weight, biasOf(ctx, layer, config, weight), settings, 1);
  return finish(ctx, layer, y, x, config);
};

const depthwiseConv2d: LayerConverter = (layer, [x], ctx) => {
  const config = layerConfig(layer);
  const settings = convSettings(layer, config);
  const channels = requireWeight(layer, 'depthwise_kernel').shape[2];
  const weight = ctx.kernel(layer, 'depthwise_kernel', 'depthwise', () => layerKernel(layer, 'depthwise_kernel', ctx.batchNormFold(layer)));
  const y = convNode(ctx, layer, x, weight, biasOf(ctx, layer, config, weight), settings, channels);
  return finish(ctx, layer, y, x, config);
};

const separableConv2d: LayerConverter = (layer, [x], ctx) => {
  const config = layerConfig(layer);
  const settings = convSettings(layer, config);
  const channels = requireWeight(layer, 'depthwise_kernel').shape[2];
  const dwName = ctx.kernel(layer, 'depthwise_kernel', 'depthwise', () => requireWeight(layer, 'depthwise_kernel'));
  const mid = convNode(ctx, layer, x, dwName, undefined, settings, channels);
  // A folded BatchNormalization scales the pointwise (output) kernel only.
  const pwName = ctx.kernel(layer, 'pointwise_kernel', 'conv', () => layerKernel(layer, 'pointwise_kernel', ctx.batchNormFold(layer)));
  const pointwise: ConvSettings = { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid' };
  const midTensor: OnnxTensor = { name: mid, layout: 'nchw', shape: x.shape };
  const y = convNode(ctx, layer, midTensor, pwName, biasOf(ctx, layer, config, pwName), pointwise, 1);
  return finish(ctx, layer, y, x, config);
};

function pooling(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (layer, [x], ctx) => {
    const config = layerConfig(layer);
    requireChannelsLast(layer, config);
    const kernel = pair(config.poolSize, layer, 'poolSize');
    const strides = pair(config.strides ?? config.poolSize, layer, 'strides');
    const attributes: OnnxAttribute[] = [
      { name: 'kernel_shape', ints: kernel },
      { name: 'strides', ints: strides },
      ...padAttributes(layer, config.padding, x, kernel, strides, [1, 1]),
    ];
    // tfjs averages over the window's real pixels only, never the padding.
    if (op === 'AveragePool') attributes.push({ name: 'count_include_pad', int: 0 });
    return { name: ctx.graph.node(op, [ctx.nchw(x)], layer.name, attributes), layout: 'nchw' };
  };
}

function globalPooling(op: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerConverter {
  return (layer, [x], ctx) => {
    const config = layerConfig(layer);
    requireChannelsLast(layer, config);
    const pooled = ctx.graph.node(op, [ctx.nchw(x)], layer.name);
    // [N, C, 1, 1] is NCHW for tfjs's [N, 1, 1, C] (keepDims) …
    if (config.keepDims === true) return { name: pooled, layout: 'nchw' };
    // … and flattens to exactly tfjs's [N, C].
    return { name: ctx.graph.node('Flatten', [pooled], layer.name, [{ name: 'axis', int: 1 }]), layout: 'tf' };
  };
}

const zeroPadding2d: LayerConverter = (layer, [x], ctx) => {
  const config = layerConfig(layer);
  requireChannelsLast(layer, config);
  const padding = config.padding;
  let rows: [number, number];
  let cols: [number, number];
  if (Array.isArray(padding) && padding.length === 2 && Array.isArray(padding[0])) {
    rows = pair(padding[0], layer, 'padding[0]');
    cols = pair(padding[1], layer, 'padding[1]');
  } else {
    const [r, c] = pair(padding, layer, 'padding');
    rows = [r, r];
    cols = [c, c];
  }
  // Pad works in either layout; keep the input's to avoid a Transpose.
  const pads =
    x.layout === 'nchw'
      ? [0, 0, rows[0], cols[0], 0, 0, rows[1], cols[1]]
      : [0, rows[0], cols[0], 0, 0, rows[1], cols[1], 0];
  const g = ctx.graph;
  const name = g.node('Pad', [x.name, g.int64Vector(`${layer.name}/pads`, pads)], layer.name, [
    { name: 'mode', string: 'constant' },
  ]);
  ctx.recordPad(name, x, [rows[0], cols[0], rows[1], cols[1]]);
  return { name, layout: x.layout };
};

/** Converters of the spatial layers, by tfjs class name. */
export const CONV_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  MaxPooling2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AveragePool'),
  GlobalAveragePooling2D: globalPooling('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPooling('GlobalMaxPool'),
  ZeroPadding2D: zeroPadding2d,
};
