/**
 * The shared shape of a quantized weight tensor: what the quantizers produce and what
 * the tfjs and ONNX artifact writers and the runtime's dequantizer consume. The byte
 * layouts are specified in docs/PACKAGE-FORMAT.md ("Weight quantization").
 */

/** The quantization schemes of the compressor. */
export type QuantScheme =
  /** IEEE half precision (round to nearest even; overflow saturates to ±65504… see quantize-fp16). */
  | 'fp16'
  /** Signed int8, symmetric (zero point 0), one scale per output channel (`axis`). */
  | 'int8-per-channel'
  /** Signed int8, symmetric, one scale for the whole tensor. */
  | 'int8-per-tensor'
  /** Unsigned uint8, asymmetric (scale + zero point), whole tensor — the tfjs-converter style. */
  | 'uint8-per-tensor'
  /** Signed int4, symmetric, one scale per block of `blockSize` values along `axis`, two values per byte. */
  | 'int4-block';

/** A quantized tensor. `dequantize(q)` gives back float32 values of `shape`. */
export interface QuantizedTensor {
  scheme: QuantScheme;
  /** Shape of the original float tensor (tfjs layout, e.g. Dense kernel [in, out], Conv2D [kh, kw, in, out]). */
  shape: number[];
  /**
   * The stored values: fp16 → 2 bytes each, little-endian; int8/uint8 → 1 byte each;
   * int4 → packed two per byte, the element with the lower index in the low nibble
   * (ONNX's order). Elements are always in row-major order of `shape`; for int4-block,
   * blocks run along `axis` (a block holds `blockSize` consecutive indices on that axis,
   * the last block of a row may be shorter), and scales are row-major over `shape` with
   * `shape[axis]` replaced by `ceil(shape[axis] / blockSize)` — ONNX DequantizeLinear's
   * blocked layout. Writers needing another layout (MatMulNBits) repack.
   */
  data: Uint8Array;
  /** fp16: empty. Per-tensor: 1 scale. Per-channel: shape[axis] scales. int4-block: one per block (layout above). */
  scales: Float32Array;
  /** Zero points (uint8-per-tensor only; the symmetric schemes use 0). */
  zeroPoints?: Uint8Array;
  /** The channel axis of per-channel scales, or the blocked axis of int4-block (tfjs axis numbering). */
  axis?: number;
  /** Block length along `axis` for int4-block. @defaultValue 32 */
  blockSize?: number;
}
