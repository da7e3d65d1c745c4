/**
 * The {@link ConvertContext} of one ONNX export: layout Transposes, float
 * initializers, folded BatchNormalization and (quantized) kernels, each made once
 * per value or layer so that a layer applied twice shares its weights.
 */
import type { BatchNormFold } from './onnx-batchnorm-folding.ts';
import type { ConvertContext, Layout, OnnxTensor, TfLayer, WeightValues } from './onnx-convert-context.ts';
import { CompressError } from './compress-error.ts';
import { ONNX_DATA_TYPE, type OnnxGraphBuilder } from './onnx-graph-builder.ts';
import {
  checkQuantizedKernel,
  fitsMatMulNBits,
  floatToOnnxLayout,
  writeMatMulNBitsWeights,
  writeQuantizedKernel,
  type Int4Storage,
  type KernelLayout,
  type MatMulNBitsWeights,
} from './onnx-quantized-weights.ts';
import type { OnnxWeightQuantizer } from './onnx-weight-quantizer.ts';
import type { QuantScheme } from '../format/index.ts';

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/** How one kernel was written to the ONNX model. */
export interface OnnxWeightReport {
  layerName: string;
  weightName: string;
  /** What the initializer holds: `fp32`, or the quantization scheme actually stored. */
  scheme: 'fp32' | QuantScheme;
  /** The node that turns it into the float the op reads, or `initializer` for a plain float32 weight. */
  op: 'initializer' | 'DequantizeLinear' | 'Cast' | 'MatMulNBits';
  /** Bytes of the initializers (values, scales, zero points). */
  bytes: number;
}

/** Settings of an {@link ExportContext}. */
export interface ExportContextSettings {
  opset: number;
  /** Producer layer name → the BatchNormalization folded into it. */
  folds: ReadonlyMap<string, BatchNormFold>;
  quantizer?: OnnxWeightQuantizer;
  int4Storage: Int4Storage;
  /** int8 / uint8 kernels expanded to float when the session loads (Cast · scale) rather than DequantizeLinear per run. */
  dequantizeAtLoad: boolean;
  /**
   * With static activation quantization: the layers that run on integer kernels
   * (DequantizeLinear weights, int32 bias). Every other quantized kernel is expanded
   * at load. Absent: no activation quantization.
   */
  integerLayers?: ReadonlySet<string>;
}

/** Implements {@link ConvertContext} and collects the weight report and notes of the export. */
export class ExportContext implements ConvertContext {
  readonly opset: number;
  readonly weights: OnnxWeightReport[] = [];
  readonly notes: string[] = [];
  private readonly transposed = new Map<string, string>();
  private readonly initializers = new Map<string, string>();
  private readonly matMulWeights = new Map<string, { float: string } | { nbits: MatMulNBitsWeights }>();
  private readonly foldedBatchNorms = new Set<string>();
  private readonly activationScales = new Map<string, number>();
  private readonly kernelScales = new Map<string, { values: Float32Array; axis?: number }>();
  private readonly pads = new Map<string, { source: OnnxTensor; pads: [number, number, number, number] }>();

  constructor(
    readonly graph: OnnxGraphBuilder,
    private readonly settings: ExportContextSettings,
  ) {
    this.opset = settings.opset;
    for (const fold of settings.folds.values()) this.foldedBatchNorms.add(fold.batchNorm.name);
  }

  nchw(tensor: OnnxTensor): string {
    return this.inLayout(tensor, 'nchw');
  }

  tfOrder(tensor: OnnxTensor): string {
    return this.inLayout(tensor, 'tf');
  }

  inLayout(tensor: OnnxTensor, layout: Layout): string {
    if (tensor.layout === layout) return tensor.name;
    if (tensor.shape.length !== 4) {
      throw new CompressError('UNSUPPORTED_MODEL', `cannot change the layout of rank-${tensor.shape.length} value '${tensor.name}'`);
    }
    const key = `${tensor.name}->${layout}`;
    let name = this.transposed.get(key);
    if (name === undefined) {
      const perm = layout === 'nchw' ? TO_NCHW : TO_NHWC;
      name = this.graph.node('Transpose', [tensor.name], `${tensor.name}_${layout}`, [{ name: 'perm', ints: perm }]);
      this.transposed.set(key, name);
    }
    return name;
  }

  initializer(key: string, make: () => WeightValues): string {
    let name = this.initializers.get(key);
    if (name === undefined) {
      const { shape, values } = make();
      name = this.graph.floatTensor(key, shape, values);
      this.initializers.set(key, name);
    }
    return name;
  }

  kernel(layer: TfLayer, weightName: string, layout: KernelLayout, make: () => WeightValues): string {
    const key = `${layer.name}/${weightName}`;
    let name = this.initializers.get(key);
    if (name === undefined) {
      name = this.writeKernel(layer, weightName, layout, make());
      this.initializers.set(key, name);
    }
    return name;
  }

  matMul(layer: TfLayer, x: string, rank: number, make: () => WeightValues): string {
    const key = `${layer.name}/kernel`;
    let weights = this.matMulWeights.get(key);
    if (weights === undefined) {
      const kernel = make();
      const q = this.quantize(layer, 'kernel', kernel);
      // ORT's MatMulNBits reads A of rank 2 or 3; other ranks dequantize instead.
      if (q !== undefined && fitsMatMulNBits(q) && (rank === 2 || rank === 3)) {
        const nbits = writeMatMulNBitsWeights(this.graph, q, key);
        this.report(layer, 'kernel', q.scheme, 'MatMulNBits', nbits.bytes);
        weights = { nbits };
      } else {
        weights = { float: this.writeKernel(layer, 'kernel', 'dense', kernel, q) };
      }
      this.matMulWeights.set(key, weights);
    }
    if ('float' in weights) return this.graph.node('MatMul', [x, weights.float], layer.name);
    return this.graph.contribNode('MatMulNBits', [x, ...weights.nbits.inputs], layer.name, weights.nbits.attributes);
  }

  /** Notes that `name` is the output of a uint8 DequantizeLinear of scale `scale` (a calibrated activation). */
  setActivationScale(name: string, scale: number): void {
    this.activationScales.set(name, scale);
  }

  /** The scale of the uint8 DequantizeLinear whose output is `name`, if it is one. */
  activationScale(name: string): number | undefined {
    return this.activationScales.get(name);
  }

  convBias(layer: TfLayer, input: string, weight: string, make: () => WeightValues): string {
    const key = `${layer.name}/bias`;
    const inputScale = this.activationScales.get(input);
    const weightScales = this.kernelScales.get(weight);
    if (!(this.settings.integerLayers?.has(layer.name) ?? false) || inputScale === undefined || weightScales === undefined || (weightScales.values.length > 1 && weightScales.axis !== 0)) {
      return this.initializer(key, make);
    }
    const cacheKey = `${key}@${inputScale}`;
    let name = this.initializers.get(cacheKey);
    if (name === undefined) {
      const { values } = make();
      const scales = Float32Array.from(values, (_, c) => inputScale * weightScales.values[weightScales.values.length === 1 ? 0 : c]);
      if (scales.some((s) => !(s > 0 && Number.isFinite(s)))) return this.initializer(key, make);
      const q = Int32Array.from(values, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / scales[c]))));
      const g = this.graph;
      const data = g.rawTensor(`${key}_q`, [q.length], ONNX_DATA_TYPE.INT32, new Uint8Array(q.buffer));
      const zeroPoint = g.rawTensor(`${key}_zero_point`, [q.length], ONNX_DATA_TYPE.INT32, new Uint8Array(q.length * 4));
      name = g.node('DequantizeLinear', [data, g.floatTensor(`${key}_scale`, [q.length], scales), zeroPoint], key, [{ name: 'axis', int: 0 }]);
      this.initializers.set(cacheKey, name);
    }
    return name;
  }

  recordPad(padded: string, source: OnnxTensor, pads: [number, number, number, number]): void {
    this.pads.set(padded, { source, pads });
  }

  padOf(name: string): { source: OnnxTensor; pads: [number, number, number, number] } | undefined {
    return this.pads.get(name);
  }

  batchNormFold(layer: TfLayer): BatchNormFold | undefined {
    return this.settings.folds.get(layer.name);
  }

  isFoldedBatchNorm(layer: TfLayer): boolean {
    return this.foldedBatchNorms.has(layer.name);
  }

  private quantize(layer: TfLayer, weightName: string, kernel: WeightValues) {
    const name = `${layer.name}/${weightName}`;
    const q = this.settings.quantizer?.({
      layerName: layer.name,
      layerClass: layer.getClassName(),
      weightName,
      values: kernel.values,
      shape: kernel.shape.slice(),
    });
    if (q !== undefined) checkQuantizedKernel(q, kernel.shape, name);
    return q;
  }

  /** Writes a kernel (quantized when the quantizer says so; `q` when already asked) and returns the float value name. */
  private writeKernel(layer: TfLayer, weightName: string, layout: KernelLayout, kernel: WeightValues, q = this.quantize(layer, weightName, kernel)): string {
    const key = `${layer.name}/${weightName}`;
    if (q === undefined) {
      const onnx = floatToOnnxLayout(kernel, layout);
      this.report(layer, weightName, 'fp32', 'initializer', onnx.values.length * 4);
      return this.graph.floatTensor(key, onnx.shape, onnx.values);
    }
    const { integerLayers, dequantizeAtLoad } = this.settings;
    const written = writeQuantizedKernel(this.graph, q, layout, {
      name: key,
      opset: this.opset,
      int4Storage: this.settings.int4Storage,
      note: (message) => this.notes.push(message),
      atLoad: dequantizeAtLoad || (integerLayers !== undefined && !integerLayers.has(layer.name)),
    });
    this.report(layer, weightName, written.scheme, written.op, written.bytes);
    if (written.scales !== undefined) this.kernelScales.set(written.name, written.scales);
    return written.name;
  }

  private report(layer: TfLayer, weightName: string, scheme: OnnxWeightReport['scheme'], op: OnnxWeightReport['op'], bytes: number): void {
    this.weights.push({ layerName: layer.name, weightName, scheme, op, bytes });
  }
}
