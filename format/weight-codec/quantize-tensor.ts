/**
 * One entry point over the quantizers of every {@link QuantScheme}: pure functions on
 * typed arrays, the same in a browser worker and in Node.
 */
import { dequantizeFp16, quantizeFp16 } from './quantize-fp16.ts';
import { dequantizeInt4Block, quantizeInt4Block } from './quantize-int4.ts';
import { dequantizeInt8, dequantizeUint8, quantizeInt8PerChannel, quantizeInt8PerTensor, quantizeUint8PerTensor } from './quantize-int8.ts';
import type { QuantizedTensor, QuantScheme } from './quantized-tensor.ts';

/** The schemes of {@link QuantScheme}, in a fixed order. */
export const QUANT_SCHEMES: readonly QuantScheme[] = ['fp16', 'int8-per-channel', 'int8-per-tensor', 'uint8-per-tensor', 'int4-block'];

/** Options of {@link quantizeTensor}. */
export interface QuantizeTensorOptions {
  /**
   * `int8-per-channel`: the channel axis. `int4-block`: the axis blocks run along.
   * Negative counts from the end. Ignored by the per-tensor schemes and fp16.
   * @defaultValue per-channel: the last axis; int4-block: the second to last axis (the
   *   input dimension of a Dense or Conv2D kernel), 0 for a 1-D tensor. Use
   *   `defaultQuantAxis` / `defaultBlockAxis` for a layer's kernel.
   */
  axis?: number;
  /** Block length along `axis` for `int4-block`. @defaultValue 32 */
  blockSize?: number;
}

/**
 * Quantizes `values` (row-major, of `shape`) with `scheme`. See quantize-fp16.ts,
 * quantize-int8.ts and quantize-int4.ts for each scheme's exact rule.
 *
 * @throws {RangeError} when `values.length` does not match `shape`, `shape` has a
 *   negative or fractional dimension, `axis`/`blockSize` are invalid, or an integer
 *   scheme meets NaN/±Infinity.
 * @throws {TypeError} for an unknown scheme.
 */
export function quantizeTensor(values: Float32Array, shape: readonly number[], scheme: QuantScheme, options: QuantizeTensorOptions = {}): QuantizedTensor {
  const count = checkShape(shape);
  if (values.length !== count) {
    throw new RangeError(`shape [${shape.join(', ')}] holds ${count} values, got ${values.length}`);
  }
  switch (scheme) {
    case 'fp16':
      return quantizeFp16(values, shape);
    case 'int8-per-tensor':
      return quantizeInt8PerTensor(values, shape);
    case 'uint8-per-tensor':
      return quantizeUint8PerTensor(values, shape);
    case 'int8-per-channel':
      return quantizeInt8PerChannel(values, shape, options.axis ?? -1);
    case 'int4-block':
      return quantizeInt4Block(values, shape, options.axis ?? (shape.length >= 2 ? -2 : 0), options.blockSize ?? 32);
    default:
      throw new TypeError(`unknown quantization scheme '${String(scheme)}'; expected one of ${QUANT_SCHEMES.join(', ')}`);
  }
}

/**
 * The float32 values a {@link QuantizedTensor} stands for (row-major, of `q.shape`).
 *
 * @throws {TypeError} for an unknown scheme.
 */
export function dequantizeTensor(q: QuantizedTensor): Float32Array {
  switch (q.scheme) {
    case 'fp16':
      return dequantizeFp16(q);
    case 'int8-per-tensor':
    case 'int8-per-channel':
      return dequantizeInt8(q);
    case 'uint8-per-tensor':
      return dequantizeUint8(q);
    case 'int4-block':
      return dequantizeInt4Block(q);
    default:
      throw new TypeError(`unknown quantization scheme '${String(q.scheme)}'; expected one of ${QUANT_SCHEMES.join(', ')}`);
  }
}

function checkShape(shape: readonly number[]): number {
  let count = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`shape dimensions must be non-negative integers, got [${shape.join(', ')}]`);
    count *= d;
  }
  return count;
}
