/**
 * The protobuf plumbing of the ONNX exporter: collects nodes and initializers
 * with unique names and encodes an `onnx.ModelProto` through `onnx-proto` (no
 * hand-written wire format).
 */
import * as onnxProtoModule from 'onnx-proto';

// onnx-proto is CommonJS that assigns `module.exports` wholesale, so Node's ESM
// loader cannot see its named export and puts everything under `default`;
// bundlers (vite) expose `onnx` directly. Accept both.
const onnx: typeof onnxProtoModule.onnx =
  onnxProtoModule.onnx ?? (onnxProtoModule as unknown as { default: typeof onnxProtoModule }).default.onnx;

/** One dimension of a graph input/output: a size, or a symbolic name such as `batch`. */
export type OnnxDim = number | string;

/** A float32 graph input or output. */
export interface OnnxValueInfo {
  name: string;
  dims: OnnxDim[];
}

/** A node attribute, tagged with its ONNX type. */
export type OnnxAttribute =
  | { name: string; int: number }
  | { name: string; ints: number[] }
  | { name: string; float: number }
  | { name: string; string: string };

/** ONNX `TensorProto.DataType` codes of the initializers the exporter writes. */
export const ONNX_DATA_TYPE = Object.freeze({
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  FLOAT16: 10,
  UINT4: 21,
  INT4: 22,
});

/** One of {@link ONNX_DATA_TYPE}'s codes. */
export type OnnxDataType = (typeof ONNX_DATA_TYPE)[keyof typeof ONNX_DATA_TYPE];

/** Bytes `rawData` takes for `count` elements of `dataType` (4-bit types pack two per byte). */
export function rawByteLength(dataType: OnnxDataType, count: number): number {
  switch (dataType) {
    case ONNX_DATA_TYPE.UINT4:
    case ONNX_DATA_TYPE.INT4:
      return Math.ceil(count / 2);
    case ONNX_DATA_TYPE.UINT8:
    case ONNX_DATA_TYPE.INT8:
      return count;
    case ONNX_DATA_TYPE.FLOAT16:
      return count * 2;
    case ONNX_DATA_TYPE.FLOAT:
    case ONNX_DATA_TYPE.INT32:
      return count * 4;
    case ONNX_DATA_TYPE.INT64:
      return count * 8;
  }
}

/** The operator-set domain of ONNX Runtime's contrib ops (MatMulNBits). */
export const MICROSOFT_DOMAIN = 'com.microsoft';

/** What {@link OnnxGraphBuilder.encode} needs besides the graph. */
export interface OnnxModelInfo {
  graphName: string;
  opset: number;
  producerName: string;
  producerVersion?: string;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/**
 * The ONNX IR version that goes with an opset (onnx/onnx docs/Versioning.md):
 * the oldest IR that may carry it, which every runtime supporting the opset reads.
 */
export function irVersionForOpset(opset: number): number {
  if (opset <= 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Accumulates an ONNX graph; every name it hands out is unique in the graph. */
export class OnnxGraphBuilder {
  private readonly nodes: onnxProtoModule.onnx.INodeProto[] = [];
  private readonly initializers: onnxProtoModule.onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly domains = new Set<string>();

  /** Reserves and returns `base`, or `base_1`, `base_2`, … if taken. */
  uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = clean;
    for (let k = 1; this.used.has(name); k++) name = `${clean}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Reserves an exact name (a graph input or output); throws if it is taken. */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX value name '${name}' is used twice`);
    this.used.add(name);
    return name;
  }

  /**
   * Adds a node and returns its single output's name. `output` is an exact name
   * (already reserved) or, by default, a fresh name derived from `nameHint`.
   */
  node(opType: string, inputs: string[], nameHint: string, attributes: OnnxAttribute[] = [], output?: string): string {
    const out = output ?? this.uniqueName(nameHint);
    this.nodes.push({
      opType,
      name: this.uniqueName(`${nameHint}/${opType}`),
      input: inputs,
      output: [out],
      attribute: attributes.map(toAttributeProto),
    });
    return out;
  }

  /**
   * Adds a node of ONNX Runtime's `com.microsoft` contrib domain (opset 1) and
   * returns its single output's name.
   */
  contribNode(opType: string, inputs: string[], nameHint: string, attributes: OnnxAttribute[] = []): string {
    const out = this.node(opType, inputs, nameHint, attributes);
    this.nodes[this.nodes.length - 1].domain = MICROSOFT_DOMAIN;
    this.domains.add(MICROSOFT_DOMAIN);
    return out;
  }

  /**
   * Adds an initializer from already-encoded little-endian `rawData` (int8, uint8,
   * float16, packed int4, …) and returns its name.
   */
  rawTensor(nameHint: string, dims: number[], dataType: OnnxDataType, rawData: Uint8Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (rawByteLength(dataType, count) !== rawData.length) {
      throw new Error(`ONNX tensor '${nameHint}': dims [${dims.join(', ')}] of type ${dataType} need ${rawByteLength(dataType, count)} bytes, got ${rawData.length}`);
    }
    return this.addInitializer(nameHint, dims, dataType, rawData);
  }

  /** Adds a float32 initializer (little-endian raw data) and returns its name. */
  floatTensor(nameHint: string, dims: number[], values: ArrayLike<number>): string {
    checkSize(dims, values.length, nameHint);
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.addInitializer(nameHint, dims, onnx.TensorProto.DataType.FLOAT, bytes);
  }

  /** Adds an int64 initializer and returns its name. */
  int64Tensor(nameHint: string, dims: number[], values: number[]): string {
    checkSize(dims, values.length, nameHint);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    return this.addInitializer(nameHint, dims, onnx.TensorProto.DataType.INT64, bytes);
  }

  /** A float32 scalar initializer, shared by every user of the same value. */
  floatScalar(value: number): string {
    const key = `f32:${value}`;
    let name = this.constants.get(key);
    if (name === undefined) {
      name = this.floatTensor(`const_${String(value).replace(/[^0-9a-z]/gi, '_')}`, [], [value]);
      this.constants.set(key, name);
    }
    return name;
  }

  /** An int64 vector initializer, shared by every user of the same values. */
  int64Vector(nameHint: string, values: number[]): string {
    const key = `i64:${values.join(',')}`;
    let name = this.constants.get(key);
    if (name === undefined) {
      name = this.int64Tensor(nameHint, [values.length], values);
      this.constants.set(key, name);
    }
    return name;
  }

  /**
   * Encodes the graph as a serialized `ModelProto`. Nodes whose outputs nothing reads
   * (e.g. a Pad folded into the Conv after it) and initializers no kept node reads
   * are left out.
   */
  encode(info: OnnxModelInfo): Uint8Array {
    const { nodes, initializers } = this.live(info.outputs.map((o) => o.name));
    const valueInfo = (v: OnnxValueInfo): onnxProtoModule.onnx.IValueInfoProto => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    const model = onnx.ModelProto.create({
      irVersion: irVersionForOpset(info.opset),
      producerName: info.producerName,
      producerVersion: info.producerVersion ?? '',
      opsetImport: [{ domain: '', version: info.opset }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      graph: {
        name: info.graphName,
        node: nodes,
        initializer: initializers,
        input: info.inputs.map(valueInfo),
        output: info.outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  /** The nodes that (transitively) feed `outputs`, in order, and the initializers they read. */
  private live(outputs: string[]): { nodes: onnxProtoModule.onnx.INodeProto[]; initializers: onnxProtoModule.onnx.ITensorProto[] } {
    const needed = new Set(outputs);
    const kept: onnxProtoModule.onnx.INodeProto[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i];
      if (!node.output!.some((o) => needed.has(o))) continue;
      kept.push(node);
      for (const input of node.input!) needed.add(input);
    }
    return { nodes: kept.reverse(), initializers: this.initializers.filter((t) => needed.has(t.name!)) };
  }

  private addInitializer(nameHint: string, dims: number[], dataType: number, rawData: Uint8Array): string {
    const name = this.uniqueName(nameHint);
    this.initializers.push({ name, dims, dataType, rawData });
    return name;
  }
}

function checkSize(dims: number[], length: number, what: string): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== length) throw new Error(`ONNX tensor '${what}': dims [${dims.join(', ')}] need ${expected} values, got ${length}`);
}

function toAttributeProto(attribute: OnnxAttribute): onnxProtoModule.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if ('int' in attribute) return { name: attribute.name, type: AttributeType.INT, i: attribute.int };
  if ('ints' in attribute) return { name: attribute.name, type: AttributeType.INTS, ints: attribute.ints };
  if ('float' in attribute) return { name: attribute.name, type: AttributeType.FLOAT, f: attribute.float };
  return { name: attribute.name, type: AttributeType.STRING, s: new TextEncoder().encode(attribute.string) };
}
