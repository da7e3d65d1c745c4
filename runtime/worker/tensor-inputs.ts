/**
 * The named inputs of a `tensor` model, checked against the manifest in the worker:
 * names (none unknown, none missing but state inputs), dtypes (the typed array of the
 * declared dtype, or a plain array converted exactly), shapes (the declared one, or a
 * given one that fits its -1 dimensions) and sizes. Float32 inputs with preprocessing
 * are normalised as a classifier's input is; with a layout or preprocessing they also
 * take 8-bit pixels.
 */
import { EdgeloopError, float32ToFloat16Bits, type Manifest, type ManifestInput, type TensorDtype } from '../../format/index.ts';
import { DTYPE_ARRAYS, elementCount, holds, zeros } from '../engine/tensor-values.ts';
import type { NamedTensor, NamedTensors, TensorValues } from '../engine/types.ts';
import { normalise } from './preprocess.ts';

const INT_RANGES: Partial<Record<TensorDtype, [number, number]>> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint8: [0, 255] };
const INT64: [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n];

/**
 * The model's inputs, in manifest order, from what the caller passed (`wire`) and, for
 * state inputs not passed, from `state` (the previous call's outputs) or zeros.
 *
 * @throws EdgeloopError `INPUT_INVALID` naming the input and what is wrong with it.
 */
export function prepareNamedInputs(manifest: Manifest, wire: unknown, state: ReadonlyMap<string, NamedTensor>): NamedTensors {
  const declared = manifest.inputs ?? [manifest.input];
  if (!isRecord(wire)) {
    throw invalid(`${manifest.name} is a tensor model: predict takes its inputs by name, { ${declared.map((i) => i.name).join(', ')} }; got ${describe(wire)}`, { expected: inputList(declared) });
  }
  const known = new Set(declared.map((i) => i.name));
  const unknown = Object.keys(wire).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw invalid(`${quote(unknown)} ${unknown.length === 1 ? 'is not an input' : 'are not inputs'} of ${manifest.name}; its inputs are ${inputList(declared)}`, { unknown, expected: inputList(declared) });
  }
  const inputs: NamedTensors = {};
  for (const input of declared) {
    const value = wire[input.name];
    if (value !== undefined) inputs[input.name] = namedInput(input, value);
    else if (input.state) inputs[input.name] = state.get(input.name) ?? zeros(input.dtype, input.shape);
    else throw invalid(`input "${input.name}" is missing; ${manifest.name} takes ${inputList(declared)}`, { missing: input.name, expected: inputList(declared) });
  }
  return inputs;
}

function namedInput(input: ManifestInput, value: unknown): NamedTensor {
  const at = `inputs.${input.name}`;
  if (!isRecord(value) || value.data === undefined) {
    throw invalid(`${at} must be a typed array or { data, shape }; got ${describe(value)}`, { input: input.name });
  }
  const shape = shapeOf(input, value.shape, at);
  const pixels = input.dtype === 'float32' && (input.layout !== undefined || input.preprocessing !== undefined) && (value.data instanceof Uint8Array || value.data instanceof Uint8ClampedArray);
  const data = pixels ? Float32Array.from(value.data as Uint8Array) : valuesOf(input, value.data, at);
  const count = elementCount(shape);
  if (data.length !== count) {
    throw invalid(`${at} has ${data.length} values but shape [${shape.join(', ')}] needs ${count}`, { input: input.name, expected: count, actual: data.length });
  }
  if (input.dtype === 'float32' && input.preprocessing !== undefined) {
    const channelAxis = input.layout === 'NCHW' ? 1 : shape.length - 1;
    return { dtype: 'float32', data: normalise(input.preprocessing, data as Float32Array, shape, channelAxis), shape };
  }
  return { dtype: input.dtype, data, shape };
}

/** The given shape checked against the declared one, or the declared one when it has no -1. */
function shapeOf(input: ManifestInput, given: unknown, at: string): number[] {
  const declared = input.shape;
  if (given === undefined) {
    if (declared.includes(-1)) {
      throw invalid(`${at}.shape is required: the model's input "${input.name}" is [${declared.join(', ')}], and -1 dimensions take their size from the shape you pass`, { input: input.name, expected: declared });
    }
    return [...declared];
  }
  const ok = Array.isArray(given) && given.length === declared.length && given.every((d, i) => Number.isInteger(d) && d >= 1 && (declared[i] === -1 || declared[i] === d));
  if (!ok) {
    throw invalid(`${at}.shape ${Array.isArray(given) ? `[${given.join(', ')}]` : describe(given)} does not fit the model's input "${input.name}" [${declared.join(', ')}] (-1 = any size)`, {
      input: input.name,
      expected: declared,
      actual: Array.isArray(given) ? [...given] : describe(given),
    });
  }
  return [...(given as number[])];
}

/** The values as the typed array of the input's dtype. */
function valuesOf(input: ManifestInput, data: unknown, at: string): TensorValues {
  const { dtype } = input;
  if (holds(dtype, data)) return data;
  const Float16 = (globalThis as { Float16Array?: new (...args: never[]) => ArrayBufferView }).Float16Array;
  if (dtype === 'float16' && Float16 !== undefined && data instanceof Float16) {
    const half = data as ArrayBufferView & { length: number };
    return new Uint16Array(half.buffer, half.byteOffset, half.length);
  }
  if (Array.isArray(data)) return fromArray(dtype, data, at);
  const wanted = dtype === 'float16' ? 'a Uint16Array of float16 bits (or a Float16Array)' : `a ${DTYPE_ARRAYS[dtype].name}`;
  throw invalid(`${at} must be ${wanted} for its dtype ${dtype}, or an array of ${dtype === 'int64' ? 'bigints or whole numbers' : dtype === 'bool' ? 'booleans' : 'numbers'}; got ${describe(data)}`, {
    input: input.name,
    expected: dtype,
    actual: describe(data),
  });
}

function fromArray(dtype: TensorDtype, values: readonly unknown[], at: string): TensorValues {
  const bad = (i: number, what: string): never => {
    throw invalid(`${at}.data[${i}] is ${describe(values[i])}, not ${what}`, { input: at.slice('inputs.'.length), index: i, expected: dtype });
  };
  const out = new DTYPE_ARRAYS[dtype](values.length);
  values.forEach((v, i) => {
    if (dtype === 'int64') {
      const big = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : bad(i, 'a bigint or whole number (int64)');
      if (big < INT64[0] || big > INT64[1]) bad(i, 'in the int64 range');
      (out as BigInt64Array)[i] = big;
    } else if (dtype === 'bool') {
      if (v !== true && v !== false && v !== 0 && v !== 1) bad(i, 'a boolean (or 0 / 1)');
      out[i] = v === true || v === 1 ? 1 : 0;
    } else {
      if (typeof v !== 'number') bad(i, `a number (${dtype})`);
      const range = INT_RANGES[dtype];
      if (range && !(Number.isInteger(v) && (v as number) >= range[0] && (v as number) <= range[1])) bad(i, `a whole number from ${range[0]} to ${range[1]} (${dtype})`);
      out[i] = dtype === 'float16' ? float32ToFloat16Bits(v as number) : (v as number);
    }
  });
  return out;
}

/** `"input" float32 [1, 512], "state" float32 [2, 1, 128] (carried over when not given), …` */
function inputList(declared: readonly ManifestInput[]): string {
  return declared.map((i) => `"${i.name}" ${i.dtype} [${i.shape.join(', ')}]${i.state ? ' (state: carried over when not given)' : ''}`).join(', ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function quote(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : `${typeof value} ${String(value)}`;
}

function invalid(message: string, details: Record<string, unknown>): EdgeloopError {
  return new EdgeloopError('INPUT_INVALID', message, { details });
}
