/**
 * The data a compression is evaluated on, made to fit the package: examples checked
 * against the model's input shape (a typed error naming both shapes instead of a tfjs
 * assertion deep in a predict call), the manifest's preprocessing applied to raw
 * images or feature rows, and the data's class names matched to the model's labels.
 * Pure and environment-agnostic: the CLI and the browser worker share it.
 */
import type { ManifestInput, ManifestOutput } from '../format/index.ts';
import { CompressError } from './compress-error.ts';
import { normalise } from '../runtime/index.ts';

/**
 * Held-out examples the compressor evaluates on, as model-input values. With labels,
 * each artifact gets an accuracy; without, only its agreement with the fp32 model.
 */
export interface EvaluationSet {
  /** `count × product(shape)` model-input values, row-major. */
  x: Float32Array;
  /** Class index into the model's outputs, one per example; absent for unlabelled data. */
  y?: Uint8Array;
  /** The shape of one example (e.g. `[28, 28, 1]`), checked against the model's input. @defaultValue only the value count is checked */
  shape?: readonly number[];
  /** What the data is, for messages (e.g. `the images in photos/`). @defaultValue 'the evaluation data' */
  source?: string;
}

/** `[224, 224, 3]` → `224×224×3`; `[13]` → `13 features`; a free size (-1) shows as `?`. */
export function describeShape(shape: readonly number[]): string {
  const dims = shape.map((d) => (d > 0 ? String(d) : '?'));
  return shape.length === 1 ? `${dims[0]} feature${shape[0] === 1 ? '' : 's'}` : dims.join('×');
}

/**
 * Checks that `set` holds whole examples of `inputShape` (one example, no batch
 * dimension; `-1` matches any size) and, when labelled, one class in `0..classes-1` per
 * example. Returns the number of examples and their concrete shape.
 *
 * @throws CompressError `DATA_SHAPE_MISMATCH` naming the data's shape and the model's;
 *   `DATA_LABELS_MISMATCH` when the labels do not fit the examples or the classes.
 */
export function checkEvaluationSet(set: EvaluationSet, inputShape: readonly number[], classes: number): { count: number; shape: number[] } {
  const source = set.source ?? 'the evaluation data';
  const free = inputShape.some((d) => !(d > 0));
  const shape = set.shape ? [...set.shape] : [...inputShape];
  const size = shape.reduce((a, b) => a * b, 1);
  const fits = set.shape
    ? set.shape.length === inputShape.length && set.shape.every((d, i) => d === inputShape[i] || (!(inputShape[i]! > 0) && d > 0))
    : !free && set.x.length % size === 0;
  if (!fits || set.x.length === 0 || set.x.length % size !== 0) {
    const what = set.shape
      ? `${source} are ${describeShape(set.shape)}`
      : free
        ? `${source} do not say their examples' shape`
        : `${source} hold ${set.x.length} values, not a whole number of inputs of ${size} values`;
    throw new CompressError(
      'DATA_SHAPE_MISMATCH',
      set.x.length === 0
        ? `${source} hold no example; give at least one example of the model's input (${describeShape(inputShape)})`
        : `${what} but the model takes ${describeShape(inputShape)}: evaluate it on data of its own input shape (an image folder is resized to the model's input; a CSV file needs the model's feature columns)`,
      { details: { expected: [...inputShape], actual: set.shape ? [...set.shape] : set.x.length } },
    );
  }
  const count = set.x.length / size;
  if (set.y) {
    if (set.y.length !== count) {
      throw new CompressError('DATA_LABELS_MISMATCH', `${source} hold ${count} examples but ${set.y.length} labels; give one label per example`, { details: { examples: count, labels: set.y.length } });
    }
    const bad = set.y.findIndex((y) => y >= classes);
    if (bad >= 0) {
      throw new CompressError('DATA_LABELS_MISMATCH', `${source}: example ${bad} has class ${set.y[bad]}, but the model has ${classes} classes (0..${classes - 1})`, {
        details: { example: bad, label: set.y[bad], classes },
      });
    }
  }
  return { count, shape };
}

/**
 * The class index in the model's outputs of each of the data's class names: by name
 * when the manifest lists labels; by number (`'0'`, `'1'`, …) when it does not.
 *
 * @throws CompressError `DATA_LABELS_MISMATCH` naming the classes the model does not know.
 */
export function matchClassNames(dataClasses: readonly string[], output: ManifestOutput, source = 'the data'): number[] {
  const classes = output.shape[output.shape.length - 1]!;
  const labels = output.labels;
  const index = (name: string): number => {
    if (labels) return labels.indexOf(name);
    const n = Number(name);
    return /^\d+$/.test(name) && n < classes ? n : -1;
  };
  const mapped = dataClasses.map(index);
  const unknown = dataClasses.filter((_, i) => mapped[i]! < 0);
  if (unknown.length > 0) {
    const known = labels ? `its labels are ${labels.map((l) => `"${l}"`).join(', ')}` : `it lists no labels, so classes must be numbered 0..${classes - 1}`;
    throw new CompressError(
      'DATA_LABELS_MISMATCH',
      `${source} has class(es) ${unknown.map((c) => `"${c}"`).join(', ')} that the model does not know (${known}); rename or remove them, or evaluate without labels (--unlabelled)`,
      { details: { unknown, labels } },
    );
  }
  return mapped;
}

/** The height, width and channels of an image model's input (`layout` NHWC or NCHW). */
export function imageInputSize(input: ManifestInput): { height: number; width: number; channels: number } | undefined {
  if (input.shape.length !== 4) return undefined;
  const [, a, b, c] = input.shape as [number, number, number, number];
  return input.layout === 'NCHW' ? { height: b, width: c, channels: a } : { height: a, width: b, channels: c };
}

/**
 * Decoded images (`count × height × width × channels` values in 0..1, NHWC, as the
 * trainer's image loaders give them) → the model's input values: back to 0..255, then
 * the manifest's `scale`, `invert` and per-channel `mean`/`std` — what the runtime does
 * to an image — and transposed to NCHW when the model takes that layout.
 */
export function imagesToModelInput(images: Float32Array, input: ManifestInput): Float32Array {
  const size = imageInputSize(input);
  if (!size) throw new RangeError(`imagesToModelInput: the model input [${input.shape.join(', ')}] is not an image (rank 4)`);
  const { height, width, channels } = size;
  const count = images.length / (height * width * channels);
  const nhwc = normalise(input.preprocessing, images.map((v) => v * 255), [count, height, width, channels], 3);
  if (input.layout !== 'NCHW') return nhwc;
  const plane = height * width;
  const out = new Float32Array(nhwc.length);
  for (let start = 0; start < nhwc.length; start += plane * channels) {
    for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) out[start + c * plane + p] = nhwc[start + p * channels + c]!;
  }
  return out;
}

/** Feature rows (`count × features`) → the model's input values: the manifest's `scale` then per-feature `mean`/`std`, as the runtime applies them. */
export function rowsToModelInput(rows: Float32Array, input: ManifestInput): Float32Array {
  const features = input.shape[input.shape.length - 1]!;
  return normalise(input.preprocessing, rows, [rows.length / features, features], 1);
}
