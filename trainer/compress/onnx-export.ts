/**
 * tfjs layers model → ONNX. Walks the model's graph from its output back to its
 * input (Sequential and functional models alike), converts each layer with the
 * table in `onnx-layer-converters.ts`, and tracks per value whether it is in
 * tfjs (NHWC) or NCHW order, inserting one cached Transpose where a consumer
 * needs the other. The ONNX model takes the tfjs input unchanged (NHWC float32)
 * and returns the same values as `model.predict`.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { LAYER_CONVERTERS } from './onnx-layer-converters.ts';
import {
  type ConvertContext,
  type Layout,
  type OnnxTensor,
  type WeightValues,
} from './onnx-convert-context.ts';
import { OnnxExportError } from './onnx-export-error.ts';
import { OnnxGraphBuilder, type OnnxDim } from './onnx-graph-builder.ts';

/** Lowest and highest ONNX opset {@link exportOnnx} writes. */
export const ONNX_OPSET_RANGE = Object.freeze({ min: 11, max: 21 });

/** Options for {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** ONNX opset of the default domain. @defaultValue 13 */
  opset?: number;
  /** `ModelProto.producer_name`. @defaultValue 'edgeloop' */
  producerName?: string;
  /** Name of the graph input (the manifest's `input.name`). @defaultValue 'input' */
  inputName?: string;
  /** Name of the graph output (the manifest's `output.name`). @defaultValue 'logits' */
  outputName?: string;
  /** Symbolic name of the batch dimension. @defaultValue 'batch' */
  batchDim?: string;
}

/** The layer classes {@link exportOnnx} converts (besides `InputLayer`). */
export const ONNX_EXPORTABLE_LAYERS: readonly string[] = Object.freeze(Object.keys(LAYER_CONVERTERS).sort());

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/**
 * Converts a single-input, single-output tfjs layers model into a serialized ONNX
 * `ModelProto`. Weights are copied as float32 initializers; BatchNormalization is
 * folded into a per-channel scale and shift.
 *
 * @throws {RangeError} when `opset` is outside {@link ONNX_OPSET_RANGE}.
 * @throws OnnxExportError `UNSUPPORTED_LAYER` naming the first layer class with no
 *   conversion (see {@link ONNX_EXPORTABLE_LAYERS}), `UNSUPPORTED_CONFIG` for a
 *   setting that cannot be expressed, `UNSUPPORTED_MODEL` for several inputs or
 *   outputs.
 */
export function exportOnnx(model: LayersModel, options: ExportOnnxOptions = {}): Uint8Array {
  const { opset = 13, producerName = 'edgeloop', inputName = 'input', outputName = 'logits', batchDim = 'batch' } = options;
  if (!Number.isInteger(opset) || opset < ONNX_OPSET_RANGE.min || opset > ONNX_OPSET_RANGE.max) {
    throw new RangeError(`opset must be an integer in ${ONNX_OPSET_RANGE.min}..${ONNX_OPSET_RANGE.max}, got ${opset}`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new OnnxExportError(
      'UNSUPPORTED_MODEL',
      `exportOnnx supports models with one input and one output; '${model.name}' has ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  const graph = new OnnxGraphBuilder();
  const ctx = new ExportContext(graph, opset);
  const input = model.inputs[0];
  const output = model.outputs[0];
  const values = new Map<number, OnnxTensor>();
  values.set(input.id, { name: graph.reserve(inputName), layout: 'tf', shape: input.shape.slice() });
  graph.reserve(outputName);

  const result = convertTensor(output, values, ctx);
  graph.node('Identity', [ctx.tfOrder(result)], 'output', [], outputName);

  const dims = (shape: Array<number | null>, prefix: string): OnnxDim[] =>
    shape.map((d, i) => (d !== null ? d : i === 0 ? batchDim : `${prefix}_dim${i}`));
  return graph.encode({
    graphName: model.name,
    opset,
    producerName,
    inputs: [{ name: inputName, dims: dims(input.shape, inputName) }],
    outputs: [{ name: outputName, dims: dims(output.shape, outputName) }],
  });
}

/**
 * The ONNX value of `target`, converting the layers that produce it first. An
 * explicit stack instead of recursion keeps deep models (hundreds of layers)
 * off the call stack limit.
 */
function convertTensor(target: SymbolicTensor, values: Map<number, OnnxTensor>, ctx: ConvertContext): OnnxTensor {
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
      throw new OnnxExportError('UNSUPPORTED_MODEL', `input '${layer.name}' is not the model's input`, {
        layerName: layer.name,
        layerClass: className,
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
      throw new OnnxExportError(
        'UNSUPPORTED_LAYER',
        `cannot export layer '${layer.name}' of class ${className} to ONNX; supported layers: InputLayer, ${ONNX_EXPORTABLE_LAYERS.join(', ')}`,
        { layerName: layer.name, layerClass: className },
      );
    }
    if (node.outputTensors.length !== 1) {
      throw new OnnxExportError('UNSUPPORTED_MODEL', `layer '${layer.name}' (${className}) has several outputs`, {
        layerName: layer.name,
        layerClass: className,
      });
    }
    const inputs = node.inputTensors.map((t) => values.get(t.id)!);
    const converted = convert(layer, inputs, ctx);
    values.set(node.outputTensors[0].id, { ...converted, shape: node.outputTensors[0].shape.slice() });
  }
  return values.get(target.id)!;
}

/** The {@link ConvertContext} of one export: layout changes and weights, each made once. */
class ExportContext implements ConvertContext {
  private readonly transposed = new Map<string, string>();
  private readonly initializers = new Map<string, string>();

  constructor(
    readonly graph: OnnxGraphBuilder,
    readonly opset: number,
  ) {}

  nchw(tensor: OnnxTensor): string {
    return this.inLayout(tensor, 'nchw');
  }

  tfOrder(tensor: OnnxTensor): string {
    return this.inLayout(tensor, 'tf');
  }

  inLayout(tensor: OnnxTensor, layout: Layout): string {
    if (tensor.layout === layout) return tensor.name;
    if (tensor.shape.length !== 4) {
      throw new OnnxExportError('UNSUPPORTED_MODEL', `cannot change the layout of rank-${tensor.shape.length} value '${tensor.name}'`);
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
}
