/**
 * tfjs layers model → ONNX. Walks the model's graph from its output back to its
 * input (Sequential and functional models alike), converts each layer with the
 * table in `onnx-layer-converters.ts`, and tracks per value whether it is in
 * tfjs (NHWC) or NCHW order, inserting one cached Transpose where a consumer
 * needs the other. The ONNX model takes the tfjs input unchanged (NHWC float32)
 * and returns the same values as `model.predict`.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { calibrateActivations, type ActivationRange } from './onnx-activation-calibration.ts';
import { planBatchNormFolds } from './onnx-batchnorm-folding.ts';
import type { BatchNormFold, OnnxTensor } from './onnx-convert-context.ts';
import { integerLayers, integerPlanTensors } from './onnx-integer-plan.ts';
import { ExportContext, type OnnxWeightReport } from './onnx-export-context.ts';
import { CompressError } from './compress-error.ts';
import { ONNX_DATA_TYPE, OnnxGraphBuilder, type OnnxDim } from './onnx-graph-builder.ts';
import { LAYER_CONVERTERS } from './onnx-layer-converters.ts';
import { recipeQuantizer, type OnnxQuantizationOptions } from './onnx-weight-quantizer.ts';

/** Lowest and highest ONNX opset {@link exportOnnx} writes. */
export const ONNX_OPSET_RANGE = Object.freeze({ min: 11, max: 21 });

/** Options for {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * ONNX opset of the default domain.
   * @defaultValue 13, or 21 with `quantization.int4Storage: 'int4-blocked'`
   */
  opset?: number;
  /** `ModelProto.producer_name`. @defaultValue 'edgeloop' */
  producerName?: string;
  /** Name of the graph input (the manifest's `input.name`). @defaultValue 'input' */
  inputName?: string;
  /** Name of the graph output (the manifest's `output.name`). @defaultValue 'logits' */
  outputName?: string;
  /** Symbolic name of the batch dimension. @defaultValue 'batch' */
  batchDim?: string;
  /**
   * Fold each BatchNormalization into the Conv / Dense before it where the graph
   * allows (see `planBatchNormFolds`); the rest become Mul + Add. @defaultValue true
   */
  foldBatchNorm?: boolean;
  /** Quantize layer kernels (a recipe per layer class, or a callback per kernel). @defaultValue none: all float32 */
  quantization?: OnnxQuantizationOptions;
}

/** What {@link exportOnnxWithReport} returns. */
export interface OnnxExportResult {
  /** The serialized `ModelProto`. */
  bytes: Uint8Array;
  /** The default-domain opset written. */
  opset: number;
  /** How each kernel was stored, in conversion order. */
  weights: OnnxWeightReport[];
  /** Where the export deviated from what was asked (e.g. int4 convolution kernels stored as int8), one line each. */
  notes: string[];
}

/** The layer classes {@link exportOnnx} converts (besides `InputLayer`). */
export const ONNX_EXPORTABLE_LAYERS: readonly string[] = Object.freeze(Object.keys(LAYER_CONVERTERS).sort());

/**
 * Converts a single-input, single-output tfjs layers model into a serialized ONNX
 * `ModelProto`; {@link exportOnnxWithReport} without the report.
 *
 * @throws {RangeError} when `opset` is outside {@link ONNX_OPSET_RANGE} or too low
 *   for the quantized weights asked for.
 * @throws CompressError see {@link exportOnnxWithReport}.
 */
export function exportOnnx(model: LayersModel, options: ExportOnnxOptions = {}): Uint8Array {
  return exportOnnxWithReport(model, options).bytes;
}

/**
 * Converts a single-input, single-output tfjs layers model into a serialized ONNX
 * `ModelProto`. Weights are float32 initializers unless `quantization` asks for
 * quantized kernels (quantized initializer → DequantizeLinear / Cast → the float
 * op, or MatMulNBits for int4 Dense kernels); BatchNormalization is folded into the
 * preceding Conv / Dense where possible, else applied as a per-channel scale and shift.
 *
 * @throws {RangeError} when `opset` is outside {@link ONNX_OPSET_RANGE} or too low
 *   for the quantized weights asked for.
 * @throws {TypeError} when a quantizer returns a tensor that does not fit its kernel.
 * @throws CompressError `UNSUPPORTED_LAYER` naming the first layer class with no
 *   conversion (see {@link ONNX_EXPORTABLE_LAYERS}), `UNSUPPORTED_CONFIG` for a
 *   setting that cannot be expressed, `UNSUPPORTED_MODEL` for several inputs or
 *   outputs.
 */
export function exportOnnxWithReport(model: LayersModel, options: ExportOnnxOptions = {}): OnnxExportResult {
  const { quantization = {}, foldBatchNorm = true } = options;
  const { int4Storage = 'int8-per-channel' } = quantization;
  const {
    opset = int4Storage === 'int4-blocked' ? 21 : 13,
    producerName = 'edgeloop',
    inputName = 'input',
    outputName = 'logits',
    batchDim = 'batch',
  } = options;
  if (!Number.isInteger(opset) || opset < ONNX_OPSET_RANGE.min || opset > ONNX_OPSET_RANGE.max) {
    throw new RangeError(`opset must be an integer in ${ONNX_OPSET_RANGE.min}..${ONNX_OPSET_RANGE.max}, got ${opset}`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new CompressError(
      'UNSUPPORTED_MODEL',
      `exportOnnx supports models with one input and one output; '${model.name}' has ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  const quantizer =
    quantization.quantizer ??
    (quantization.recipe === undefined ? undefined : recipeQuantizer(quantization.recipe, quantization));
  const graph = new OnnxGraphBuilder();
  const folds = foldBatchNorm ? planBatchNormFolds(model) : new Map<string, BatchNormFold>();
  const { activations: activationOptions } = quantization;
  const placement = activationOptions?.placement ?? 'operators';
  const integer = activationOptions !== undefined && placement === 'operators' ? integerLayers(model, activationOptions.minIntegerReduction) : undefined;
  const ctx = new ExportContext(graph, {
    opset,
    folds,
    quantizer,
    int4Storage,
    dequantizeAtLoad: quantization.weightDequantization === 'at-load',
    integerLayers: integer,
  });
  const input = model.inputs[0];
  const output = model.outputs[0];
  const values = new Map<number, OnnxTensor>();
  values.set(input.id, { name: graph.reserve(inputName), layout: 'tf', shape: input.shape.slice() });
  graph.reserve(outputName);

  const activations =
    activationOptions === undefined
      ? new Map<number, ActivationRange>()
      : calibrateActivations(model, activationOptions, integer === undefined ? undefined : integerPlanTensors(model, integer, folds));
  const toNchw = integer !== undefined;
  const inputRange = activations.get(input.id);
  if (inputRange !== undefined) values.set(input.id, quantizedValue(ctx, values.get(input.id)!, inputRange, inputName, toNchw));
  const result = convertTensor(output, values, ctx, activations, toNchw);
  graph.node('Identity', [ctx.tfOrder(result)], 'output', [], outputName);

  const dims = (shape: Array<number | null>, prefix: string): OnnxDim[] =>
    shape.map((d, i) => (d !== null ? d : i === 0 ? batchDim : `${prefix}_dim${i}`));
  const bytes = graph.encode({
    graphName: model.name,
    opset,
    producerName,
    inputs: [{ name: inputName, dims: dims(input.shape, inputName) }],
    outputs: [{ name: outputName, dims: dims(output.shape, outputName) }],
  });
  return { bytes, opset, weights: ctx.weights, notes: ctx.notes };
}

/**
 * The ONNX value of `target`, converting the layers that produce it first. An
 * explicit stack instead of recursion keeps deep models (hundreds of layers)
 * off the call stack limit.
 */
function convertTensor(
  target: SymbolicTensor,
  values: Map<number, OnnxTensor>,
  ctx: ExportContext,
  activations: ReadonlyMap<number, ActivationRange>,
  toNchw: boolean,
): OnnxTensor {
  const stack: SymbolicTensor[] = [target];
  while (stack.length > 0) {
    const tensor = stack[stack.length - 1];
    if (values.has(tensor.id)) {
      stack.pop();
      continue;
    }
    const layer = tensor.sourceLayer;
    const className = layer.getClassName();
    if (className === 'InputLayer') {
      throw new CompressError('UNSUPPORTED_MODEL', `input '${layer.name}' is not the model's input`, {
        details: { layerName: layer.name, layerClass: className },
      });
    }
    const node = layer.inboundNodes[tensor.nodeIndex];
    const missing = node.inputTensors.filter((t) => !values.has(t.id));
    if (missing.length > 0) {
      stack.push(...missing);
      continue;
    }
    stack.pop();
    const convert = LAYER_CONVERTERS[className];
    if (convert === undefined) {
      throw new CompressError(
        'UNSUPPORTED_LAYER',
        `cannot export layer '${layer.name}' of class ${className} to ONNX; supported layers: InputLayer, ${ONNX_EXPORTABLE_LAYERS.join(', ')}`,
        { details: { layerName: layer.name, layerClass: className } },
      );
    }
    if (node.outputTensors.length !== 1) {
      throw new CompressError('UNSUPPORTED_MODEL', `layer '${layer.name}' (${className}) has several outputs`, {
        details: { layerName: layer.name, layerClass: className },
      });
    }
    const inputs = node.inputTensors.map((t) => values.get(t.id)!);
    const converted = convert(layer, inputs, ctx);
    const value: OnnxTensor = { ...converted, shape: node.outputTensors[0].shape.slice() };
    const range = activations.get(node.outputTensors[0].id);
    values.set(node.outputTensors[0].id, range === undefined ? value : quantizedValue(ctx, value, range, layer.name, toNchw));
  }
  return values.get(target.id)!;
}

/**
 * `x` through a uint8 QuantizeLinear → DequantizeLinear pair (static activation
 * quantization); a rank-4 value goes NCHW first when `toNchw`, so the Conv that reads
 * it takes the DequantizeLinear's output directly. A value that already is such an
 * output (an identity layer's) is returned as is.
 */
function quantizedValue(ctx: ExportContext, x: OnnxTensor, { scale, zeroPoint }: ActivationRange, hint: string, toNchw: boolean): OnnxTensor {
  if (ctx.activationScale(x.name) !== undefined) return x;
  const layout = toNchw && x.shape.length === 4 ? 'nchw' : x.layout;
  const g = ctx.graph;
  const scaleName = g.floatTensor(`${hint}/act_scale`, [], [scale]);
  const zeroName = g.rawTensor(`${hint}/act_zero_point`, [], ONNX_DATA_TYPE.UINT8, Uint8Array.of(zeroPoint));
  const q = g.node('QuantizeLinear', [ctx.inLayout(x, layout), scaleName, zeroName], `${hint}/act_q`);
  const name = g.node('DequantizeLinear', [q, scaleName, zeroName], `${hint}/act_dq`);
  ctx.setActivationScale(name, scale);
  return { name, layout, shape: x.shape };
}
