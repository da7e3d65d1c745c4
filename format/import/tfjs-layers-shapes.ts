/**
 * Shape inference over a tfjs (Keras) layers topology, without tfjs: the names,
 * shapes and dtypes of a layers model's inputs and outputs, from `model.json` alone.
 * Sequential and functional models (tfjs and Keras 2 `inbound_nodes`, Keras 3
 * `keras_history`), nested models, and the layers image and tabular models are made of;
 * a layer it does not know gives an output of unknown shape (`undefined`), which the
 * caller turns into a typed error naming the layer.
 */
import type { TensorInfo } from './tensor-info.ts';

/** A shape with -1 for an unknown size; `undefined` for an unknown rank. */
type Shape = number[] | undefined;

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name?: string; layers?: LayerJson[] };
  inbound_nodes?: unknown[];
}

/** What {@link layersSignature} finds. */
export interface LayersSignature {
  inputs: TensorInfo[];
  /** Outputs; `shape` is empty and `unknownAt` names the layer when a shape could not be inferred. */
  outputs: TensorInfo[];
  /** Per output: the activation its last layer applies (`softmax`, `sigmoid`, `linear`, …). */
  activations: string[];
}

const IDENTITY = new Set([
  'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', 'Softmax', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D',
  'AlphaDropout', 'GaussianDropout', 'GaussianNoise', 'BatchNormalization', 'LayerNormalization', 'Rescaling', 'Normalization', 'Masking',
  'ActivityRegularization', 'Identity', 'CenterCrop',
]);
const MERGE = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum']);
const MODELS = new Set(['Sequential', 'Model', 'Functional']);

const num = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
const pair = (value: unknown, fallback: number): [number, number] =>
  Array.isArray(value) ? [num(value[0], fallback), num(value[1] ?? value[0], fallback)] : [num(value, fallback), num(value, fallback)];
const dimOf = (value: unknown): number => (typeof value === 'number' && value >= 1 ? value : -1);

/** The size of a sliding window's output along one axis (Keras `conv_output_length`). */
function windowed(size: number, kernel: number, stride: number, padding: unknown, dilation = 1): number {
  if (size === -1) return -1;
  const span = (kernel - 1) * dilation + 1;
  return padding === 'same' || padding === 'causal' ? Math.ceil(size / stride) : Math.floor((size - span) / stride) + 1;
}

/** Output shape of a 2-D convolution or pooling layer. */
function spatial2d(input: number[], config: Record<string, unknown>, kernelKey: string, channels: (inChannels: number) => number): Shape {
  if (input.length !== 4) return undefined;
  const first = config.data_format === 'channels_first';
  const [h, w, c] = first ? [input[2]!, input[3]!, input[1]!] : [input[1]!, input[2]!, input[3]!];
  const [kh, kw] = pair(config[kernelKey], 1);
  const [sh, sw] = pair(config.strides ?? (kernelKey === 'pool_size' ? config.pool_size : 1), 1);
  const [dh, dw] = pair(config.dilation_rate, 1);
  const oh = windowed(h, kh, sh, config.padding, dh);
  const ow = windowed(w, kw, sw, config.padding, dw);
  const oc = channels(c);
  return first ? [input[0]!, oc, oh, ow] : [input[0]!, oh, ow, oc];
}

/** Output shape of a 1-D convolution or pooling layer (channels last). */
function spatial1d(input: number[], config: Record<string, unknown>, kernelKey: string, channels: (inChannels: number) => number): Shape {
  if (input.length !== 3) return undefined;
  const [k] = pair(config[kernelKey], 1);
  const [s] = pair(config.strides ?? (kernelKey === 'pool_size' ? config.pool_size : 1), 1);
  const [d] = pair(config.dilation_rate, 1);
  return [input[0]!, windowed(input[1]!, k, s, config.padding, d), channels(input[2]!)];
}

const product = (dims: readonly number[]): number => (dims.some((d) => d === -1) ? -1 : dims.reduce((a, b) => a * b, 1));

/** The output shape of one layer from its input shapes, or `undefined` when this table does not know it. */
function layerOutput(layer: LayerJson, inputs: Shape[]): Shape {
  const c = layer.config;
  const x = inputs[0];
  if (MODELS.has(layer.class_name)) return modelSignature(layer, inputs).outputs[0]?.shape;
  if (x === undefined) return undefined;
  const cls = layer.class_name;
  if (IDENTITY.has(cls)) return x;
  if (MERGE.has(cls)) return x;
  switch (cls) {
    case 'Dense':
      return [...x.slice(0, -1), num(c.units, -1)];
    case 'Flatten':
      return [x[0]!, product(x.slice(1))];
    case 'Conv2D':
      return spatial2d(x, c, 'kernel_size', () => num(c.filters, -1));
    case 'SeparableConv2D':
      return spatial2d(x, c, 'kernel_size', () => num(c.filters, -1));
    case 'DepthwiseConv2D':
      return spatial2d(x, c, 'kernel_size', (ch) => (ch === -1 ? -1 : ch * num(c.depth_multiplier, 1)));
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return spatial2d(x, c, 'pool_size', (ch) => ch);
    case 'Conv1D':
      return spatial1d(x, c, 'kernel_size', () => num(c.filters, -1));
    case 'MaxPooling1D':
    case 'AveragePooling1D':
      return spatial1d(x, c, 'pool_size', (ch) => ch);
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      if (x.length !== 4) return undefined;
      return c.keepdims === true ? undefined : [x[0]!, c.data_format === 'channels_first' ? x[1]! : x[3]!];
    case 'GlobalAveragePooling1D':
    case 'GlobalMaxPooling1D':
      return x.length === 3 && c.keepdims !== true ? [x[0]!, x[2]!] : undefined;
    case 'ZeroPadding2D': {
      if (x.length !== 4 || c.data_format === 'channels_first') return undefined;
      // Keras: an int (all sides), [rows, cols] (symmetric), or [[top, bottom], [left, right]].
      const p = c.padding as unknown;
      const nested = Array.isArray(p) && Array.isArray(p[0]);
      const [rows, cols] = nested ? [pair((p as unknown[][])[0], 0), pair((p as unknown[][])[1], 0)] : pair(p, 1).map((n) => [n, n] as [number, number]);
      const grow = (n: number, by: [number, number]) => (n === -1 ? -1 : n + by[0] + by[1]);
      return [x[0]!, grow(x[1]!, rows!), grow(x[2]!, cols!), x[3]!];
    }
    case 'UpSampling2D': {
      if (x.length !== 4 || c.data_format === 'channels_first') return undefined;
      const [sh, sw] = pair(c.size, 2);
      return [x[0]!, x[1] === -1 ? -1 : x[1]! * sh, x[2] === -1 ? -1 : x[2]! * sw, x[3]!];
    }
    case 'Reshape': {
      const target = Array.isArray(c.target_shape) ? (c.target_shape as unknown[]).map(dimOf) : undefined;
      if (!target) return undefined;
      const known = product(x.slice(1));
      const free = target.indexOf(-1);
      if (free !== -1 && known !== -1) target[free] = known / product(target.filter((d) => d !== -1));
      return [x[0]!, ...target];
    }
    case 'Permute':
      return Array.isArray(c.dims) ? [x[0]!, ...(c.dims as number[]).map((d) => x[d] ?? -1)] : undefined;
    case 'RepeatVector':
      return [x[0]!, num(c.n, -1), ...x.slice(1)];
    case 'Embedding':
      return [...x, num(c.output_dim, -1)];
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN':
      return x.length === 3 ? (c.return_sequences === true ? [x[0]!, x[1]!, num(c.units, -1)] : [x[0]!, num(c.units, -1)]) : undefined;
    case 'Concatenate': {
      if (inputs.some((s) => s === undefined || s.length !== x.length)) return undefined;
      const axis = num(c.axis, -1) < 0 ? x.length + num(c.axis, -1) : num(c.axis, -1);
      const out = [...x];
      out[axis] = product((inputs as number[][]).map((s) => s[axis]!)) === -1 ? -1 : (inputs as number[][]).reduce((sum, s) => sum + s[axis]!, 0);
      return out;
    }
    default:
      return undefined;
  }
}

/** The activation a layer applies last, for the output's `activation`. */
function activationOf(layer: LayerJson): string {
  if (layer.class_name === 'Softmax') return 'softmax';
  if (typeof layer.config.activation === 'string') return layer.config.activation;
  return 'linear';
}

/** The batch input shape an (Input)Layer declares: `batch_input_shape`, Keras 3 `batch_shape`, or `input_shape`. */
function declaredInputShape(config: Record<string, unknown>): number[] | undefined {
  const batch = config.batch_input_shape ?? config.batch_shape ?? config.batchInputShape;
  if (Array.isArray(batch)) return batch.map(dimOf);
  const input = config.input_shape ?? config.inputShape;
  if (Array.isArray(input)) return [-1, ...input.map(dimOf)];
  return undefined;
}

/** The dtype an (Input)Layer declares (Keras 3 may give a policy object). */
function declaredDtype(config: Record<string, unknown>): string {
  const dtype = config.dtype;
  if (typeof dtype === 'string') return dtype;
  const policy = (dtype as { config?: { name?: unknown } } | undefined)?.config?.name;
  return typeof policy === 'string' && !policy.startsWith('mixed') ? policy : 'float32';
}

/** `[layerName, tensorIndex]` of every input of a functional layer's first call. */
function inboundOf(layer: LayerJson): Array<[string, number]> {
  const node = layer.inbound_nodes?.[0];
  if (node === undefined) return [];
  if (Array.isArray(node)) return node.filter(Array.isArray).map((entry) => [String(entry[0]), num(entry[2], 0)]);
  // Keras 3: `{ args: [...], kwargs }` holding `{ config: { keras_history: [name, node, tensor] } }` objects.
  const found: Array<[string, number]> = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      const history = (value as { config?: { keras_history?: unknown[] } }).config?.keras_history;
      if (Array.isArray(history)) found.push([String(history[0]), num(history[2], 0)]);
      else Object.values(value).forEach(visit);
    }
  };
  visit((node as { args?: unknown }).args);
  return found;
}

/** `[[name, node, tensor], …]` or Keras 3's flat `[name, node, tensor]` → layer names. */
function endpointNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  if (typeof value[0] === 'string') return [value[0]];
  return value.filter(Array.isArray).map((entry) => String(entry[0]));
}

const layerName = (layer: LayerJson): string => String(layer.config.name ?? layer.name ?? layer.class_name);

/**
 * The signature of a layers model topology (`model.json`'s `modelTopology`, or its
 * `model_config`). `given` feeds a nested model's inputs from its caller.
 */
export function modelSignature(model: LayerJson, given: Shape[] = []): LayersSignature {
  const config = model.config as Record<string, unknown>;
  const layers: LayerJson[] = Array.isArray(model.config) ? (model.config as LayerJson[]) : Array.isArray(config.layers) ? (config.layers as LayerJson[]) : [];
  if (model.class_name === 'Sequential') return sequentialSignature(model, layers, given);
  const shapes = new Map<string, Shape>();
  const byName = new Map(layers.map((layer) => [layerName(layer), layer]));
  const inputs: TensorInfo[] = endpointNames(config.input_layers).map((name, i) => {
    const layer = byName.get(name);
    const shape = given[i] ?? (layer ? declaredInputShape(layer.config) : undefined);
    shapes.set(name, shape);
    return { name, shape: shape ?? [], dtype: layer ? declaredDtype(layer.config) : 'float32', ...(shape ? {} : { unknownAt: name }) };
  });
  const visiting = new Set<string>();
  const shapeOf = (name: string): Shape => {
    if (shapes.has(name)) return shapes.get(name);
    const layer = byName.get(name);
    if (!layer || visiting.has(name)) return undefined;
    visiting.add(name);
    const shape = layerOutput(layer, inboundOf(layer).map(([from]) => shapeOf(from)));
    shapes.set(name, shape);
    return shape;
  };
  const outputNames = endpointNames(config.output_layers);
  return {
    inputs,
    outputs: outputNames.map((name) => withShape(name, shapeOf(name), firstUnknown(name, shapeOf, byName))),
    activations: outputNames.map((name) => (byName.has(name) ? activationOf(byName.get(name)!) : 'linear')),
  };
}

function sequentialSignature(model: LayerJson, layers: LayerJson[], given: Shape[]): LayersSignature {
  const first = layers[0];
  const last = layers[layers.length - 1];
  if (!first || !last) return { inputs: [], outputs: [], activations: [] };
  const isInput = first.class_name === 'InputLayer';
  let shape: Shape = given[0] ?? declaredInputShape(first.config);
  const input: TensorInfo = { name: isInput ? layerName(first) : `${layerName(first)}_input`, shape: shape ?? [], dtype: declaredDtype(first.config) };
  if (shape === undefined) input.unknownAt = `${layerName(first)} (no batch_input_shape)`;
  let unknownAt: string | undefined;
  for (const layer of isInput ? layers.slice(1) : layers) {
    const next = layerOutput(layer, [shape]);
    if (next === undefined && shape !== undefined) unknownAt = `${layerName(layer)} (${layer.class_name})`;
    shape = next;
  }
  return { inputs: [input], outputs: [withShape(layerName(last), shape, unknownAt)], activations: [activationOf(last)] };
}

function withShape(name: string, shape: Shape, unknownAt: string | undefined): TensorInfo {
  return shape === undefined ? { name, shape: [], dtype: 'float32', unknownAt: unknownAt ?? name } : { name, shape, dtype: 'float32' };
}

/** The first layer on the way to `name` whose shape is unknown although its inputs' are known. */
function firstUnknown(name: string, shapeOf: (name: string) => Shape, byName: Map<string, LayerJson>): string | undefined {
  const seen = new Set<string>();
  const walk = (at: string): string | undefined => {
    if (seen.has(at) || shapeOf(at) !== undefined) return undefined;
    seen.add(at);
    const layer = byName.get(at);
    if (!layer) return at;
    for (const [from] of inboundOf(layer)) {
      const deeper = walk(from);
      if (deeper !== undefined) return deeper;
    }
    return `${at} (${layer.class_name})`;
  };
  return walk(name);
}
