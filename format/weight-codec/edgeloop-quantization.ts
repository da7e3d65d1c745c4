/**
 * The `edgeloopQuantization` field of a quantized tfjs artifact's weights manifest: the
 * schemes tfjs's own `quantization` field cannot express (symmetric int8 per tensor or
 * per channel, block-wise int4), their byte layout in the weight data, and the encoder
 * (the compressor) and decoder (the runtime) of one entry. Byte by byte in
 * docs/PACKAGE-FORMAT.md, "Weight quantization".
 *
 * An entry occupies `byteLength` bytes of the weight data: `scaleCount` scales
 * (little-endian float32, or float16 with `scaleDtype: 'float16'`), then the codes —
 * one int8 per element, or int4 packed two per byte (lower index in the low nibble) —
 * in row-major order of `viewShape` when given, else of the weight's `shape`.
 */
import { float16BitsToFloat32, float32ToFloat16Bits } from './quantize-fp16.ts';
import { dequantizeInt4Block } from './quantize-int4.ts';
import { dequantizeInt8 } from './quantize-int8.ts';
import type { QuantizedTensor } from './quantized-tensor.ts';

/** The schemes stored with `edgeloopQuantization`; fp16 and uint8 use tfjs's own `quantization`. */
export const EDGELOOP_QUANT_SCHEMES = ['int8-per-channel', 'int8-per-tensor', 'int4-block'] as const;

/** A scheme of {@link EDGELOOP_QUANT_SCHEMES}. */
export type EdgeloopQuantScheme = (typeof EDGELOOP_QUANT_SCHEMES)[number];

/** The edgeloop quantization of one tfjs weight spec (the `edgeloopQuantization` field). */
export interface EdgeloopWeightQuantization {
  /** The scheme; the other schemes are stored with tfjs's own `quantization` field. */
  scheme: EdgeloopQuantScheme;
  /** Bytes of the entry in the weight data: `scaleCount` scales (4 or 2 bytes each, see `scaleDtype`), then the codes. */
  byteLength: number;
  /** Number of scales at the start of the entry. */
  scaleCount: number;
  /** int8-per-channel: the channel axis; int4-block: the blocked axis (tfjs numbering, non-negative; of `viewShape` when given). */
  axis?: number;
  /** int4-block: values per block along `axis`. */
  blockSize?: number;
  /** The row-major shape codes and scales are laid out in (same element count as `shape`). Absent: `shape`. */
  viewShape?: number[];
  /** How each scale is stored. Absent: `'float32'`. */
  scaleDtype?: 'float32' | 'float16';
}

/** Where the parts of one entry lie, from {@link edgeloopEntryLayout}. */
export interface EdgeloopEntryLayout {
  /** The shape codes and scales are laid out in (`viewShape` or the weight's shape). */
  layoutShape: number[];
  /** Elements of the weight. */
  count: number;
  /** Bytes per scale: 4 (float32) or 2 (float16). */
  scaleBytes: number;
  /** The scale count the scheme and shape call for. */
  scaleCount: number;
  /** Offset of the first code: `scaleCount × scaleBytes`. */
  codesAt: number;
  /** Bytes of the whole entry. */
  byteLength: number;
}

/**
 * Checks that `quant` is self-consistent for a weight of `shape` and says where its
 * parts lie.
 *
 * @throws {RangeError} naming what is wrong: an unknown scheme or scale dtype, a missing
 *   or out-of-range axis or block size, a `viewShape` of another element count, or a
 *   `scaleCount`/`byteLength` other than the scheme and shape call for.
 */
export function edgeloopEntryLayout(shape: readonly number[], quant: EdgeloopWeightQuantization): EdgeloopEntryLayout {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`has an invalid shape [${String(shape)}]`);
  if (!(EDGELOOP_QUANT_SCHEMES as readonly string[]).includes(quant.scheme)) {
    throw new RangeError(`has unknown edgeloop scheme '${String(quant.scheme)}'; update the runtime`);
  }
  const scaleBytes = quant.scaleDtype === undefined || quant.scaleDtype === 'float32' ? 4 : quant.scaleDtype === 'float16' ? 2 : 0;
  if (scaleBytes === 0) throw new RangeError(`has unknown scaleDtype '${String(quant.scaleDtype)}'`);
  const count = shape.reduce((n, d) => n * d, 1);
  const layoutShape = quant.viewShape ?? shape.slice();
  const view = quant.viewShape;
  if (view !== undefined && (!Array.isArray(view) || view.length === 0 || view.some((d) => !Number.isInteger(d) || d < 0) || view.reduce((n, d) => n * d, 1) !== count)) {
    throw new RangeError(`has a viewShape [${String(view)}] that does not hold the ${count} elements of shape [${shape.join(', ')}]`);
  }
  const scaleCount = expectedScaleCount(layoutShape, quant);
  const codesAt = scaleCount * scaleBytes;
  const byteLength = codesAt + (quant.scheme === 'int4-block' ? Math.ceil(count / 2) : count);
  if (quant.byteLength !== byteLength || quant.scaleCount !== scaleCount) {
    throw new RangeError(`has an inconsistent edgeloopQuantization (byteLength ${quant.byteLength}, expected ${byteLength}; scaleCount ${quant.scaleCount}, expected ${scaleCount})`);
  }
  return { layoutShape, count, scaleBytes, scaleCount, codesAt, byteLength };
}

function expectedScaleCount(shape: readonly number[], quant: EdgeloopWeightQuantization): number {
  if (quant.scheme === 'int8-per-tensor') return 1;
  const axis = quant.axis;
  if (axis === undefined || !Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new RangeError(`(${quant.scheme}) needs an axis in [0, ${shape.length}), got ${String(axis)}`);
  }
  if (quant.scheme === 'int8-per-channel') return shape[axis];
  const blockSize = quant.blockSize;
  if (blockSize === undefined || !Number.isInteger(blockSize) || blockSize <= 0) {
    throw new RangeError(`(int4-block) needs a positive integer blockSize, got ${String(blockSize)}`);
  }
  const count = shape.reduce((n, d) => n * d, 1);
  return shape[axis] === 0 ? 0 : (count / shape[axis]) * Math.ceil(shape[axis] / blockSize);
}

/** Options of {@link encodeEdgeloopWeight}. */
export interface EncodeEdgeloopWeightOptions {
  /** How to store the scales; with `'float16'` every scale must already be a float16 value (it is stored exactly). @defaultValue 'float32' */
  scaleDtype?: 'float32' | 'float16';
  /** The weight's own shape when `q.shape` is a view of it (same element count); written as `viewShape`. */
  weightShape?: readonly number[];
}

/**
 * The `edgeloopQuantization` field and the entry bytes (scales, then codes) of a
 * quantized tensor of an {@link EdgeloopQuantScheme}.
 *
 * @throws {TypeError} for fp16 and uint8 tensors (tfjs stores those itself).
 * @throws {RangeError} when a float16 scale is not exactly a float16 value.
 */
export function encodeEdgeloopWeight(q: QuantizedTensor, options: EncodeEdgeloopWeightOptions = {}): { quantization: EdgeloopWeightQuantization; bytes: Uint8Array } {
  if (!(EDGELOOP_QUANT_SCHEMES as readonly string[]).includes(q.scheme)) {
    throw new TypeError(`${q.scheme} is stored with tfjs's own quantization field, not edgeloopQuantization`);
  }
  const half = options.scaleDtype === 'float16';
  const scaleBytes = q.scales.length * (half ? 2 : 4);
  const bytes = new Uint8Array(scaleBytes + q.data.byteLength);
  const view = new DataView(bytes.buffer);
  q.scales.forEach((s, i) => {
    if (!half) return view.setFloat32(i * 4, s, true);
    const bits = float32ToFloat16Bits(s);
    if (float16BitsToFloat32(bits) !== s) throw new RangeError(`scale ${i} (${s}) is not a float16 value; round the scales to float16 before encoding`);
    view.setUint16(i * 2, bits, true);
  });
  bytes.set(q.data, scaleBytes);
  const sameShape = options.weightShape === undefined || (options.weightShape.length === q.shape.length && options.weightShape.every((d, i) => d === q.shape[i]));
  const quantization: EdgeloopWeightQuantization = {
    scheme: q.scheme as EdgeloopQuantScheme,
    byteLength: bytes.byteLength,
    scaleCount: q.scales.length,
    ...(q.axis === undefined || q.scheme === 'int8-per-tensor' ? {} : { axis: q.axis }),
    ...(q.blockSize === undefined ? {} : { blockSize: q.blockSize }),
    ...(sameShape ? {} : { viewShape: q.shape.slice() }),
    ...(half ? { scaleDtype: 'float16' as const } : {}),
  };
  return { quantization, bytes };
}

/**
 * The float32 values (row-major, `count` of the weight's `shape`) of one entry.
 *
 * @throws {RangeError} as {@link edgeloopEntryLayout}, or when `entry` is shorter than
 *   `byteLength`.
 */
export function decodeEdgeloopWeight(shape: readonly number[], quant: EdgeloopWeightQuantization, entry: Uint8Array): Float32Array {
  const layout = edgeloopEntryLayout(shape, quant);
  if (entry.byteLength < layout.byteLength) throw new RangeError(`needs ${layout.byteLength} bytes, got ${entry.byteLength}`);
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  const scales = new Float32Array(layout.scaleCount);
  for (let i = 0; i < scales.length; i++) scales[i] = layout.scaleBytes === 2 ? float16BitsToFloat32(view.getUint16(i * 2, true)) : view.getFloat32(i * 4, true);
  const q: QuantizedTensor = {
    scheme: quant.scheme,
    shape: layout.layoutShape,
    data: entry.subarray(layout.codesAt, layout.byteLength),
    scales,
    ...(quant.axis === undefined ? {} : { axis: quant.axis }),
    ...(quant.blockSize === undefined ? {} : { blockSize: quant.blockSize }),
  };
  return quant.scheme === 'int4-block' ? dequantizeInt4Block(q) : dequantizeInt8(q);
}
