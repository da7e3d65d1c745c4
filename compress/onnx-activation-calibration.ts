/**
 * Static activation quantization for the ONNX exporter: runs a calibration batch
 * through the tfjs model, picks a uint8 range for every activation output (min-max
 * or percentile), and the exporter then puts a QuantizeLinear → DequantizeLinear
 * pair after each, so ONNX Runtime sees the standard QDQ form (which its wasm EP
 * may fuse into integer kernels).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { layerConfig } from './onnx-convert-context.ts';

/** How activation ranges are read from the calibration outputs. */
export type CalibrationMethod = 'min-max' | 'percentile';

/** The `quantization.activations` option of `exportOnnx`. */
export interface ActivationQuantizationOptions {
  /** Calibration inputs: `count × (product of the model's input shape)` values, e.g. a few hundred training images. */
  calibration: Float32Array;
  /** `min-max` takes the full observed range; `percentile` clips outliers. @defaultValue 'min-max' */
  method?: CalibrationMethod;
  /** For `percentile`: the upper percentile kept (the lower one is 100 − this). @defaultValue 99.99 */
  percentile?: number;
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

/**
 * Runs `options.calibration` through `model` and returns the uint8 range of every
 * tensor of {@link activationTensors}, by tensor id. Ranges always include 0, so
 * zero (ReLU's floor, padding) is exact.
 *
 * @throws {RangeError} when the calibration data do not fit the input shape or the percentile is outside (50, 100].
 */
export function calibrateActivations(model: LayersModel, options: ActivationQuantizationOptions): Map<number, ActivationRange> {
  const { calibration, method = 'min-max', percentile = 99.99 } = options;
  if (!(percentile > 50 && percentile <= 100)) throw new RangeError(`percentile must be in (50, 100], got ${percentile}`);
  const featureShape = model.inputs[0].shape.slice(1);
  if (featureShape.some((d) => d === null)) throw new RangeError('activation calibration needs a fully known input shape');
  const rowSize = (featureShape as number[]).reduce((a, b) => a * b, 1);
  if (calibration.length === 0 || calibration.length % rowSize !== 0) {
    throw new RangeError(`calibration holds ${calibration.length} values, not a positive multiple of ${rowSize} (one input)`);
  }
  const tensors = activationTensors(model);
  const ranges = new Map<number, ActivationRange>();
  if (tensors.length === 0) return ranges;
  const probe = tfl.model({ inputs: model.inputs, outputs: tensors });
  const outputs = tf.tidy(() => {
    const predicted = probe.predict(tf.tensor(calibration, [calibration.length / rowSize, ...(featureShape as number[])]));
    return (Array.isArray(predicted) ? predicted : [predicted]).map((t) => t.dataSync() as Float32Array);
  });
  tensors.forEach((t, i) => {
    const [lo, hi] = method === 'min-max' ? minMax(outputs[i]) : percentileRange(outputs[i], percentile);
    ranges.set(t.id, uint8Range(lo, hi));
  });
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
