/**
 * 8-bit quantizers.
 *
 * - `int8-per-tensor` / `int8-per-channel`: signed, symmetric (zero point 0),
 *   `scale = max|x| / 127`, `q = round(x / scale)` (ties to even) clamped to
 *   [−127, 127]; −128 is never produced, so negating a code never overflows. One
 *   scale for the tensor, or one per index of the channel `axis`.
 * - `uint8-per-tensor`: unsigned, asymmetric, the tfjs-converter recipe: the range is
 *   widened to include 0, `scale = (max − min) / 255`, `zeroPoint = round(−min / scale)`
 *   clamped to [0, 255] (so 0.0 is exactly representable), `q = round(x / scale) + zeroPoint`
 *   clamped to [0, 255]; tfjs reads it back as `q × scale + min` with `min = −zeroPoint × scale`.
 *
 * An all-zero tensor or channel gets scale 1 (every code 0): any positive scale
 * decodes to the same zeros, and 1 keeps the scale a plain, finite number for the
 * ONNX writer and the tfjs manifest. Scales are computed in float32 and the codes
 * from that float32 scale, so `|x − dequantize(q)| ≤ scale / 2` holds for the stored
 * scale. NaN or ±Infinity cannot be quantized to integers and are rejected.
 */
import { axisLayout, resolveAxis } from './axis-layout.ts';
import type { QuantizedTensor } from './quantized-tensor.ts';
import { roundHalfEven } from './round-half-even.ts';

const INT8_MAX = 127;
const UINT8_MAX = 255;

/** Symmetric int8 with one scale for the whole tensor. */
export function quantizeInt8PerTensor(values: Float32Array, shape: readonly number[]): QuantizedTensor {
  assertFinite(values);
  const scale = symmetricScale(maxAbs(values, 0, values.length, 1), INT8_MAX);
  const data = new Uint8Array(values.length);
  const codes = new Int8Array(data.buffer);
  for (let i = 0; i < values.length; i++) codes[i] = clamp(roundHalfEven(values[i] / scale), -INT8_MAX, INT8_MAX);
  return { scheme: 'int8-per-tensor', shape: shape.slice(), data, scales: Float32Array.of(scale) };
}

/** Symmetric int8 with one scale per index of `axis` (`shape[axis]` scales). */
export function quantizeInt8PerChannel(values: Float32Array, shape: readonly number[], axis: number): QuantizedTensor {
  assertFinite(values);
  const resolved = resolveAxis(shape, axis);
  const { outer, dim, inner } = axisLayout(shape, resolved);
  const peaks = new Float32Array(dim);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < dim; c++) {
      const start = (o * dim + c) * inner;
      peaks[c] = Math.max(peaks[c], maxAbs(values, start, start + inner, 1));
    }
  }
  const scales = peaks.map((peak) => symmetricScale(peak, INT8_MAX));
  const data = new Uint8Array(values.length);
  const codes = new Int8Array(data.buffer);
  for (let i = 0; i < values.length; i++) {
    const scale = scales[Math.floor(i / inner) % dim];
    codes[i] = clamp(roundHalfEven(values[i] / scale), -INT8_MAX, INT8_MAX);
  }
  return { scheme: 'int8-per-channel', shape: shape.slice(), data, scales, axis: resolved };
}

/** Asymmetric uint8 with one scale and zero point for the whole tensor (tfjs-converter style). */
export function quantizeUint8PerTensor(values: Float32Array, shape: readonly number[]): QuantizedTensor {
  assertFinite(values);
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  const scale = max === min ? 1 : positiveFloat32((max - min) / UINT8_MAX);
  const zeroPoint = clamp(roundHalfEven(-min / scale), 0, UINT8_MAX);
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = clamp(roundHalfEven(values[i] / scale) + zeroPoint, 0, UINT8_MAX);
  return { scheme: 'uint8-per-tensor', shape: shape.slice(), data, scales: Float32Array.of(scale), zeroPoints: Uint8Array.of(zeroPoint) };
}

/** Decodes an `int8-per-tensor` or `int8-per-channel` tensor: `q × scale`. */
export function dequantizeInt8(q: QuantizedTensor): Float32Array {
  const codes = new Int8Array(q.data.buffer, q.data.byteOffset, q.data.byteLength);
  const out = new Float32Array(codes.length);
  if (q.scheme === 'int8-per-tensor') {
    const scale = q.scales[0];
    for (let i = 0; i < codes.length; i++) out[i] = codes[i] * scale;
    return out;
  }
  const { dim, inner } = axisLayout(q.shape, q.axis ?? -1);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] * q.scales[Math.floor(i / inner) % dim];
  return out;
}

/** Decodes a `uint8-per-tensor` tensor: `(q − zeroPoint) × scale`. */
export function dequantizeUint8(q: QuantizedTensor): Float32Array {
  const scale = q.scales[0];
  const zeroPoint = q.zeroPoints?.[0] ?? 0;
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < q.data.length; i++) out[i] = (q.data[i] - zeroPoint) * scale;
  return out;
}

/** `peak / qmax` as a positive float32; 1 for an all-zero range (see the file comment). */
export function symmetricScale(peak: number, qmax: number): number {
  return peak === 0 ? 1 : positiveFloat32(peak / qmax);
}

/** Largest |values[i]| for i = start, start + step, … < end. */
export function maxAbs(values: Float32Array, start: number, end: number, step: number): number {
  let peak = 0;
  for (let i = start; i < end; i += step) {
    const a = Math.abs(values[i]);
    if (a > peak) peak = a;
  }
  return peak;
}

/**
 * @throws {RangeError} naming the first NaN or ±Infinity in `values`.
 */
export function assertFinite(values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(`cannot quantize ${values[i]} at index ${i} to integers; check the weights for NaN/Infinity (did training diverge?)`);
    }
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** `x` rounded to float32, never below the smallest positive float32 (tiny ranges would otherwise give scale 0). */
function positiveFloat32(x: number): number {
  return Math.max(Math.fround(x), 2 ** -149);
}
