/**
 * Which layers of a statically quantized ONNX export run on ONNX Runtime's integer
 * kernels, and which values get a QuantizeLinear → DequantizeLinear pair for that.
 *
 * Measured on onnxruntime-web 1.30's wasm EP (one thread, in Node and Chromium's V8),
 * against the float FusedConv of the same graph: QLinearConv wins only on long
 * reductions — a 1×1 conv with 128 input channels takes 0.73× the float time, 64
 * about the same, 8–32 1.4–2.3×, and a 3×3 depthwise conv 4.5× (its uint8 kernel
 * is not vectorised; each output needs a requantisation for 9 products). So a Conv2D
 * gets integer kernels only when its reduction (input channels × kernel area) is at
 * least `minReduction`; every other kernel computes in float.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { BatchNormFold } from './onnx-convert-context.ts';
import { layerConfig, type TfLayer } from './onnx-convert-context.ts';

/** Reduction length from which a Conv2D runs as QLinearConv by default (see the file header). */
export const DEFAULT_MIN_INTEGER_REDUCTION = 48;

/** Layers that pass a quantized value through to the QuantizeLinear ONNX Runtime fuses (folded BN, ReLU / ReLU6). */
function isPassThrough(layer: TfLayer, folds: ReadonlyMap<string, BatchNormFold>): boolean {
  const className = layer.getClassName();
  if (className === 'BatchNormalization') return [...folds.values()].some((f) => f.batchNorm.name === layer.name);
  if (className === 'ReLU') return true;
  if (className === 'Activation') return ['relu', 'relu6'].includes(String(layerConfig(layer).activation));
  return ['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout'].includes(className);
}

/**
 * The Conv2D layers (ungrouped, activation none / relu / relu6) whose reduction
 * `inChannels × kh × kw` is at least `minReduction`.
 */
export function integerLayers(model: LayersModel, minReduction = DEFAULT_MIN_INTEGER_REDUCTION): Set<string> {
  const found = new Set<string>();
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const config = layerConfig(layer);
    const activation = config.activation ?? 'linear';
    if (!['linear', 'relu', 'relu6'].includes(String(activation))) continue;
    const kernel = layer.weights.find((w) => w.originalName.split('/').pop() === 'kernel');
    if (kernel === undefined) continue;
    const [kh, kw, inChannels] = kernel.shape as number[];
    if (kh * kw * inChannels >= minReduction) found.add(layer.name);
  }
  return found;
}

/**
 * The tensors that get a QDQ pair so that the `integer` layers fuse into
 * QLinearConv (and Adds between them into QLinearAdd): every value an integer
 * layer reads (through a ZeroPadding2D, which the exporter folds into the Conv),
 * and every value an integer layer produces, after the folded BatchNormalization
 * and ReLU that follow it. The model output stays float.
 */
export function integerPlanTensors(model: LayersModel, integer: ReadonlySet<string>, folds: ReadonlyMap<string, BatchNormFold>): SymbolicTensor[] {
  const outputs = new Set(model.outputs.map((t) => t.id));
  const consumers = new Map<number, Array<{ layer: TfLayer; outputs: SymbolicTensor[] }>>();
  const all = new Map<number, SymbolicTensor>();
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes) {
      for (const t of node.outputTensors) all.set(t.id, t);
      for (const t of node.inputTensors) {
        all.set(t.id, t);
        consumers.set(t.id, [...(consumers.get(t.id) ?? []), { layer, outputs: node.outputTensors }]);
      }
    }
  }
  const readByInteger = (t: SymbolicTensor, depth = 0): boolean =>
    depth < 8 &&
    (consumers.get(t.id) ?? []).some(
      (c) => integer.has(c.layer.name) || (c.layer.getClassName() === 'ZeroPadding2D' && c.outputs.some((o) => readByInteger(o, depth + 1))),
    );
  const producedByInteger = (t: SymbolicTensor, depth = 0): boolean => {
    const layer = t.sourceLayer;
    if (integer.has(layer.name)) return true;
    if (depth >= 8 || !isPassThrough(layer, folds)) return false;
    const inputs = layer.inboundNodes[t.nodeIndex]?.inputTensors ?? [];
    return inputs.length === 1 && producedByInteger(inputs[0], depth + 1);
  };
  const lastOfChain = (t: SymbolicTensor) => !(consumers.get(t.id) ?? []).some((c) => isPassThrough(c.layer, folds));
  return [...all.values()].filter(
    (t) => !outputs.has(t.id) && t.sourceLayer.getClassName() !== 'ZeroPadding2D' && (readByInteger(t) || (producedByInteger(t) && lastOfChain(t))),
  );
}
