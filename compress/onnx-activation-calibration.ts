/**
 * Static activation quantization for the ONNX exporter: runs calibration inputs
 * through the tfjs model, picks a uint8 range for each value that gets a
 * QuantizeLinear → DequantizeLinear pair (min-max or percentile), and the exporter
 * writes the pairs. With `placement: 'operators'` (the default) the pairs sit
 * around the convolutions that are faster on integer kernels (`onnx-integer-plan.ts`),
 * so ONNX Runtime's graph optimizer (wasm EP included) fuses DequantizeLinear → Conv
 * → QuantizeLinear into QLinearConv and the Adds between them into QLinearAdd
 * (uint8 activations, int8 weights, int32 biases).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { layerConfig } from './onnx-convert-context.ts';

/** How activation ranges are read from the calibration outputs. */
export type CalibrationMethod = 'min-max' | 'percentile';

/**
 * Where QDQ pairs go. `operators`: on the inputs of the ops ONNX Runtime has integer
 * kernels for (the fast form). `activations`: after each activation function only
 * (simulates quantized activations; ONNX Runtime still computes in float).
 */
export type ActivationPlacement = 'operators' | 'activations';

/** The `quantization.activations` option of `exportOnnx`. */
export interface ActivationQuantizationOptions {
  /** Calibration inputs: `count × (product of the model's input shape)` values, e.g. a few hundred training images. */
  calibration: Float32Array;
  /** `min-max` takes the full observed range; `percentile` clips outliers. @defaultValue 'min-max' */
  method?: CalibrationMethod;
  /** For `percentile`: the upper percentile kept (the lower one is 100 − this); averaged over chunks when the calibration outputs pass 2²⁴ values. @defaultValue 99.99 */
  percentile?: number;
  /** Which values get a QDQ pair. @defaultValue 'operators' */
  placement?: ActivationPlacement;
  /**
   * With `placement: 'operators'`: a Conv2D runs on integer kernels when its reduction
   * (input channels × kernel area) is at least this; the others compute in float.
   * @defaultValue 48 (see `onnx-integer-plan.ts` for the measurements)
   */
  minIntegerReduction?: number;
}

/** uint8 asymmetric quantization of one activation: real = (q − zeroPoint) · scale. */
export interface ActivationRange {
  scale: number;
  zeroPoint: number;
}

/** Layer classes whose output is an activation function's. */
const ACTIVATION_LAYERS = new Set(['ReLU', 'Activation', 'LeakyReLU', 'ELU', 'Softmax']);

/**
 * The symbolic tensors that get a QDQ pair: outputs of activation layers and of
 * layers with a non-linear `activation`, except the model output (kept float so
 * the logits are exact up to the weights' error).
 */
export function activationTensors(model: LayersModel): SymbolicTensor[] {
  const outputs = new Set(model.outputs.map((t) => t.id));
  const found: SymbolicTensor[] = [];
  for (const layer of model.layers) {
    const activation = layerConfig(layer).activation;
    const isActivation = ACTIVATION_LAYERS.has(layer.getClassName()) || (typeof activation === 'string' && activation !== 'linear');
    if (!isActivation) continue;
    for (const node of layer.inboundNodes) for (const t of node.outputTensors) if (!outputs.has(t.id)) found.push(t);
  }
  return found;
}

/** Activation values held per predict call (64 MiB of float32): bounds the memory of large feature maps. */
const CHUNK_VALUES = 2 ** 24;

/**
 * Runs `options.calibration` through `model` (in chunks of at most 2²⁴ activation values) and returns
 * the uint8 range of every tensor of `tensors` (by default {@link activationTensors}),
 * by tensor id. Ranges always include 0, so zero (ReLU's floor, padding) is exact.
 *
 * @throws {RangeError} when the calibration data do not fit the input shape or the percentile is outside (50, 100].
 */
export function calibrateActivations(
  model: LayersModel,
  options: ActivationQuantizationOptions,
  tensors: SymbolicTensor[] = activationTensors(model),
): Map<number, ActivationRange> {
  const { calibration, method = 'min-max', percentile = 99.99 } = options;
  if (!(percentile > 50 && percentile <= 100)) throw new RangeError(`percentile must be in (50, 100], got ${percentile}`);
  const featureShape = model.inputs[0].shape.slice(1);
  if (featureShape.some((d) => d === null)) throw new RangeError('activation calibration needs a fully known input shape');
  const rowSize = (featureShape as number[]).reduce((a, b) => a * b, 1);
  if (calibration.length === 0 || calibration.length % rowSize !== 0) {
    throw new RangeError(`calibration holds ${calibration.length} values, not a positive multiple of ${rowSize} (one input)`);
  }
  const ranges = new Map<number, ActivationRange>();
  if (tensors.length === 0) return ranges;
  const inputId = model.inputs[0].id;
  const inner = tensors.filter((t) => t.id !== inputId);
  const probe = inner.length === 0 ? undefined : tfl.model({ inputs: model.inputs, outputs: inner });
  const lows = new Map<number, number[]>(tensors.map((t) => [t.id, []]));
  const highs = new Map<number, number[]>(tensors.map((t) => [t.id, []]));
  const observe = (id: number, values: Float32Array) => {
    const [lo, hi] = method === 'min-max' ? minMax(values) : percentileRange(values, percentile);
    lows.get(id)!.push(lo);
    highs.get(id)!.push(hi);
  };
  const count = calibration.length / rowSize;
  const perRow = tensors.reduce((sum, t) => sum + t.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1), 0);
  const chunk = Math.max(1, Math.floor(CHUNK_VALUES / Math.max(1, perRow)));
  for (let start = 0; start < count; start += chunk) {
    const rows = calibration.subarray(start * rowSize, Math.min(count, start + chunk) * rowSize);
    if (lows.has(inputId)) observe(inputId, rows);
    if (probe === undefined) continue;
    const outputs = tf.tidy(() => {
      const predicted = probe.predict(tf.tensor(rows, [rows.length / rowSize, ...(featureShape as number[])]));
      return Array.isArray(predicted) ? predicted : [predicted];
    });
    inner.forEach((t, i) => observe(t.id, outputs[i].dataSync() as Float32Array));
    tf.dispose(outputs);
  }
  // min-max: the extremes over all chunks; percentile: the chunks' percentiles averaged.
  const combine = (values: number[], pick: (a: number, b: number) => number) =>
    method === 'min-max' ? values.reduce((a, b) => pick(a, b)) : values.reduce((a, b) => a + b, 0) / values.length;
  for (const t of tensors) ranges.set(t.id, uint8Range(combine(lows.get(t.id)!, Math.min), combine(highs.get(t.id)!, Math.max)));
  return ranges;
}

function minMax(values: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function percentileRange(values: Float32Array, percentile: number): [number, number] {
  const sorted = Float32Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
  return [at(100 - percentile), at(percentile)];
}

/** Scale and zero point covering [lo, hi] ∪ {0} with 256 levels. */
export function uint8Range(lo: number, hi: number): ActivationRange {
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  if (!(max > min)) return { scale: 1, zeroPoint: 0 };
  const scale = (max - min) / 255;
  return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-min / scale))) };
}
