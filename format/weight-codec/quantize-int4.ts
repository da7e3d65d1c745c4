/**
 * Block-wise symmetric int4 (`int4-block`), the layout of ONNX DequantizeLinear with
 * `block_size` on int4 weights.
 *
 * Along `axis`, each run of `blockSize` consecutive indices (the last run of a row may
 * be shorter) shares one scale `max|x| / 7`; codes are `round(x / scale)` (ties to
 * even) clamped to [−7, 7]. −8 is never produced, so the grid is symmetric around 0
 * and `|x − dequantize(q)| ≤ scale / 2`; decoders still accept −8. An all-zero block
 * gets scale 1. Scales are row-major over `shape` with `shape[axis]` replaced by
 * `ceil(shape[axis] / blockSize)`.
 *
 * Codes are packed two per byte in row-major element order: element `2k` in the low
 * nibble of byte `k`, element `2k + 1` in the high nibble, each a 4-bit two's
 * complement number (−1 → 0xF); an odd count leaves the last high nibble 0.
 */
import { axisLayout, resolveAxis } from './axis-layout.ts';
import { assertFinite, symmetricScale } from './quantize-int8.ts';
import type { QuantizedTensor } from './quantized-tensor.ts';
import { roundHalfEven } from './round-half-even.ts';

const INT4_MAX = 7;

/**
 * Quantizes to `int4-block` with blocks of `blockSize` along `axis`.
 *
 * @throws {RangeError} when `blockSize` is not a positive integer, `axis` is outside
 *   `shape`, or a value is not finite.
 */
export function quantizeInt4Block(values: Float32Array, shape: readonly number[], axis: number, blockSize: number): QuantizedTensor {
  if (!Number.isInteger(blockSize) || blockSize <= 0) throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
  assertFinite(values);
  const resolved = resolveAxis(shape, axis);
  const { outer, dim, inner } = axisLayout(shape, resolved);
  const blocks = Math.ceil(dim / blockSize);
  const peaks = new Float32Array(outer * blocks * inner);
  for (let i = 0; i < values.length; i++) {
    const s = blockScaleIndex(i, dim, inner, blocks, blockSize);
    const a = Math.abs(values[i]);
    if (a > peaks[s]) peaks[s] = a;
  }
  const scales = peaks.map((peak) => symmetricScale(peak, INT4_MAX));
  const codes = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const code = roundHalfEven(values[i] / scales[blockScaleIndex(i, dim, inner, blocks, blockSize)]);
    codes[i] = code < -INT4_MAX ? -INT4_MAX : code > INT4_MAX ? INT4_MAX : code;
  }
  return { scheme: 'int4-block', shape: shape.slice(), data: packInt4(codes), scales, axis: resolved, blockSize };
}

/** Decodes an `int4-block` tensor: `code × scale of its block`. */
export function dequantizeInt4Block(q: QuantizedTensor): Float32Array {
  const blockSize = q.blockSize ?? 32;
  const { dim, inner } = axisLayout(q.shape, q.axis ?? 0);
  const blocks = Math.ceil(dim / blockSize);
  const count = q.shape.reduce((n, d) => n * d, 1);
  const codes = unpackInt4(q.data, count);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = codes[i] * q.scales[blockScaleIndex(i, dim, inner, blocks, blockSize)];
  return out;
}

/** Packs int4 codes (each in [−8, 7]) two per byte, lower index in the low nibble. */
export function packInt4(codes: Int8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(codes.length / 2));
  for (let i = 0; i < codes.length; i++) {
    const nibble = codes[i] & 0x0f;
    out[i >>> 1] |= (i & 1) === 0 ? nibble : nibble << 4;
  }
  return out;
}

/** The first `count` signed int4 codes of `packed` (inverse of {@link packInt4}). */
export function unpackInt4(packed: Uint8Array, count: number): Int8Array {
  if (packed.length < Math.ceil(count / 2)) throw new RangeError(`${count} int4 codes need ${Math.ceil(count / 2)} bytes, got ${packed.length}`);
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const nibble = (i & 1) === 0 ? packed[i >>> 1] & 0x0f : packed[i >>> 1] >>> 4;
    out[i] = nibble >= 8 ? nibble - 16 : nibble;
  }
  return out;
}

/**
 * Index into the blocked scales of row-major element `i`, for a tensor whose blocked
 * axis has `dim` indices with `inner` elements after it, cut into `blocks` blocks of
 * `blockSize`.
 */
export function blockScaleIndex(i: number, dim: number, inner: number, blocks: number, blockSize: number): number {
  const j = i % inner;
  const rest = (i - j) / inner;
  const c = rest % dim;
  const o = (rest - c) / dim;
  return (o * blocks + Math.floor(c / blockSize)) * inner + j;
}
