/**
 * ONNX conversions of tfjs's core, normalisation, activation and merge layers,
 * and the table of every layer class the exporter supports.
 */
import { applyActivation, clip, softmaxLastAxis } from './onnx-activations.ts';
import { batchNormAffine, layerBias, layerKernel } from './onnx-batchnorm-folding.ts';
import { CONV_CONVERTERS } from './onnx-conv-converters.ts';
import {
  configError,
  layerConfig,
  type ConvertContext,
  type LayerConverter,
  type Layout,
  type OnnxTensor,
} from './onnx-convert-context.ts';

const dense: LayerConverter = (layer, [x], ctx) => {
  const config = layerConfig(layer);
  const fold = ctx.batchNormFold(layer);
  // MatMul broadcasts over leading axes, like tfjs Dense on rank > 2 inputs.
  let y = ctx.matMul(layer, ctx.tfOrder(x), x.shape.length, () => layerKernel(layer, 'kernel', fold));
  const bias = layerBias(layer, config, fold);
  if (bias !== undefined) y = ctx.graph.node('Add', [y, ctx.initializer(`${layer.name}/bias`, () => bias)], layer.name);
  return applyActivation(ctx, layer, { name: y, layout: 'tf', shape: x.shape }, config.activation);
};

const flatten: LayerConverter = (layer, [x], ctx) => {
  const config = layerConfig(layer);
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') {
    throw configError(layer, `dataFormat '${String(config.dataFormat)}' is not supported`);
  }
  // tfjs flattens in HWC order, so an NCHW value goes back to NHWC first.
  return { name: ctx.graph.node('Flatten', [ctx.tfOrder(x)], layer.name, [{ name: 'axis', int: 1 }]), layout: 'tf' };
};

const reshape: LayerConverter = (layer, [x], ctx) => {
  const target = layerConfig(layer).targetShape;
  if (!Array.isArray(target)) throw configError(layer, 'targetShape is missing');
  // tfjs stores the inferred dimension as null; ONNX spells it -1. The leading 0 copies the batch size.
  const shape = [0, ...target.map((d) => (d === null ? -1 : Number(d)))];
  const g = ctx.graph;
  return { name: g.node('Reshape', [ctx.tfOrder(x), g.int64Vector(`${layer.name}/shape`, shape)], layer.name), layout: 'tf' };
};

/** Layers that are the identity at inference time. */
const identity: LayerConverter = (_layer, [x]) => ({ name: x.name, layout: x.layout });

const batchNormalization: LayerConverter = (layer, [x], ctx) => {
  if (ctx.isFoldedBatchNorm(layer)) return { name: x.name, layout: x.layout };
  const { scale, shift } = batchNormAffine(layer, x.shape.length);
  // Channels are axis 1 of an NCHW value (shape [C,1,1] broadcasts) and the last axis otherwise.
  const dims = x.layout === 'nchw' ? [scale.length, 1, 1] : [scale.length];
  const g = ctx.graph;
  const scaleName = ctx.initializer(`${layer.name}/scale/${x.layout}`, () => ({ shape: dims, values: scale }));
  const shiftName = ctx.initializer(`${layer.name}/shift/${x.layout}`, () => ({ shape: dims, values: shift }));
  const scaled = g.node('Mul', [x.name, scaleName], layer.name);
  return { name: g.node('Add', [scaled, shiftName], layer.name), layout: x.layout };
};

const activation: LayerConverter = (layer, [x], ctx) => applyActivation(ctx, layer, x, layerConfig(layer).activation);

const relu: LayerConverter = (layer, [x], ctx) => {
  const maxValue = layerConfig(layer).maxValue;
  if (maxValue === undefined || maxValue === null) return { name: ctx.graph.node('Relu', [x.name], layer.name), layout: x.layout };
  return clip(ctx, x, 0, Number(maxValue), layer.name);
};

const leakyRelu: LayerConverter = (layer, [x], ctx) => ({
  name: ctx.graph.node('LeakyRelu', [x.name], layer.name, [{ name: 'alpha', float: Number(layerConfig(layer).alpha ?? 0.3) }]),
  layout: x.layout,
});

const elu: LayerConverter = (layer, [x], ctx) => ({
  name: ctx.graph.node('Elu', [x.name], layer.name, [{ name: 'alpha', float: Number(layerConfig(layer).alpha ?? 1) }]),
  layout: x.layout,
});

const softmax: LayerConverter = (layer, [x], ctx) => {
  const axis = layerConfig(layer).axis ?? -1;
  if (typeof axis !== 'number') throw configError(layer, `softmax over several axes (${JSON.stringify(axis)}) is not supported`);
  return softmaxLastAxis(ctx, layer, x, 'Softmax', axis);
};

/** Brings every input into one layout: NCHW only if all are rank 4 and the first is NCHW. */
function commonLayout(inputs: OnnxTensor[], ctx: ConvertContext): { names: string[]; layout: Layout } {
  const layout: Layout = inputs[0].layout === 'nchw' && inputs.every((t) => t.shape.length === 4) ? 'nchw' : 'tf';
  return { names: inputs.map((t) => ctx.inLayout(t, layout)), layout };
}

/**
 * An element-wise merge layer: `binary` for two inputs; for more, the variadic
 * op when ONNX has one, else a chain of `binary`.
 */
function merge(binary: string, variadic?: string): LayerConverter {
  return (layer, inputs, ctx) => {
    const { names, layout } = commonLayout(inputs, ctx);
    const g = ctx.graph;
    if (names.length === 1) return { name: names[0], layout };
    if (names.length === 2 || variadic === undefined) {
      let acc = names[0];
      for (const next of names.slice(1)) acc = g.node(binary, [acc, next], layer.name);
      return { name: acc, layout };
    }
    return { name: g.node(variadic, names, layer.name), layout };
  };
}

const subtract: LayerConverter = (layer, inputs, ctx) => {
  if (inputs.length !== 2) throw configError(layer, `Subtract needs exactly 2 inputs, got ${inputs.length}`);
  return merge('Sub')(layer, inputs, ctx);
};

const concatenate: LayerConverter = (layer, inputs, ctx) => {
  const rank = inputs[0].shape.length;
  const rawAxis = Number(layerConfig(layer).axis ?? -1);
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  const { names, layout } = commonLayout(inputs, ctx);
  // tfjs NHWC axis → position in an NCHW value.
  const onnxAxis = layout === 'nchw' ? [0, 2, 3, 1][axis] : axis;
  return { name: ctx.graph.node('Concat', names, layer.name, [{ name: 'axis', int: onnxAxis }]), layout };
};

/**
 * Every tfjs layer class `exportOnnx` converts, by `getClassName()`. `InputLayer`
 * is handled by the exporter itself (it becomes the graph input).
 */
export const LAYER_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Dense: dense,
  Flatten: flatten,
  Reshape: reshape,
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  BatchNormalization: batchNormalization,
  Activation: activation,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  ELU: elu,
  Softmax: softmax,
  Add: merge('Add', 'Sum'),
  Multiply: merge('Mul'),
  Subtract: subtract,
  Average: merge('Mean', 'Mean'),
  Maximum: merge('Max', 'Max'),
  Minimum: merge('Min', 'Min'),
  Concatenate: concatenate,
  ...CONV_CONVERTERS,
};
