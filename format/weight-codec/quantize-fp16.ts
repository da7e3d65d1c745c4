/**
 * IEEE 754 half precision (binary16) for weights: exact float32 → float16 conversion
 * with round-to-nearest-even, subnormals, and saturation of finite overflow.
 *
 * Finite values whose magnitude rounds above the largest half (65504) saturate to
 * ±65504 instead of becoming ±Infinity: a weight of 1e6 that turns into Infinity
 * poisons every output it touches (Infinity × 0 = NaN), while 65504 keeps the model
 * finite. Non-finite inputs keep their IEEE meaning: ±Infinity → ±Infinity, NaN → a
 * quiet NaN (0x7E00 with the sign). See https://en.wikipedia.org/wiki/Half-precision_floating-point_format.
 */
import type { QuantizedTensor } from './quantized-tensor.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The largest finite half-precision value. */
export const FLOAT16_MAX = 65504;

/**
 * The binary16 bit pattern nearest to `value` (as a float32), ties to even; finite
 * overflow saturates to ±65504 (0x7BFF / 0xFBFF).
 */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00;
  // Exponent re-biased from float32 (127) to float16 (15).
  const e = exp - 112;
  if (e >= 0x1f) return sign | 0x7bff;
  if (e <= 0) {
    // Below 2^-25 everything rounds to zero (exactly 2^-25 is a tie that goes to even, 0).
    if (e < -10) return sign;
    // Subnormal half: value / 2^-24, with the implicit leading one made explicit.
    const full = mant | 0x800000;
    const shift = 14 - e;
    let half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    if (rest > midpoint || (rest === midpoint && (half & 1) === 1)) half++;
    // A carry out of the mantissa lands on 0x0400, the smallest normal: still correct.
    return sign | half;
  }
  let bits = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1) === 1)) bits++;
  // Rounding up past 65504 carries into the exponent's all-ones (Infinity): saturate.
  if (bits >= 0x7c00) bits = 0x7bff;
  return sign | bits;
}

/** The float value of a binary16 bit pattern (exact: every half is a float32). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Quantizes to fp16: `data` holds 2 little-endian bytes per element, `scales` is empty. */
export function quantizeFp16(values: Float32Array, shape: readonly number[]): QuantizedTensor {
  const data = new Uint8Array(values.length * 2);
  const view = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, float32ToFloat16Bits(values[i]), true);
  return { scheme: 'fp16', shape: shape.slice(), data, scales: new Float32Array(0) };
}

/** Decodes an fp16 {@link QuantizedTensor} to float32. */
export function dequantizeFp16(q: QuantizedTensor): Float32Array {
  const count = q.data.byteLength >>> 1;
  const view = new DataView(q.data.buffer, q.data.byteOffset, q.data.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = float16BitsToFloat32(view.getUint16(i * 2, true));
  return out;
}
