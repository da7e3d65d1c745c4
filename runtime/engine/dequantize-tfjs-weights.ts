/**
 * Decodes the edgeloop weight quantizations of a tfjs artifact into plain float32, so
 * that `tf.io.fromMemory` + `loadLayersModel` can load it.
 *
 * tfjs's weights manifest only knows `quantization: { dtype: 'uint8' | 'uint16' |
 * 'float16' }` (one scale and min per tensor). The compressor stores the schemes tfjs
 * lacks — symmetric int8 per tensor or per output channel, block-wise int4 — as a
 * weight spec with the extension field `edgeloopQuantization` ({@link
 * EdgeloopWeightQuantization}). Such an entry occupies `byteLength` bytes of the
 * weight data: first `scaleCount` scales (little-endian float32, or float16 when
 * `scaleDtype: 'float16'`), then the codes — one int8 per element, or int4 packed two
 * per byte (lower index in the low nibble, two's complement nibbles) — all in
 * row-major order of the spec's `shape`; see trainer/compress/quantize/quantized-tensor.ts
 * for the scale layouts. With `viewShape`, codes and scales are laid out over that
 * shape instead (same elements, same row-major order, e.g. a Conv2D kernel [kh, kw, in,
 * out] read as [kh·kw·in, out] and blocked along axis 0); the decoded weight keeps the
 * spec's `shape`. Entries without `viewShape`/`scaleDtype` (older compressors) decode
 * as before. Entries
 * without the field (float32, tfjs-native quantization, other dtypes) pass through
 * byte for byte; tfjs decodes its own.
 *
 * Self-contained on purpose: the runtime ships to devices and must not pull in the
 * trainer.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { EdgeloopError } from '../../format/index.ts';

/** The edgeloop quantization of one tfjs weight spec (the `edgeloopQuantization` field). */
export interface EdgeloopWeightQuantization {
  /** The scheme; the other schemes are stored with tfjs's own `quantization` field. */
  scheme: 'int8-per-channel' | 'int8-per-tensor' | 'int4-block';
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

/** A tfjs weight spec that may carry {@link EdgeloopWeightQuantization}. */
export type EdgeloopWeightSpec = TfCore.io.WeightsManifestEntry & { edgeloopQuantization?: EdgeloopWeightQuantization };

/** The result of {@link dequantizeTfjsWeights}: what `tf.io.fromMemory` takes. */
export interface DequantizedTfjsWeights {
  weightSpecs: TfCore.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const TFJS_QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/**
 * Replaces every weight with `edgeloopQuantization` by a plain float32 weight of the
 * same name and shape, rebuilding `weightData` around it. Without such weights the
 * inputs come back unchanged (no copy when `weightData` is one ArrayBuffer).
 *
 * @throws {EdgeloopError} `MODEL_LOAD_FAILED` when a spec is malformed or the weight
 *   data is shorter than the specs say.
 */
export function dequantizeTfjsWeights(
  weightSpecs: readonly EdgeloopWeightSpec[],
  weightData: ArrayBuffer | ArrayBuffer[] | Uint8Array,
): DequantizedTfjsWeights {
  const bytes = joinWeightData(weightData);
  if (!weightSpecs.some((spec) => spec.edgeloopQuantization !== undefined)) {
    const buffer = weightData instanceof ArrayBuffer ? weightData : bytes.slice().buffer;
    return { weightSpecs: weightSpecs.slice(), weightData: buffer };
  }
  const parts: Uint8Array[] = [];
  const specs: TfCore.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of weightSpecs) {
    const length = entryByteLength(spec, bytes, offset);
    if (offset + length > bytes.byteLength) {
      fail(`weight '${spec.name}' needs bytes ${offset}–${offset + length} but the weight data has ${bytes.byteLength}`, spec);
    }
    const entry = bytes.subarray(offset, offset + length);
    offset += length;
    const quant = spec.edgeloopQuantization;
    if (quant === undefined) {
      specs.push(spec);
      parts.push(entry);
      continue;
    }
    const { edgeloopQuantization: _, ...plain } = spec;
    specs.push({ ...plain, dtype: 'float32' });
    const values = decodeEntry(spec, quant, entry);
    parts.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return { weightSpecs: specs, weightData: out.buffer };
}

function decodeEntry(spec: EdgeloopWeightSpec, quant: EdgeloopWeightQuantization, entry: Uint8Array): Float32Array {
  const shape = quant.viewShape ?? spec.shape;
  const count = shape.reduce((n, d) => n * d, 1);
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  const half = quant.scaleDtype === 'float16';
  const scales = new Float32Array(quant.scaleCount);
  for (let i = 0; i < scales.length; i++) scales[i] = half ? float16ToNumber(view.getUint16(i * 2, true)) : view.getFloat32(i * 4, true);
  const codesAt = quant.scaleCount * (half ? 2 : 4);
  const out = new Float32Array(count);
  if (quant.scheme === 'int8-per-tensor') {
    for (let i = 0; i < count; i++) out[i] = view.getInt8(codesAt + i) * scales[0];
    return out;
  }
  const axis = quant.axis ?? -1;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const dim = shape[axis];
  if (quant.scheme === 'int8-per-channel') {
    for (let i = 0; i < count; i++) out[i] = view.getInt8(codesAt + i) * scales[Math.floor(i / inner) % dim];
    return out;
  }
  const blockSize = quant.blockSize ?? 32;
  const blocks = Math.ceil(dim / blockSize);
  for (let i = 0; i < count; i++) {
    const byte = entry[codesAt + (i >>> 1)];
    const nibble = (i & 1) === 0 ? byte & 0x0f : byte >>> 4;
    const j = i % inner;
    const rest = (i - j) / inner;
    const c = rest % dim;
    const o = (rest - c) / dim;
    out[i] = (nibble >= 8 ? nibble - 16 : nibble) * scales[(o * blocks + Math.floor(c / blockSize)) * inner + j];
  }
  return out;
}

/** Bytes `spec` occupies at `offset`, after checking an edgeloop entry is self-consistent. */
function entryByteLength(spec: EdgeloopWeightSpec, bytes: Uint8Array, offset: number): number {
  if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`weight '${spec.name}' has an invalid shape`, spec);
  const count = spec.shape.reduce((n, d) => n * d, 1);
  const quant = spec.edgeloopQuantization;
  if (quant !== undefined) {
    const expected = scaleBytes(spec, quant) * expectedScaleCount(spec, quant) + codeBytes(quant.scheme, count);
    if (quant.byteLength !== expected || spec.quantization !== undefined) {
      fail(`weight '${spec.name}' has an inconsistent edgeloopQuantization (byteLength ${quant.byteLength}, expected ${expected})`, spec);
    }
    return expected;
  }
  if (spec.quantization !== undefined) {
    const size = TFJS_QUANT_BYTES[spec.quantization.dtype];
    if (size === undefined) fail(`weight '${spec.name}' has unknown tfjs quantization dtype '${spec.quantization.dtype}'`, spec);
    return count * size;
  }
  if (spec.dtype === 'string') {
    // tfjs strings: each value is a uint32 (little-endian) byte length, then the bytes.
    let length = 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) {
      if (offset + length + 4 > bytes.byteLength) fail(`weight '${spec.name}' runs past the end of the weight data`, spec);
      length += 4 + view.getUint32(offset + length, true);
    }
    return length;
  }
  const size = DTYPE_BYTES[spec.dtype];
  if (size === undefined) fail(`weight '${spec.name}' has unknown dtype '${spec.dtype}'`, spec);
  return count * size;
}

function scaleBytes(spec: EdgeloopWeightSpec, quant: EdgeloopWeightQuantization): number {
  if (quant.scaleDtype === undefined || quant.scaleDtype === 'float32') return 4;
  if (quant.scaleDtype === 'float16') return 2;
  return fail(`weight '${spec.name}' has unknown scaleDtype '${String(quant.scaleDtype)}'`, spec);
}

/** The shape scales and codes are laid out in: `viewShape` when given (checked against `shape`), else `shape`. */
function layoutShape(spec: EdgeloopWeightSpec, quant: EdgeloopWeightQuantization): number[] {
  const view = quant.viewShape;
  if (view === undefined) return spec.shape;
  const count = spec.shape.reduce((n, d) => n * d, 1);
  if (!Array.isArray(view) || view.length === 0 || view.some((d) => !Number.isInteger(d) || d < 0) || view.reduce((n, d) => n * d, 1) !== count) {
    fail(`weight '${spec.name}' has a viewShape [${String(view)}] that does not hold the ${count} elements of shape [${spec.shape.join(', ')}]`, spec);
  }
  return view;
}

function expectedScaleCount(spec: EdgeloopWeightSpec, quant: EdgeloopWeightQuantization): number {
  const shape = layoutShape(spec, quant);
  if (quant.scheme === 'int8-per-tensor') return 1;
  const axis = quant.axis;
  if (axis === undefined || !Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    fail(`weight '${spec.name}' (${quant.scheme}) needs an axis in [0, ${shape.length}), got ${String(axis)}`, spec);
  }
  if (quant.scheme === 'int8-per-channel') return shape[axis];
  if (quant.scheme === 'int4-block') {
    const blockSize = quant.blockSize;
    if (blockSize === undefined || !Number.isInteger(blockSize) || blockSize <= 0) {
      fail(`weight '${spec.name}' (int4-block) needs a positive integer blockSize, got ${String(blockSize)}`, spec);
    }
    const count = shape.reduce((n, d) => n * d, 1);
    return shape[axis] === 0 ? 0 : (count / shape[axis]) * Math.ceil(shape[axis] / blockSize);
  }
  return fail(`weight '${spec.name}' has unknown edgeloop scheme '${String((quant as { scheme: unknown }).scheme)}'; update the runtime`, spec);
}

function codeBytes(scheme: EdgeloopWeightQuantization['scheme'], count: number): number {
  return scheme === 'int4-block' ? Math.ceil(count / 2) : count;
}

/** The value of a binary16 bit pattern (every half is exactly a float32). */
function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

function joinWeightData(data: ArrayBuffer | ArrayBuffer[] | Uint8Array): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (!Array.isArray(data)) return new Uint8Array(data);
  const out = new Uint8Array(data.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of data) {
    out.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return out;
}

function fail(message: string, spec: EdgeloopWeightSpec): never {
  throw new EdgeloopError('MODEL_LOAD_FAILED', `${message}; the tfjs artifact is corrupt or was written by a newer compressor`, {
    details: { weight: spec.name },
  });
}
