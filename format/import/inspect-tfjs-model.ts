/**
 * Reading a tfjs `model.json` (layers or graph model) without tfjs: its inputs and
 * outputs, its weight shards and how many bytes they must hold, and the weight
 * quantization it uses (tfjs's own `quantization` entries and edgeloop's
 * `edgeloopQuantization`), which gives the artifact's precision.
 */
import type { Precision } from '../manifest.ts';
import { ImportError } from './import-error.ts';
import { tfDtypeName, type TensorInfo } from './tensor-info.ts';
import { modelSignature } from './tfjs-layers-shapes.ts';

/** One group of `weightsManifest`: its shard paths and the weights stored across them. */
interface WeightsGroup {
  paths: string[];
  weights: Array<{ name?: string; shape?: unknown; dtype?: string; quantization?: { dtype?: string }; edgeloopQuantization?: { scheme?: string; byteLength?: number } }>;
}

/** What {@link inspectTfjsModel} reads from a `model.json`. */
export interface TfjsModelInfo {
  kind: 'layers' | 'graph';
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Per output, the activation its producer applies (`softmax`, `sigmoid`, `linear`, …). */
  activations: string[];
  /** The `weightsManifest` groups: shard paths (relative to `model.json`) and the bytes their weights take (undefined for string weights). */
  groups: Array<{ paths: string[]; bytes: number | undefined }>;
  /** The narrowest weight precision stored (`fp32` when nothing is quantized). */
  precision: Precision;
  /** The quantization dtypes and schemes found, e.g. `['uint8']`. */
  quantization: string[];
}

const QUANT_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
/** Precision a tfjs or edgeloop weight scheme stands for (the closest edgeloop precision; uint16 keeps 16 bits, as fp16 does). */
const SCHEME_PRECISION: Readonly<Record<string, Precision>> = {
  uint8: 'int8',
  uint16: 'fp16',
  float16: 'fp16',
  'int8-per-tensor': 'int8',
  'int8-per-channel': 'int8',
  'uint8-per-tensor': 'int8',
  'int4-block': 'int4',
};
const PRECISION_ORDER: readonly Precision[] = ['fp32', 'fp16', 'int8', 'int4'];

/**
 * Reads `model.json`'s bytes. `path` is only for messages.
 *
 * @throws ImportError `IMPORT_NOT_TFJS` when the bytes are not JSON or not a tfjs model.
 */
export function inspectTfjsModel(bytes: Uint8Array, path: string): TfjsModelInfo {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch (cause) {
    throw new ImportError('IMPORT_NOT_TFJS', `${path} is not a JSON file (${(cause as Error).message}); --tfjs takes the model.json that tensorflowjs_converter or model.save() wrote`, {
      details: { path },
      cause,
    });
  }
  const topology = json?.modelTopology as Record<string, unknown> | undefined;
  if (typeof json !== 'object' || json === null || typeof topology !== 'object' || topology === null || !Array.isArray(json.weightsManifest)) {
    throw new ImportError('IMPORT_NOT_TFJS', `${path} has no modelTopology and weightsManifest: it is not a tfjs model.json`, { details: { path } });
  }
  const groups = (json.weightsManifest as WeightsGroup[]).map((group, g) => weightsGroup(group, g, path));
  const { precision, quantization } = weightPrecision(json.weightsManifest as WeightsGroup[]);
  const isGraph = json.format === 'graph-model' || Array.isArray(topology.node);
  const signature = isGraph ? graphSignature(json, topology, path) : layersSignature(topology, path);
  return { kind: isGraph ? 'graph' : 'layers', ...signature, groups, precision, quantization };
}

function weightsGroup(group: WeightsGroup, g: number, path: string): { paths: string[]; bytes: number | undefined } {
  if (!Array.isArray(group?.paths) || !Array.isArray(group.weights) || group.paths.some((p) => typeof p !== 'string')) {
    throw new ImportError('IMPORT_NOT_TFJS', `${path}: weightsManifest[${g}] must have paths[] and weights[]`, { details: { path, group: g } });
  }
  let bytes: number | undefined = 0;
  for (const weight of group.weights) {
    const shape = Array.isArray(weight.shape) ? (weight.shape as number[]) : [];
    const count = shape.reduce((a, b) => a * b, 1);
    const size = weight.edgeloopQuantization?.byteLength ?? (weight.quantization?.dtype ? QUANT_BYTES[weight.quantization.dtype] : DTYPE_BYTES[weight.dtype ?? 'float32']);
    if (size === undefined || bytes === undefined) bytes = undefined;
    else bytes += weight.edgeloopQuantization ? size : size * count;
  }
  return { paths: group.paths, bytes };
}

function weightPrecision(groups: WeightsGroup[]): { precision: Precision; quantization: string[] } {
  const schemes = new Set<string>();
  for (const weight of groups.flatMap((group) => group.weights)) {
    const scheme = weight.edgeloopQuantization?.scheme ?? weight.quantization?.dtype;
    if (scheme !== undefined) schemes.add(scheme);
  }
  const quantization = [...schemes];
  const precision = quantization.reduce<Precision>((narrowest, scheme) => {
    const p = SCHEME_PRECISION[scheme] ?? 'fp32';
    return PRECISION_ORDER.indexOf(p) > PRECISION_ORDER.indexOf(narrowest) ? p : narrowest;
  }, 'fp32');
  return { precision, quantization };
}

function layersSignature(topology: Record<string, unknown>, path: string): Pick<TfjsModelInfo, 'inputs' | 'outputs' | 'activations'> {
  // Keras-converted files nest the model under `model_config`; tfjs's own saves do not.
  const model = (topology.model_config ?? topology) as Parameters<typeof modelSignature>[0];
  if (typeof model?.class_name !== 'string' || typeof model.config !== 'object' || model.config === null) {
    throw new ImportError('IMPORT_NOT_TFJS', `${path}: modelTopology has no class_name/config; not a tfjs layers model`, { details: { path } });
  }
  return modelSignature(model);
}

interface SignatureEntry {
  name?: string;
  dtype?: string;
  tensorShape?: { dim?: Array<{ size?: string | number }>; unknownRank?: boolean };
}

/** A GraphDef node as tfjs-converter writes it (only the fields read here). */
interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: { dtype?: { type?: string }; shape?: { shape?: { dim?: Array<{ size?: string | number }> } } };
}

/** `x:0` → `x`: graph models feed and fetch tensors by node name. */
const nodeName = (name: string): string => name.replace(/:0$/, '');

function graphSignature(json: Record<string, unknown>, topology: Record<string, unknown>, path: string): Pick<TfjsModelInfo, 'inputs' | 'outputs' | 'activations'> {
  const signature = (json.signature ?? (json.userDefinedMetadata as Record<string, unknown> | undefined)?.signature) as
    | { inputs?: Record<string, SignatureEntry>; outputs?: Record<string, SignatureEntry> }
    | undefined;
  const nodes = (topology.node as GraphNode[] | undefined) ?? [];
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const entry = (key: string, e: SignatureEntry): TensorInfo => ({
    name: nodeName(e.name ?? key),
    shape: e.tensorShape?.unknownRank ? [] : (e.tensorShape?.dim ?? []).map((d) => (Number(d.size ?? -1) >= 1 ? Number(d.size) : -1)),
    dtype: tfDtypeName(e.dtype),
  });
  let inputs = Object.entries(signature?.inputs ?? {}).map(([key, e]) => entry(key, e));
  if (inputs.length === 0) {
    // No signature (a frozen graph): its Placeholder nodes are the inputs.
    inputs = nodes
      .filter((node) => node.op === 'Placeholder')
      .map((node) => ({
        name: node.name,
        shape: (node.attr?.shape?.shape?.dim ?? []).map((d) => (Number(d.size ?? -1) >= 1 ? Number(d.size) : -1)),
        dtype: tfDtypeName(node.attr?.dtype?.type),
      }));
  }
  const outputs = Object.entries(signature?.outputs ?? {}).map(([key, e]) => entry(key, e));
  if (outputs.length === 0) {
    throw new ImportError('IMPORT_UNSUPPORTED_MODEL', `${path} is a graph model without a signature, so its outputs are unknown; convert it again with tensorflowjs_converter from a SavedModel (which writes one)`, {
      details: { path },
    });
  }
  const activationOf = (name: string, depth = 0): string => {
    const node = byName.get(name);
    if (!node || depth > 8) return 'linear';
    if (node.op === 'Softmax') return 'softmax';
    if (node.op === 'Sigmoid') return 'sigmoid';
    if (node.op === 'Identity' && node.input?.[0]) return activationOf(nodeName(node.input[0]), depth + 1);
    return 'linear';
  };
  return { inputs, outputs, activations: outputs.map((o) => activationOf(o.name)) };
}
