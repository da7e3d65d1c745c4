/**
 * Named tensors of any manifest dtype, as they cross the engines: which typed array
 * carries each dtype, zeros of a shape, and exact casts between dtypes (an engine
 * answers in the types it has — tfjs has no int64 or float16 — and the worker casts
 * to what the manifest declares).
 */
import { EdgeloopError, float16BitsToFloat32, float32ToFloat16Bits, type TensorDtype } from '../../format/index.ts';
import type { NamedTensor, TensorValues } from './types.ts';

/** The typed array of each dtype: float16 travels as its bits, bool as 0/1 bytes. */
export const DTYPE_ARRAYS = {
  float32: Float32Array,
  float16: Uint16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const satisfies Record<TensorDtype, unknown>;

/** Values a shape holds (1 for a scalar, `[]`). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A tensor of zeros. */
export function zeros(dtype: TensorDtype, shape: readonly number[]): NamedTensor {
  return { dtype, data: new DTYPE_ARRAYS[dtype](elementCount(shape)), shape: [...shape] };
}

/** True when `data` is the typed array `dtype` travels in. */
export function holds(dtype: TensorDtype, data: unknown): data is TensorValues {
  return data instanceof DTYPE_ARRAYS[dtype];
}

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const RANGES: Partial<Record<TensorDtype, { min: number; max: number }>> = {
  int32: INT32,
  int64: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  uint8: { min: 0, max: 255 },
  bool: { min: 0, max: 1 },
};

/** Who casts, for the error a value that does not fit gets. */
export interface CastContext {
  /** The tensor's name. */
  name: string;
  /** `INPUT_INVALID` for a caller's input, `INFERENCE_FAILED` for a model's output. */
  code: 'INPUT_INVALID' | 'INFERENCE_FAILED';
  /** Why the cast is needed, for the message, e.g. "tfjs has no int64". */
  why: string;
}

/**
 * `tensor` as `dtype`. Float to integer casts need whole values in range, and an
 * integer cast needs every value to fit: a value that would change is an error naming
 * the tensor, never a silent wrap-around.
 */
export function castTensor(tensor: NamedTensor, dtype: TensorDtype, context: CastContext): NamedTensor {
  if (tensor.dtype === dtype) return tensor;
  const source = tensor.data;
  const length = source.length;
  const out = new DTYPE_ARRAYS[dtype](length);
  if (dtype === 'int64') {
    const target = out as BigInt64Array;
    for (let i = 0; i < length; i++) target[i] = BigInt(checkedNumber(valueAt(tensor, i), RANGES.int64!, context, dtype));
  } else if (dtype === 'float16') {
    const target = out as Uint16Array;
    for (let i = 0; i < length; i++) target[i] = float32ToFloat16Bits(valueAt(tensor, i));
  } else if (dtype === 'float32') {
    const target = out as Float32Array;
    for (let i = 0; i < length; i++) target[i] = valueAt(tensor, i);
  } else {
    const target = out as Int32Array | Uint8Array;
    const range = RANGES[dtype]!;
    for (let i = 0; i < length; i++) target[i] = checkedNumber(valueAt(tensor, i), range, context, dtype);
  }
  return { dtype, data: out, shape: tensor.shape };
}

/** Value `i` of a tensor as a JS number (float16 decoded; int64 exact up to 2^53, else refused). */
function valueAt(tensor: NamedTensor, i: number): number {
  const value = tensor.data[i]!;
  if (tensor.dtype === 'float16') return float16BitsToFloat32(value as number);
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.NaN;
    return Number(value);
  }
  return value;
}

function checkedNumber(value: number, range: { min: number; max: number }, context: CastContext, dtype: TensorDtype): number {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    const { name, code, why } = context;
    throw new EdgeloopError(code, `tensor "${name}" holds ${value}, which is not a ${dtype} value (whole numbers ${range.min}..${range.max}); ${why}`, {
      details: { name, dtype, value },
    });
  }
  return value;
}
