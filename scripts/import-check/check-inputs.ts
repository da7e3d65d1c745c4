/**
 * The inputs `--check` feeds a package and how it compares outputs, shared by the check
 * page (browser) and its tests (Node): a seeded random input for every model input (what
 * edgeloop gets, and the same after the manifest's preprocessing, which is what the raw
 * engine gets), the manifest's output activation for the raw side, and max |Δ| / top-1.
 */
import { float16BitsToFloat32, float32ToFloat16Bits, type Manifest, type ManifestInput, type TensorDtype } from '../../format/index.ts';

/** Typed arrays of the tensor dtypes (float16 as its 16 bits). */
export type CheckValues = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;

/** One input or output tensor. */
export interface CheckTensor {
  dtype: TensorDtype;
  shape: number[];
  data: CheckValues;
}

/** What one check run feeds: edgeloop's input and the raw engine's, by input name. */
export interface CheckInputs {
  /** Classifiers: one `{ data, shape }` before preprocessing; tensor models: every input by name. */
  edgeloop: { data: Float32Array; shape: number[] } | Record<string, { data: CheckValues; shape: number[] }>;
  /** Every model input as the engine takes it (after the manifest's preprocessing). */
  raw: Record<string, CheckTensor>;
}

/** A deterministic source of numbers in [0, 1) (an LCG: the page needs no trainer code). */
function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** The concrete shape a check feeds: batch 1, image sides from `resize` (else `dynamicSize`), other dynamic sides `dynamicSize`. */
export function checkShape(input: ManifestInput, dynamicSize: number): number[] {
  const { layout, preprocessing } = input;
  const sides = layout === 'NCHW' ? [2, 3] : layout === 'NHWC' ? [1, 2] : [];
  return input.shape.map((d, i) => {
    if (d !== -1) return d;
    if (i === 0) return 1;
    const resize = preprocessing?.resize;
    if (resize && i === sides[0]) return resize.height;
    if (resize && i === sides[1]) return resize.width;
    return dynamicSize;
  });
}

/**
 * `count` values of `dtype` from `next`: floats in [0, 1) (0–255 pixels when `pixels`),
 * integers 0–9 (token ids, small enough for any vocabulary), bytes 0–255, booleans. A
 * constant `next` (a warm-up value, zeros for state) is taken as it is.
 */
function values(dtype: TensorDtype, count: number, next: () => number, pixels: boolean, constant = false): CheckValues {
  const draw = (scale: number) => () => (constant ? next() : Math.floor(next() * scale));
  switch (dtype) {
    case 'float32':
      return Float32Array.from({ length: count }, pixels ? draw(256) : next);
    case 'float16':
      return Uint16Array.from({ length: count }, () => float32ToFloat16Bits(next()));
    case 'int32':
      return Int32Array.from({ length: count }, draw(10));
    case 'int64':
      return BigInt64Array.from({ length: count }, () => BigInt(draw(10)()));
    case 'uint8':
      return Uint8Array.from({ length: count }, draw(256));
    case 'bool':
      return Uint8Array.from({ length: count }, constant ? next : () => (next() < 0.5 ? 0 : 1));
  }
}

/** The manifest's numeric preprocessing (scale, invert, mean/std), as the runtime applies it. */
function prepare(input: ManifestInput, data: Float32Array, shape: number[]): Float32Array {
  const { scale = 1, invert = false, mean, std } = input.preprocessing ?? {};
  const channelAxis = input.layout === 'NCHW' ? 1 : shape.length - 1;
  const channels = shape[channelAxis] ?? 1;
  const stride = shape.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  return data.map((raw, i) => {
    let x = raw * scale;
    if (invert) x = 1 - x;
    if (mean && std) {
      const c = mean.length === 1 ? 0 : Math.floor(i / stride) % channels;
      x = (x - mean[c]!) / std[c]!;
    }
    return x;
  });
}

/** What the caller fixes about the check input (each input's manifest `warmup` is the default). */
export interface CheckInputOptions {
  /** Size of dynamic dimensions (besides the batch, 1, and image sides given by `resize`). @defaultValue 64 */
  dynamicSize?: number;
  /** Input name → the exact shape to feed (e.g. `{ input: [1, 512] }`). */
  shapes?: Record<string, number[]>;
  /** Input name → one value every element gets (e.g. `{ sr: 16000 }`, a sample rate). */
  values?: Record<string, number>;
}

/** Seeded inputs for every model input of `manifest`. */
export function checkInputs(manifest: Manifest, seed: number, options: CheckInputOptions = {}): CheckInputs {
  const random = randomSource(seed);
  const inputs = manifest.inputs ?? [manifest.input];
  const raw: Record<string, CheckTensor> = {};
  const edgeloop: Record<string, { data: CheckValues; shape: number[] }> = {};
  for (const input of inputs) {
    // The manifest's warm-up input is the model's typical input (a frame length, a sample rate).
    const shape = options.shapes?.[input.name] ?? input.warmup?.shape ?? checkShape(input, options.dynamicSize ?? 64);
    const count = shape.reduce((a, b) => a * b, 1);
    const fixed = options.values?.[input.name] ?? input.warmup?.value;
    // State starts at zeros, as the runtime's first call does.
    const pixels = input.dtype === 'float32' && input.preprocessing?.scale !== undefined;
    const source = fixed !== undefined ? () => fixed : input.state ? () => 0 : random;
    const constant = fixed !== undefined || input.state !== undefined;
    const data = values(input.dtype, count, source, pixels && !constant, constant);
    edgeloop[input.name] = { data, shape };
    raw[input.name] = { dtype: input.dtype, shape, data: input.dtype === 'float32' && input.preprocessing ? prepare(input, data as Float32Array, shape) : data };
  }
  if (manifest.task === 'tensor') return { edgeloop, raw };
  const single = edgeloop[manifest.input.name]!;
  return { edgeloop: { data: single.data as Float32Array, shape: single.shape }, raw };
}

/** A tensor's values as plain numbers (float16 bits decoded, int64 and bool as numbers). */
export function numbersOf(dtype: TensorDtype, data: ArrayLike<number | bigint>): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    out[i] = dtype === 'float16' ? float16BitsToFloat32(Number(v)) : Number(v);
  }
  return out;
}

/** The manifest's output activation over the last axis (what edgeloop applies to a classifier's raw output). */
export function activate(activation: 'softmax' | 'sigmoid' | 'none', data: Float64Array, width: number): Float64Array {
  if (activation === 'sigmoid') return data.map((x) => 1 / (1 + Math.exp(-x)));
  if (activation !== 'softmax') return data;
  const out = new Float64Array(data.length);
  for (let row = 0; row < data.length; row += width) {
    const slice = data.subarray(row, row + width);
    const max = Math.max(...slice);
    let sum = 0;
    slice.forEach((x, i) => (sum += out[row + i] = Math.exp(x - max)));
    for (let i = row; i < row + width; i++) out[i]! /= sum;
  }
  return out;
}

/** How two runs' outputs compare. */
export interface OutputComparison {
  /** Largest |a − b| over every output. */
  maxAbsDiff: number;
  /** The output where it is (or one missing or of another size on one side). */
  worstOutput: string;
  /** Largest |a − b| of each output. */
  perOutput: Record<string, number>;
  /** The first output's top-1 agrees row by row. */
  top1Agree: boolean;
}

/** Compares two runs' outputs by name; `width` is the first output's row length (for top-1). */
export function compareOutputs(a: Record<string, Float64Array>, b: Record<string, Float64Array>, width: number): OutputComparison {
  let maxAbsDiff = 0;
  let worstOutput = Object.keys(a)[0] ?? '';
  const perOutput: Record<string, number> = {};
  for (const [name, x] of Object.entries(a)) {
    const y = b[name];
    if (!y || y.length !== x.length) return { maxAbsDiff: Infinity, worstOutput: name, perOutput: { ...perOutput, [name]: Infinity }, top1Agree: false };
    perOutput[name] = 0;
    x.forEach((v, i) => (perOutput[name] = Math.max(perOutput[name]!, Math.abs(v - y[i]!))));
    if (perOutput[name]! > maxAbsDiff) [maxAbsDiff, worstOutput] = [perOutput[name]!, name];
  }
  const first = Object.keys(a)[0]!;
  const argmax = (v: Float64Array, row: number) => {
    let best = row;
    for (let i = row; i < row + width; i++) if (v[i]! > v[best]!) best = i;
    return best - row;
  };
  let top1Agree = true;
  for (let row = 0; row < a[first]!.length; row += width) top1Agree &&= argmax(a[first]!, row) === argmax(b[first]!, row);
  return { maxAbsDiff, worstOutput, perOutput, top1Agree };
}
