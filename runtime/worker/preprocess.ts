/**
 * Turns user input into the model's input tensor, in the worker: shape and dtype
 * checks, the manifest's numeric preprocessing (scale, invert, mean/std), and for
 * images resize + colour conversion on an OffscreenCanvas. Also the output side:
 * activation and top-k.
 */
import { EdgeloopError } from '../../format/index.ts';
import type { Manifest, ManifestOutput, Preprocessing } from '../../format/index.ts';
import type { TensorData } from '../engine/types.ts';

/**
 * A typed-array input with its shape (batch dimension optional). Its type is the
 * model's input dtype; a float32 image model also takes 8-bit pixels (Uint8Array or
 * Uint8ClampedArray, e.g. `ImageData.data` of the right size, without its alpha channel),
 * converted with the manifest's preprocessing.
 */
export interface TensorInput {
  data: Float32Array | Int32Array | Uint8Array | Uint8ClampedArray;
  shape: readonly number[];
}

/** An image input, already transferable (the client turns canvases into ImageBitmaps). */
export type ImageSource = ImageBitmap | ImageData;

/** One of the top-k classes of a prediction. */
export interface TopK {
  index: number;
  label: string;
  score: number;
}

const DTYPE_ARRAYS = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array } as const;

/** Options of {@link prepareTensor}. */
export interface PrepareOptions {
  /**
   * The caller owns `input.data` (it arrived by structured clone or transfer): a
   * Float32Array is preprocessed where it lies instead of into a new array. A new
   * buffer costs tens of µs in a browser, as much as a small model's whole run.
   * @defaultValue false
   */
  inPlace?: boolean;
}

/** Checks a tensor input against the manifest and applies the numeric preprocessing. */
export function prepareTensor(manifest: Manifest, input: TensorInput, options: PrepareOptions = {}): TensorData {
  const { shape: modelShape, dtype } = manifest.input;
  if (!(dtype in DTYPE_ARRAYS)) {
    throw new EdgeloopError('INPUT_INVALID', `this model's input is ${dtype}, which only task "tensor" takes; pass named inputs to predict`, { details: { expected: dtype } });
  }
  const Expected = DTYPE_ARRAYS[dtype as keyof typeof DTYPE_ARRAYS];
  // 8-bit pixels for a float32 image model: normalise() below turns them into floats.
  const pixels = dtype === 'float32' && isImageInput(manifest) && (input.data instanceof Uint8Array || input.data instanceof Uint8ClampedArray);
  if (!(input.data instanceof Expected) && !pixels) {
    const alternative = dtype === 'float32' && isImageInput(manifest) ? ' (or 8-bit pixels: a Uint8Array or Uint8ClampedArray)' : '';
    throw new EdgeloopError('INPUT_INVALID', `input.data must be a ${Expected.name}${alternative} (the model's input dtype is ${dtype}); got ${describe(input.data)}`, {
      details: { expected: dtype, actual: describe(input.data) },
    });
  }
  const shape = [...input.shape];
  if (shape.length === modelShape.length - 1) shape.unshift(1);
  // Loops, not every/reduce with closures: this runs on every predict.
  let matches = shape.length === modelShape.length;
  let elements = 1;
  for (let i = 0; matches && i < shape.length; i++) {
    const d = shape[i]!;
    matches = Number.isInteger(d) && d >= 1 && (modelShape[i] === -1 || modelShape[i] === d);
    elements *= d;
  }
  if (!matches) {
    throw new EdgeloopError('INPUT_INVALID', `input shape [${input.shape.join(', ')}] does not fit the model input [${modelShape.join(', ')}] (-1 = any size)`, {
      details: { expected: modelShape, actual: [...input.shape] },
    });
  }
  if (input.data.length !== elements) {
    throw new EdgeloopError('INPUT_INVALID', `input.data has ${input.data.length} values but shape [${shape.join(', ')}] needs ${elements}`, {
      details: { expected: elements, actual: input.data.length },
    });
  }
  const channelAxis = manifest.input.layout === 'NCHW' ? 1 : shape.length - 1;
  const out = options.inPlace && input.data instanceof Float32Array ? input.data : undefined;
  return { data: normalise(manifest.input.preprocessing, input.data, shape, channelAxis, out), shape };
}

/** Resizes, converts and normalises an image into a batch-of-one input tensor. */
export function prepareImage(manifest: Manifest, image: ImageSource): TensorData {
  const { preprocessing = {}, shape: modelShape, layout = 'NHWC' } = manifest.input;
  if (modelShape.length !== 4) {
    throw new EdgeloopError('INPUT_INVALID', `this model takes a rank-${modelShape.length} input, not an image; pass { data, shape } instead`, {
      details: { expected: modelShape },
    });
  }
  const [modelHeight, modelWidth] = layout === 'NHWC' ? [modelShape[1]!, modelShape[2]!] : [modelShape[2]!, modelShape[3]!];
  const channels = layout === 'NHWC' ? modelShape[3]! : modelShape[1]!;
  // A dynamic height or width (-1) takes the size preprocessing.resize names.
  const height = modelHeight === -1 ? (preprocessing.resize?.height ?? -1) : modelHeight;
  const width = modelWidth === -1 ? (preprocessing.resize?.width ?? -1) : modelWidth;
  if (height === -1 || width === -1 || channels === -1) {
    throw new EdgeloopError('INPUT_INVALID', `this model's input [${modelShape.join(', ')}] has a dynamic height, width or channel count and its manifest gives no preprocessing.resize / fixed channels, so an image cannot be sized for it; pass { data, shape } instead`, {
      details: { expected: modelShape },
    });
  }
  const target = preprocessing.resize ?? { width, height };
  if (target.width !== width || target.height !== height) {
    throw new EdgeloopError('MANIFEST_INVALID', `manifest input.preprocessing.resize (${target.width}×${target.height}) differs from the input shape (${width}×${height})`, {
      details: { field: 'input.preprocessing.resize' },
    });
  }
  if (image.width === 0 || image.height === 0) {
    throw new EdgeloopError('INPUT_INVALID', `the image is empty (${image.width}×${image.height})`, { details: { width: image.width, height: image.height } });
  }
  const pixels = resizeToRgba(image, width, height);
  const gray = (preprocessing.colorSpace ?? (channels === 1 ? 'grayscale' : 'rgb')) === 'grayscale';
  if ((gray ? 1 : 3) !== channels) {
    throw new EdgeloopError('MANIFEST_INVALID', `manifest input has ${channels} channels but preprocessing.colorSpace is ${gray ? 'grayscale' : 'rgb'}`, {
      details: { field: 'input.preprocessing.colorSpace' },
    });
  }
  const raw = new Float32Array(width * height * channels);
  const plane = width * height;
  for (let p = 0; p < plane; p++) {
    const r = pixels[p * 4]!;
    const g = pixels[p * 4 + 1]!;
    const b = pixels[p * 4 + 2]!;
    if (gray) raw[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    else if (layout === 'NHWC') raw.set([r, g, b], p * 3);
    else {
      raw[p] = r;
      raw[plane + p] = g;
      raw[2 * plane + p] = b;
    }
  }
  const shape = layout === 'NHWC' ? [1, height, width, channels] : [1, channels, height, width];
  return { data: normalise(manifest.input.preprocessing, raw, shape, layout === 'NHWC' ? 3 : 1), shape };
}

function resizeToRgba(image: ImageSource, width: number, height: number): Uint8ClampedArray {
  if (image instanceof ImageData && image.width === width && image.height === height) return image.data;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new EdgeloopError('INPUT_INVALID', 'OffscreenCanvas 2d context is unavailable in this worker; pass { data, shape } instead');
  context.imageSmoothingQuality = 'high';
  if (image instanceof ImageData) {
    const source = new OffscreenCanvas(image.width, image.height);
    source.getContext('2d')!.putImageData(image, 0, 0);
    context.drawImage(source, 0, 0, width, height);
  } else {
    context.drawImage(image, 0, 0, width, height);
  }
  return context.getImageData(0, 0, width, height).data;
}

/**
 * The manifest's numeric preprocessing of raw values: `x · scale`, then `1 − x` when
 * `invert`, then `(x − mean[c]) / std[c]` along `channelAxis` (one mean/std: all values).
 * Written into `out` when given (it may be `data` itself), else into a new array.
 */
export function normalise(preprocessing: Preprocessing | undefined, data: ArrayLike<number>, shape: readonly number[], channelAxis: number, out?: Float32Array): Float32Array {
  const { scale = 1, invert = false, mean, std } = preprocessing ?? {};
  const channels = mean && std && mean.length > 1 ? shape[channelAxis]! : 1;
  if (out !== undefined && out.length !== data.length) throw new RangeError(`normalise: out has ${out.length} values, data ${data.length}`);
  out ??= new Float32Array(data.length);
  // scale, invert and mean/std fold into one multiply-add per channel: x·a[c] + b[c].
  const m0 = mean && std ? mean[0]! : 0;
  const s0 = mean && std ? std[0]! : 1;
  if (channels === 1) {
    const a0 = (invert ? -scale : scale) / s0;
    const b0 = ((invert ? 1 : 0) - m0) / s0;
    if (a0 === 1 && b0 === 0) {
      if (out !== data) out.set(data);
    } else if (data instanceof Float32Array) scaleShift(data, out, a0, b0);
    else for (let i = 0; i < out.length; i++) out[i] = data[i]! * a0 + b0;
    return out;
  }
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = mean && std ? mean[mean.length === 1 ? 0 : c]! : 0;
    const s = mean && std ? std[std.length === 1 ? 0 : c]! : 1;
    a[c] = (invert ? -scale : scale) / s;
    b[c] = ((invert ? 1 : 0) - m) / s;
  }
  // Stride of the channel axis: 1 for channels-last, H*W for NCHW.
  const stride = shape.slice(channelAxis + 1).reduce((x, y) => x * y, 1);
  for (let start = 0; start < out.length; start += stride * channels) {
    for (let c = 0; c < channels; c++) {
      const ac = a[c]!;
      const bc = b[c]!;
      const from = start + c * stride;
      if (stride === 1) out[from] = data[from]! * ac + bc;
      else for (let i = from; i < from + stride; i++) out[i] = data[i]! * ac + bc;
    }
  }
  return out;
}

/** `out[i] = data[i]·a + b`: small and of one element type, so the JIT optimises it after a few calls. */
function scaleShift(data: Float32Array, out: Float32Array, a: number, b: number): void {
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * a + b;
}

/** Applies the manifest's output activation over the last axis. */
export function activate(manifest: Manifest, output: TensorData): Float32Array {
  return applyActivation(manifest.output.activation, output.data, output.shape);
}

/** `activation` over the last axis of `values`: into a new array, or into `values` itself when `inPlace`. */
export function applyActivation(activation: ManifestOutput['activation'], values: Float32Array, shape: readonly number[], inPlace = false): Float32Array {
  // slice() is a plain copy; Float32Array.from(typedArray) walks the iterator.
  const data = inPlace ? values : values.slice();
  if (activation === 'sigmoid') {
    for (let i = 0; i < data.length; i++) data[i] = 1 / (1 + Math.exp(-data[i]!));
    return data;
  }
  if (activation !== 'softmax') return data;
  const width = shape[shape.length - 1] ?? data.length;
  for (let row = 0; row < data.length; row += width) {
    let max = -Infinity;
    for (let i = row; i < row + width; i++) max = Math.max(max, data[i]!);
    let sum = 0;
    for (let i = row; i < row + width; i++) sum += data[i] = Math.exp(data[i]! - max);
    for (let i = row; i < row + width; i++) data[i]! /= sum;
  }
  return data;
}

/** The `k` highest scores of one row, with labels. */
export function topK(manifest: Manifest, row: Float32Array, k: number): TopK[] {
  const labels = manifest.output.labels;
  return topIndices(row, k).map((index) => ({ index, score: row[index]!, label: labels?.[index] ?? String(index) }));
}

/**
 * The indices of the `k` highest values of `row`, highest first, ties in index order
 * (what a stable sort by descending score gives). One pass keeping a sorted list of k:
 * no object per class, which matters for a 1000-class row.
 */
export function topIndices(row: Float32Array, k: number): number[] {
  const count = Math.min(Math.floor(k), row.length);
  if (!(count > 0)) return [];
  const best: number[] = [];
  for (let index = 0; index < row.length; index++) {
    const score = row[index]!;
    // NaN compares false everywhere; a full sort decides where it goes.
    if (Number.isNaN(score)) return sortedIndices(row).slice(0, count);
    if (best.length === count && !(score > row[best[count - 1]!]!)) continue;
    let at = best.length === count ? count - 1 : best.length;
    while (at > 0 && score > row[best[at - 1]!]!) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = index;
  }
  return best;
}

function sortedIndices(row: Float32Array): number[] {
  return Array.from(row, (score, index) => ({ score, index }))
    .sort((a, b) => b.score - a.score)
    .map((entry) => entry.index);
}

/** The model's input is an image: an image classifier's, or any input with a layout. */
function isImageInput(manifest: Manifest): boolean {
  return manifest.task === 'image-classification' || manifest.input.layout !== undefined;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return (value as object).constructor?.name ?? typeof value;
}
