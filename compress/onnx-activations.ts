/**
 * tfjs activation functions as ONNX nodes. Element-wise activations work in any
 * layout; softmax-like ones run over the last tfjs axis, so they first bring the
 * value back to tfjs order.
 */
import { configError, type ConvertContext, type ConvertedValue, type OnnxTensor, type TfLayer } from './onnx-convert-context.ts';

/** The tfjs activation names {@link applyActivation} converts. */
export const SUPPORTED_ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'tanh',
  'softmax',
  'logSoftmax',
  'elu',
  'selu',
  'softplus',
  'softsign',
  'hardSigmoid',
  'swish',
  'mish',
] as const;

/**
 * Applies the tfjs activation `activation` (a serialised name such as `relu` or
 * `hardSigmoid`) to `input`, which holds the output of `layer`.
 *
 * @throws CompressError `UNSUPPORTED_CONFIG` for other activations.
 */
export function applyActivation(
  ctx: ConvertContext,
  layer: TfLayer,
  input: OnnxTensor,
  activation: unknown,
): ConvertedValue {
  const g = ctx.graph;
  const hint = `${layer.name}/${String(activation)}`;
  const unary = (op: string, attributes: Parameters<typeof g.node>[3] = []): ConvertedValue => ({
    name: g.node(op, [input.name], hint, attributes),
    layout: input.layout,
  });
  switch (activation) {
    case undefined:
    case null:
    case 'linear':
      return { name: input.name, layout: input.layout };
    case 'relu':
      return unary('Relu');
    case 'relu6':
      return clip(ctx, input, 0, 6, hint);
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'elu':
      return unary('Elu', [{ name: 'alpha', float: 1 }]);
    case 'selu':
      // ONNX's default alpha/gamma are TF's SELU constants.
      return unary('Selu');
    case 'softplus':
      return unary('Softplus');
    case 'softsign':
      return unary('Softsign');
    case 'hardSigmoid':
      // tfjs: clip(0.2·x + 0.5, 0, 1).
      return unary('HardSigmoid', [
        { name: 'alpha', float: 0.2 },
        { name: 'beta', float: 0.5 },
      ]);
    case 'swish': {
      const sigmoid = g.node('Sigmoid', [input.name], hint);
      return { name: g.node('Mul', [input.name, sigmoid], hint), layout: input.layout };
    }
    case 'mish': {
      const softplus = g.node('Softplus', [input.name], hint);
      const tanh = g.node('Tanh', [softplus], hint);
      return { name: g.node('Mul', [input.name, tanh], hint), layout: input.layout };
    }
    case 'softmax':
    case 'logSoftmax':
      return softmaxLastAxis(ctx, layer, input, activation === 'softmax' ? 'Softmax' : 'LogSoftmax', -1);
    default:
      throw configError(layer, `activation '${String(activation)}' is not supported (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`);
  }
}

/** `min(max(x, lo), hi)`, with the bounds as inputs (the Clip form since opset 11). */
export function clip(ctx: ConvertContext, input: OnnxTensor, lo: number, hi: number, hint: string): ConvertedValue {
  const g = ctx.graph;
  return { name: g.node('Clip', [input.name, g.floatScalar(lo), g.floatScalar(hi)], hint), layout: input.layout };
}

/**
 * Softmax / LogSoftmax over tfjs axis `axis` (negative counts from the back),
 * computed in tfjs order. Before opset 13 ONNX Softmax flattens from `axis`
 * on, which equals a per-axis softmax only for the last axis.
 */
export function softmaxLastAxis(
  ctx: ConvertContext,
  layer: TfLayer,
  input: OnnxTensor,
  op: 'Softmax' | 'LogSoftmax',
  axis: number,
): ConvertedValue {
  const rank = input.shape.length;
  const positive = axis < 0 ? axis + rank : axis;
  if (positive < 0 || positive >= rank) throw configError(layer, `softmax axis ${axis} is outside a rank-${rank} tensor`);
  if (ctx.opset < 13 && positive !== rank - 1) {
    throw configError(layer, `softmax over axis ${axis} of a rank-${rank} tensor needs opset ≥ 13`);
  }
  const x = ctx.tfOrder(input);
  return { name: ctx.graph.node(op, [x], `${layer.name}/${op}`, [{ name: 'axis', int: positive }]), layout: 'tf' };
}
