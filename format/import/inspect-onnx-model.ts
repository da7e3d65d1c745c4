/**
 * Reading an ONNX file's `ModelProto` through `onnx-proto` (the decoder the compressor's
 * exporter encodes with): its opset and IR version (checked against what
 * onnxruntime-web runs), its graph inputs (initializers excluded) and outputs with names,
 * element types and shapes (`dim_param` and unknown dimensions as -1), the files its
 * external data lives in, and the precision most of its weights are stored in.
 * `onnx-proto` is imported on first use, so nothing else pays for it.
 */
import type * as OnnxProtoModule from 'onnx-proto';
import type { Precision } from '../manifest.ts';
import { ImportError } from './import-error.ts';
import { onnxDtypeName, type TensorInfo } from './tensor-info.ts';

type Onnx = typeof OnnxProtoModule.onnx;
type GraphProto = OnnxProtoModule.onnx.IGraphProto;
type TensorProto = OnnxProtoModule.onnx.ITensorProto;
type ValueInfo = OnnxProtoModule.onnx.IValueInfoProto;

/**
 * The `ai.onnx` opsets and IR versions onnxruntime-web 1.30 loads, measured: opset 27
 * and IR version 14 are refused at session creation; below opset 7 ORT only warns but
 * has no kernels for the old operator versions (`Relu(1)`).
 * `inspect-onnx-model.test.ts` checks these bounds against the installed onnxruntime-web.
 */
export const ORT_WEB_ONNX_SUPPORT = Object.freeze({ minOpset: 7, maxOpset: 26, maxIrVersion: 13 });

/** One external-data file and the bytes its tensors need (`offset + length`, the largest). */
export interface ExternalDataFile {
  location: string;
  minBytes: number;
}

/** What {@link inspectOnnxModel} reads from an ONNX file. */
export interface OnnxModelInfo {
  opset: number;
  irVersion: number;
  producer: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Per output, the activation of the node that produces it (`softmax`, `sigmoid`, `linear`). */
  activations: string[];
  externalData: ExternalDataFile[];
  /** The precision most weight elements are stored in. */
  precision: Precision;
}

let onnxModule: Promise<Onnx> | undefined;
function loadOnnx(): Promise<Onnx> {
  // onnx-proto is CommonJS: Node's ESM loader puts it under `default`, bundlers expose `onnx` (as compress/onnx-graph-builder.ts).
  onnxModule ??= import('onnx-proto').then((m) => m.onnx ?? (m as unknown as { default: typeof OnnxProtoModule }).default.onnx);
  return onnxModule;
}

const toNumber = (value: unknown): number =>
  typeof value === 'number' ? value : typeof (value as { toNumber?: unknown })?.toNumber === 'function' ? (value as { toNumber(): number }).toNumber() : Number(value);

/**
 * Decodes and checks an ONNX file's bytes. `path` is only for messages.
 *
 * @throws ImportError `IMPORT_NOT_ONNX` when the bytes are not a `ModelProto` with a graph;
 *   `IMPORT_UNSUPPORTED_OPSET` when onnxruntime-web cannot run its opset or IR version.
 */
export async function inspectOnnxModel(bytes: Uint8Array, path: string): Promise<OnnxModelInfo> {
  const onnx = await loadOnnx();
  let model: OnnxProtoModule.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw notOnnx(path, `it does not decode as an ONNX ModelProto (${(cause as Error).message})`, cause);
  }
  const graph = model.graph;
  const irVersion = toNumber(model.irVersion);
  if (!graph || !(irVersion >= 1) || (graph.output ?? []).length === 0) throw notOnnx(path, 'it has no IR version, graph or graph output');
  const opsetEntry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = opsetEntry ? toNumber(opsetEntry.version) : NaN;
  const { minOpset, maxOpset, maxIrVersion } = ORT_WEB_ONNX_SUPPORT;
  if (!(opset >= minOpset && opset <= maxOpset)) {
    const what = Number.isNaN(opset) ? 'declares no ai.onnx opset' : `uses ai.onnx opset ${opset}`;
    throw new ImportError('IMPORT_UNSUPPORTED_OPSET', `${path} ${what}; onnxruntime-web runs opsets ${minOpset} to ${maxOpset}: convert it with another opset (e.g. torch.onnx.export(..., opset_version=17))`, {
      details: { path, opset: Number.isNaN(opset) ? null : opset, supported: [minOpset, maxOpset] },
    });
  }
  if (irVersion > maxIrVersion) {
    throw new ImportError('IMPORT_UNSUPPORTED_OPSET', `${path} has ONNX IR version ${irVersion}; onnxruntime-web reads up to ${maxIrVersion}: save it with an older onnx package`, {
      details: { path, irVersion, supported: [1, maxIrVersion] },
    });
  }

  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => valueInfo(v, path));
  const outputs = (graph.output ?? []).map((v) => valueInfo(v, path));
  const producers = new Map((graph.node ?? []).flatMap((node) => (node.output ?? []).map((name) => [name, node] as const)));
  const activationOf = (name: string, depth = 0): string => {
    const node = producers.get(name);
    if (!node || depth > 8) return 'linear';
    if (node.opType === 'Softmax') return 'softmax';
    if (node.opType === 'Sigmoid') return 'sigmoid';
    if (node.opType === 'Identity' && node.input?.[0]) return activationOf(node.input[0], depth + 1);
    return 'linear';
  };
  const tensors = allTensors(graph);
  return {
    opset,
    irVersion,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    inputs,
    outputs,
    activations: outputs.map((o) => activationOf(o.name)),
    externalData: externalDataFiles(tensors),
    precision: weightPrecision(tensors),
  };
}

function notOnnx(path: string, why: string, cause?: unknown): ImportError {
  return new ImportError('IMPORT_NOT_ONNX', `${path} is not an ONNX model: ${why}. --onnx takes a .onnx file (torch.onnx.export, tf2onnx, skl2onnx)`, {
    details: { path },
    cause,
  });
}

function valueInfo(value: ValueInfo, path: string): TensorInfo {
  const name = value.name ?? '';
  const tensor = value.type?.tensorType;
  if (!tensor) {
    throw new ImportError('IMPORT_UNSUPPORTED_MODEL', `${path}: graph input/output "${name}" is not a tensor (a sequence or map); edgeloop packages carry tensors only`, {
      details: { path, name },
    });
  }
  // No `shape` at all means an unknown rank; an empty one is a scalar.
  if (!tensor.shape) {
    throw new ImportError('IMPORT_UNSUPPORTED_MODEL', `${path}: graph input/output "${name}" has no shape (unknown rank); give it one when exporting`, { details: { path, name } });
  }
  const shape = (tensor.shape.dim ?? []).map((d) => {
    const size = d.dimValue === undefined || d.dimValue === null ? -1 : toNumber(d.dimValue);
    return size >= 1 ? size : -1;
  });
  return { name, shape, dtype: onnxDtypeName(tensor.elemType ?? 0) };
}

/** Every tensor of the model: initializers and Constant values, in subgraphs (If, Loop, Scan) too. */
function allTensors(graph: GraphProto): TensorProto[] {
  const out: TensorProto[] = [...(graph.initializer ?? [])];
  for (const node of graph.node ?? []) {
    for (const attribute of node.attribute ?? []) {
      if (attribute.t) out.push(attribute.t);
      out.push(...(attribute.tensors ?? []));
      for (const sub of [attribute.g, ...(attribute.graphs ?? [])]) if (sub) out.push(...allTensors(sub));
    }
  }
  return out;
}

function externalDataFiles(tensors: TensorProto[]): ExternalDataFile[] {
  const files = new Map<string, number>();
  for (const tensor of tensors) {
    // TensorProto.DataLocation.EXTERNAL = 1: `external_data` holds location, offset, length.
    if (tensor.dataLocation !== 1) continue;
    const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entries.get('location');
    if (!location) continue;
    const end = Number(entries.get('offset') ?? 0) + Number(entries.get('length') ?? 0);
    files.set(location, Math.max(files.get(location) ?? 0, end));
  }
  return [...files].map(([location, minBytes]) => ({ location, minBytes }));
}

/** Elements stored per precision class; the class holding most elements wins. */
function weightPrecision(tensors: TensorProto[]): Precision {
  const classOf: Readonly<Record<number, Precision>> = { 1: 'fp32', 10: 'fp16', 16: 'fp16', 2: 'int8', 3: 'int8', 21: 'int4', 22: 'int4' };
  const counts = new Map<Precision, number>();
  for (const tensor of tensors) {
    const precision = classOf[tensor.dataType ?? 0];
    if (!precision) continue;
    const count = (tensor.dims ?? []).reduce<number>((a, d) => a * toNumber(d), 1);
    counts.set(precision, (counts.get(precision) ?? 0) + count);
  }
  let best: Precision = 'fp32';
  for (const [precision, count] of counts) if (count > (counts.get(best) ?? 0)) best = precision;
  return best;
}
