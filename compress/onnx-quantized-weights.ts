/**
 * Writes a layer kernel that a quantizer produced (`QuantizedTensor`, tfjs layout)
 * into an ONNX graph as a quantized initializer plus the node that turns it back
 * into float for the unchanged Conv / MatMul: DequantizeLinear for int8, uint8 and
 * int4, Cast for fp16, or ONNX Runtime's fused MatMulNBits for int4 Dense kernels.
 * Every path here runs on onnxruntime-web's wasm and WebGPU EPs except INT4
 * DequantizeLinear, which the WebGPU EP does not register (it would fall back to
 * the CPU): that one is written only on request (`int4Storage: 'int4-blocked'`).
 */
import { dequantizeTensor, packInt4, quantizeTensor, unpackInt4, type QuantizedTensor } from '../format/index.ts';
import { ONNX_DATA_TYPE, type OnnxAttribute, type OnnxGraphBuilder } from './onnx-graph-builder.ts';

/**
 * How a tfjs kernel maps to its ONNX weight. `dense`: `[in, out]`, used as is by
 * MatMul. `conv`: `[kh, kw, in, out]` → `[out, in, kh, kw]`. `depthwise`:
 * `[kh, kw, in, mult]` → `[in·mult, 1, kh, kw]`.
 */
export type KernelLayout = 'dense' | 'conv' | 'depthwise';

/** What a quantized kernel became in the ONNX graph. */
export type WrittenKernelOp = 'DequantizeLinear' | 'Cast' | 'MatMulNBits';

/** A float tensor in some layout (values row-major). */
interface FloatTensor {
  shape: number[];
  values: Float32Array;
}

/** Where each ONNX-layout element comes from: the permutation and the merge of `layout`. */
interface LayoutMap {
  /** `perm[d]` is the tfjs axis that becomes axis `d` before merging. */
  perm: number[];
  /** The final ONNX dims. */
  dims: number[];
  /** Maps an axis of the permuted shape to the final ONNX axis (depthwise in and mult both become axis 0). */
  axisAfterMerge(permutedAxis: number): number;
}

function layoutMap(layout: KernelLayout, shape: number[]): LayoutMap {
  if (layout === 'dense') return { perm: shape.map((_, i) => i), dims: shape.slice(), axisAfterMerge: (a) => a };
  if (layout === 'conv') {
    const [kh, kw, ci, co] = shape;
    return { perm: [3, 2, 0, 1], dims: [co, ci, kh, kw], axisAfterMerge: (a) => a };
  }
  // Depthwise: permute to [in, mult, kh, kw], then merge in·mult into axis 0 and insert the unit axis 1.
  const [kh, kw, ci, m] = shape;
  return { perm: [2, 3, 0, 1], dims: [ci * m, 1, kh, kw], axisAfterMerge: (a) => (a <= 1 ? 0 : a) };
}

function strides(shape: number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1] * shape[i + 1];
  return out;
}

/** `source[k]` is the row-major tfjs index of ONNX-layout element `k` (permutation `perm` of `shape`). */
function permutationSources(shape: number[], perm: number[]): Int32Array {
  const srcStrides = strides(shape);
  const dstShape = perm.map((p) => shape[p]);
  const size = shape.reduce((a, b) => a * b, 1);
  const source = new Int32Array(size);
  const index = new Array<number>(dstShape.length).fill(0);
  for (let k = 0; k < size; k++) {
    let offset = 0;
    for (let d = 0; d < index.length; d++) offset += index[d] * srcStrides[perm[d]];
    source[k] = offset;
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d] < dstShape[d]) break;
      index[d] = 0;
    }
  }
  return source;
}

/** Reorders elements of `elementBytes` bytes each. */
function gatherBytes(data: Uint8Array, source: Int32Array, elementBytes: number): Uint8Array {
  const out = new Uint8Array(source.length * elementBytes);
  for (let k = 0; k < source.length; k++)
    for (let b = 0; b < elementBytes; b++) out[k * elementBytes + b] = data[source[k] * elementBytes + b];
  return out;
}

function int4Geometry(q: QuantizedTensor): { axis: number; blockSize: number } {
  const axis = q.axis;
  const blockSize = q.blockSize ?? 32;
  if (axis === undefined || !Number.isInteger(axis) || axis < 0 || axis >= q.shape.length) {
    throw new TypeError(`an int4-block tensor needs an axis in 0..${q.shape.length - 1}, got ${String(axis)}`);
  }
  if (!Number.isInteger(blockSize) || blockSize < 2) throw new TypeError(`int4-block blockSize must be an integer ≥ 2, got ${blockSize}`);
  return { axis, blockSize };
}

/** Converts a tfjs-layout float kernel to its ONNX layout. */
export function floatToOnnxLayout(kernel: FloatTensor, layout: KernelLayout): FloatTensor {
  const map = layoutMap(layout, kernel.shape);
  const source = permutationSources(kernel.shape, map.perm);
  const values = new Float32Array(source.length);
  for (let k = 0; k < source.length; k++) values[k] = kernel.values[source[k]];
  return { shape: map.dims, values };
}

/**
 * Where an int4-block kernel goes when MatMulNBits cannot take it (convolutions):
 * `int8-per-channel` re-quantizes it (runs on wasm and WebGPU); `int4-blocked` keeps
 * INT4 with blocked DequantizeLinear (opset 21; wasm only — ONNX Runtime's WebGPU EP
 * has no INT4 DequantizeLinear and hands the node to the CPU).
 */
export type Int4Storage = 'int8-per-channel' | 'int4-blocked';

/** How {@link writeQuantizedKernel} writes what has no direct WebGPU-friendly form. */
export interface WriteKernelOptions {
  /** Initializer name prefix (`layer/weight`). */
  name: string;
  /** Default-domain opset of the model (per-axis DequantizeLinear needs 13, INT4 and blocks 21). */
  opset: number;
  /** int4 kernels that cannot use MatMulNBits: re-quantized to int8 per channel, or INT4 blocked DequantizeLinear. */
  int4Storage: Int4Storage;
  /** Collects what the writer changed, for the export's notes. */
  note(message: string): void;
  /**
   * int8 / uint8 kernels as `Cast → (Sub zero point) → Mul scale` instead of
   * DequantizeLinear: ONNX Runtime's constant folding turns them into float weights
   * when the session is created, so the model runs at float speed (DequantizeLinear
   * is kept as a node and runs at every call).
   */
  atLoad?: boolean;
}

/** A kernel written by {@link writeQuantizedKernel}: the float value to feed the op, and how. */
export interface WrittenKernel {
  name: string;
  op: WrittenKernelOp;
  /** The scheme the initializer holds (int4 kernels may be stored as int8-per-channel). */
  scheme: QuantizedTensor['scheme'];
  /** Bytes of the quantized initializer and its scales / zero points. */
  bytes: number;
  /** The DequantizeLinear scales (one, or one per index of ONNX axis `axis`); absent for Cast and MatMulNBits. */
  scales?: { values: Float32Array; axis?: number };
}

/**
 * Writes `q` (a kernel in tfjs layout) as a quantized initializer of its ONNX
 * layout followed by DequantizeLinear (int8, uint8, int4) or Cast (fp16), and
 * returns the float output the Conv / MatMul reads.
 *
 * @throws {RangeError} when the opset cannot express the scheme.
 */
export function writeQuantizedKernel(graph: OnnxGraphBuilder, q: QuantizedTensor, layout: KernelLayout, options: WriteKernelOptions): WrittenKernel {
  const map = layoutMap(layout, q.shape);
  const size = q.shape.reduce((a, b) => a * b, 1);
  const source = permutationSources(q.shape, map.perm);
  const { name } = options;
  switch (q.scheme) {
    case 'fp16': {
      const data = graph.rawTensor(`${name}_fp16`, map.dims, ONNX_DATA_TYPE.FLOAT16, gatherBytes(q.data, source, 2));
      return { name: graph.node('Cast', [data], name, [{ name: 'to', int: ONNX_DATA_TYPE.FLOAT }]), op: 'Cast', scheme: q.scheme, bytes: size * 2 };
    }
    case 'int8-per-tensor':
    case 'uint8-per-tensor': {
      const type = q.scheme === 'int8-per-tensor' ? ONNX_DATA_TYPE.INT8 : ONNX_DATA_TYPE.UINT8;
      const data = graph.rawTensor(`${name}_q`, map.dims, type, gatherBytes(q.data, source, 1));
      if (options.atLoad) return castMul(graph, name, data, [], Float32Array.of(q.scales[0]), q.zeroPoints?.[0] ?? 0, q.scheme, size + 5);
      const scale = graph.floatTensor(`${name}_scale`, [], [q.scales[0]]);
      const zeroPoint = graph.rawTensor(`${name}_zero_point`, [], type, Uint8Array.of(q.zeroPoints?.[0] ?? 0));
      const out = graph.node('DequantizeLinear', [data, scale, zeroPoint], name);
      return { name: out, op: 'DequantizeLinear', scheme: q.scheme, bytes: size + 5, scales: { values: Float32Array.of(q.scales[0]) } };
    }
    case 'int8-per-channel': {
      requireOpset(options.opset, 13, 'per-channel DequantizeLinear (axis)', name);
      const axis = channelAxis(q, map);
      const data = graph.rawTensor(`${name}_q`, map.dims, ONNX_DATA_TYPE.INT8, gatherBytes(q.data, source, 1));
      if (options.atLoad) {
        const scaleDims = map.dims.map((d, i) => (i === axis.onnxAxis ? d : 1));
        return castMul(graph, name, data, scaleDims, axis.scales, 0, q.scheme, size + axis.scales.length * 4);
      }
      return dequantizePerAxis(graph, name, data, axis.onnxAxis, axis.scales, q.scheme, size);
    }
    case 'int4-block':
      return writeInt4(graph, q, layout, map, source, options);
  }
}

/** The ONNX axis and per-index scales of a per-channel tensor (depthwise channels expand over the merged axis). */
function channelAxis(q: QuantizedTensor, map: LayoutMap): { onnxAxis: number; scales: Float32Array } {
  const axis = q.axis;
  if (axis === undefined || !Number.isInteger(axis) || axis < 0 || axis >= q.shape.length) {
    throw new TypeError(`an int8-per-channel tensor needs an axis in 0..${q.shape.length - 1}, got ${String(axis)}`);
  }
  if (q.scales.length !== q.shape[axis]) throw new TypeError(`int8-per-channel: ${q.scales.length} scales for ${q.shape[axis]} channels`);
  const permuted = map.perm.indexOf(axis);
  const onnxAxis = map.axisAfterMerge(permuted);
  if (map.dims[onnxAxis] === q.scales.length) return { onnxAxis, scales: q.scales };
  // Depthwise with a channel multiplier: ONNX channel i·mult + j takes the scale of tfjs index i (axis in) or j (axis mult).
  const [ci, m] = [q.shape[map.perm[0]], q.shape[map.perm[1]]];
  const scales = new Float32Array(ci * m);
  for (let i = 0; i < ci; i++) for (let j = 0; j < m; j++) scales[i * m + j] = q.scales[permuted === 0 ? i : j];
  return { onnxAxis, scales };
}

/** `(float(data) − zeroPoint) · scale` with the scale broadcast from `scaleDims`; folded to a float initializer by ONNX Runtime. */
function castMul(
  graph: OnnxGraphBuilder,
  name: string,
  data: string,
  scaleDims: number[],
  scales: Float32Array,
  zeroPoint: number,
  scheme: QuantizedTensor['scheme'],
  bytes: number,
): WrittenKernel {
  let x = graph.node('Cast', [data], `${name}_float`, [{ name: 'to', int: ONNX_DATA_TYPE.FLOAT }]);
  if (zeroPoint !== 0) x = graph.node('Sub', [x, graph.floatScalar(zeroPoint)], `${name}_centred`);
  const out = graph.node('Mul', [x, graph.floatTensor(`${name}_scale`, scaleDims, scales)], name);
  return { name: out, op: 'Cast', scheme, bytes };
}

function dequantizePerAxis(
  graph: OnnxGraphBuilder,
  name: string,
  data: string,
  axis: number,
  scales: Float32Array,
  scheme: QuantizedTensor['scheme'],
  size: number,
): WrittenKernel {
  const scale = graph.floatTensor(`${name}_scale`, [scales.length], scales);
  const zeroPoint = graph.rawTensor(`${name}_zero_point`, [scales.length], ONNX_DATA_TYPE.INT8, new Uint8Array(scales.length));
  const out = graph.node('DequantizeLinear', [data, scale, zeroPoint], name, [{ name: 'axis', int: axis }]);
  return { name: out, op: 'DequantizeLinear', scheme, bytes: size + scales.length * 5, scales: { values: scales, axis } };
}

function writeInt4(
  graph: OnnxGraphBuilder,
  q: QuantizedTensor,
  layout: KernelLayout,
  map: LayoutMap,
  source: Int32Array,
  options: WriteKernelOptions,
): WrittenKernel {
  const { axis, blockSize } = int4Geometry(q);
  const size = source.length;
  const permuted = map.perm.indexOf(axis);
  // Blocks along in or mult of a depthwise kernel with both > 1 do not survive merging them.
  const mergeable = layout !== 'depthwise' || permuted > 1 || q.shape[map.perm[1 - permuted]] === 1;
  if (options.int4Storage === 'int4-blocked' && mergeable) {
    requireOpset(options.opset, 21, 'INT4 blocked DequantizeLinear', options.name);
    const values = unpackInt4(q.data, size);
    const data = graph.rawTensor(`${options.name}_q4`, map.dims, ONNX_DATA_TYPE.INT4, packInt4(Int8Array.from(source, (s) => values[s])));
    const scaleShape = q.shape.slice();
    scaleShape[axis] = Math.ceil(q.shape[axis] / blockSize);
    const scaleSource = permutationSources(scaleShape, map.perm);
    const scaleDims = map.dims.slice();
    const onnxAxis = map.axisAfterMerge(permuted);
    scaleDims[onnxAxis] = Math.ceil(map.dims[onnxAxis] / blockSize);
    const scales = Float32Array.from(scaleSource, (s) => q.scales[s]);
    const scale = graph.floatTensor(`${options.name}_scale`, scaleDims, scales);
    const out = graph.node('DequantizeLinear', [data, scale], options.name, [
      { name: 'axis', int: onnxAxis },
      { name: 'block_size', int: blockSize },
    ]);
    return { name: out, op: 'DequantizeLinear', scheme: 'int4-block', bytes: Math.ceil(size / 2) + scales.length * 4 };
  }
  requireOpset(options.opset, 13, 'per-channel DequantizeLinear (axis)', options.name);
  options.note(
    options.int4Storage === 'int4-blocked'
      ? `${options.name}: int4 blocks along tfjs axis ${axis} cannot be expressed in the ONNX layout; stored as int8 per output channel`
      : `${options.name}: int4-block kernel stored as int8 per output channel (DequantizeLinear), because ONNX Runtime's WebGPU EP has no INT4 DequantizeLinear and MatMulNBits takes only Dense kernels; pass int4Storage: 'int4-blocked' (opset 21) to keep int4`,
  );
  // Re-quantized in the ONNX layout, one scale per output channel (axis 0, or 1 of a Dense [K, N]).
  const onnx = floatToOnnxLayout({ shape: q.shape, values: dequantizeTensor(q) }, layout);
  const outAxis = layout === 'dense' ? 1 : 0;
  const int8 = quantizeTensor(onnx.values, onnx.shape, 'int8-per-channel', { axis: outAxis });
  const dataName = graph.rawTensor(`${options.name}_q`, onnx.shape, ONNX_DATA_TYPE.INT8, int8.data);
  return dequantizePerAxis(graph, options.name, dataName, outAxis, int8.scales, 'int8-per-channel', size);
}

/** Whether a Dense kernel `q` can go into MatMulNBits: int4 blocks along K of a power-of-two size ≥ 16. */
export function fitsMatMulNBits(q: QuantizedTensor): boolean {
  if (q.scheme !== 'int4-block' || q.shape.length !== 2) return false;
  const blockSize = q.blockSize ?? 32;
  return q.axis === 0 && blockSize >= 16 && (blockSize & (blockSize - 1)) === 0;
}

/** The initializers and attributes of a MatMulNBits node, shared by every application of its layer. */
export interface MatMulNBitsWeights {
  /** `B` and `scales`, the op's inputs after `A`. */
  inputs: [string, string];
  attributes: OnnxAttribute[];
  /** Bytes of B and scales. */
  bytes: number;
}

/**
 * The weights of `x · W` with ONNX Runtime's com.microsoft MatMulNBits (4 bits):
 * B is repacked from the tfjs `[K, N]` row-major int4 layout to `[N, blocks,
 * blockSize / 2]` bytes of unsigned codes `q + 8` (8 is the op's default zero
 * point), low nibble first along K; scales go to `[N · blocks]`. Padding past K
 * holds code 8, which dequantizes to 0.
 */
export function writeMatMulNBitsWeights(graph: OnnxGraphBuilder, q: QuantizedTensor, name: string): MatMulNBitsWeights {
  if (!fitsMatMulNBits(q)) throw new TypeError(`${name}: MatMulNBits needs an int4-block [K, N] kernel blocked along axis 0 with a power-of-two block ≥ 16`);
  const [k, n] = q.shape;
  const blockSize = q.blockSize ?? 32;
  const blocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const values = unpackInt4(q.data, k * n);
  const b = new Uint8Array(n * blocks * blob);
  for (let col = 0; col < n; col++) {
    const base = col * blocks * blob;
    for (let row = 0; row < blocks * blockSize; row++) {
      const code = row < k ? values[row * n + col] + 8 : 8;
      b[base + (row >> 1)] |= code << ((row & 1) * 4);
    }
  }
  // tfjs-layout scales are [blocks, N]; MatMulNBits wants them column by column.
  const scales = new Float32Array(n * blocks);
  for (let col = 0; col < n; col++) for (let blk = 0; blk < blocks; blk++) scales[col * blocks + blk] = q.scales[blk * n + col];
  return {
    inputs: [graph.rawTensor(`${name}_q4`, [n, blocks, blob], ONNX_DATA_TYPE.UINT8, b), graph.floatTensor(`${name}_scales`, [n * blocks], scales)],
    attributes: [
      { name: 'K', int: k },
      { name: 'N', int: n },
      { name: 'bits', int: 4 },
      { name: 'block_size', int: blockSize },
    ],
    bytes: b.length + scales.length * 4,
  };
}

function requireOpset(opset: number, needed: number, what: string, name: string): void {
  if (opset < needed) throw new RangeError(`${name}: ${what} needs opset ≥ ${needed}, the export uses ${opset}; pass { opset: ${needed} }`);
}

/** Checks a quantizer's answer against the kernel it was asked for. */
export function checkQuantizedKernel(q: QuantizedTensor, shape: number[], name: string): void {
  if (q.shape.length !== shape.length || q.shape.some((d, i) => d !== shape[i])) {
    throw new TypeError(`${name}: the quantizer returned shape [${q.shape.join(', ')}] for a kernel of shape [${shape.join(', ')}]`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const bytes: Record<QuantizedTensor['scheme'], number> = {
    fp16: size * 2,
    'int8-per-channel': size,
    'int8-per-tensor': size,
    'uint8-per-tensor': size,
    'int4-block': Math.ceil(size / 2),
  };
  if (q.data.length !== bytes[q.scheme]) {
    throw new TypeError(`${name}: ${q.scheme} data of ${size} values needs ${bytes[q.scheme]} bytes, got ${q.data.length}`);
  }
}
