/**
 * Per-feature (tabular) or per-channel (images, NHWC) normalisation, fitted on the
 * training split only and stored as JSON `{ method, mean, std }`, which maps
 * straight onto a package manifest's `input.preprocessing.mean` / `std`.
 */
import { TrainerError } from '../errors.ts';

/** How values are rescaled. */
export type NormalizationMethod = 'z-score' | 'min-max';

/**
 * A fitted normalisation: `x → (x − mean[k]) / std[k]` for feature (or channel) `k`.
 * For `'z-score'`, `mean`/`std` are the training mean and standard deviation; for
 * `'min-max'`, `mean` is the minimum and `std` the range (max − min), so values land
 * in 0..1. Either way `{ mean, std }` is the manifest's `input.preprocessing` form.
 */
export interface Normalization {
  method: NormalizationMethod;
  mean: number[];
  std: number[];
}

/** Options of {@link fitNormalization}. */
export interface FitNormalizationOptions {
  /** @defaultValue `'z-score'` */
  method?: NormalizationMethod;
  /**
   * Rows of `features` to fit on, e.g. a split's `train` indices, so that validation and
   * test statistics never leak into the model. @defaultValue every row
   */
  rows?: ArrayLike<number>;
}

/**
 * Fits a {@link Normalization} to `features`: rows of `width` values (tabular: the
 * feature count; NHWC images: the channel count, since every pixel is a row of
 * channels). Pass only the training split, directly or through `rows`.
 *
 * A feature with no spread (std or range 0) gets `std: 1`, so it is shifted but never
 * divided by zero, and the manifest's rule `std > 0` holds.
 *
 * @throws {RangeError} when `width` does not divide `features`, a row index is out of
 *   range, or no rows are selected.
 * @throws {TrainerError} `NON_NUMERIC` when a selected value is NaN or infinite.
 */
export function fitNormalization(features: Float32Array, width: number, options: FitNormalizationOptions = {}): Normalization {
  const { method = 'z-score' } = options;
  if (method !== 'z-score' && method !== 'min-max') throw new RangeError(`fitNormalization: unknown method ${JSON.stringify(method)}`);
  const total = rowCount(features, width, 'fitNormalization');
  const rows = options.rows ?? { length: total };
  const n = rows.length;
  if (n === 0) throw new RangeError('fitNormalization: no rows to fit on');
  const rowAt = options.rows ? (k: number) => checkedRow(options.rows![k], total) : (k: number) => k;

  const a = new Float64Array(width); // z-score: sum, then mean; min-max: min
  const b = new Float64Array(width); // z-score: squared deviations; min-max: max
  if (method === 'min-max') {
    a.fill(Infinity);
    b.fill(-Infinity);
  }
  for (let k = 0; k < n; k++) {
    const base = rowAt(k) * width;
    for (let f = 0; f < width; f++) {
      const x = features[base + f];
      if (!Number.isFinite(x)) {
        throw new TrainerError('NON_NUMERIC', `fitNormalization: row ${rowAt(k)}, feature ${f} is ${x}; clean the data before normalising`, {
          details: { row: rowAt(k), feature: f },
        });
      }
      if (method === 'min-max') {
        if (x < a[f]) a[f] = x;
        if (x > b[f]) b[f] = x;
      } else a[f] += x;
    }
  }
  if (method === 'min-max') {
    return { method, mean: Array.from(a), std: Array.from(a, (min, f) => spread(b[f] - min, min)) };
  }
  for (let f = 0; f < width; f++) a[f] /= n;
  // Second pass over the deviations: stable where sum-of-squares minus square-of-sum is not.
  for (let k = 0; k < n; k++) {
    const base = rowAt(k) * width;
    for (let f = 0; f < width; f++) {
      const d = features[base + f] - a[f];
      b[f] += d * d;
    }
  }
  return { method, mean: Array.from(a), std: Array.from(b, (ss, f) => spread(Math.sqrt(ss / n), a[f])) };
}

/**
 * Applies `normalization` to `features` (rows of `normalization.mean.length` values,
 * any split) and returns a new array; `features` is left as it is.
 *
 * @throws {RangeError} when the feature count does not divide `features`.
 */
export function applyNormalization(normalization: Normalization, features: Float32Array): Float32Array {
  const width = normalization.mean.length;
  rowCount(features, width, 'applyNormalization');
  const scale = Float64Array.from(normalization.std, (s) => 1 / s);
  const mean = Float64Array.from(normalization.mean);
  const out = new Float32Array(features.length);
  for (let i = 0; i < features.length; i += width) {
    for (let f = 0; f < width; f++) out[i + f] = (features[i + f] - mean[f]) * scale[f];
  }
  return out;
}

/**
 * Checks that `value` (e.g. parsed from a saved JSON file) is a {@link Normalization}
 * and returns it typed.
 *
 * @throws {TrainerError} `CONFIG_INVALID` naming the first bad field.
 */
export function parseNormalization(value: unknown): Normalization {
  const fail = (field: string, what: string): never => {
    throw new TrainerError('CONFIG_INVALID', `normalization.${field} ${what}`, { details: { field: `normalization.${field}` } });
  };
  if (typeof value !== 'object' || value === null) fail('', 'must be an object { method, mean, std }');
  const o = value as Record<string, unknown>;
  if (o.method !== 'z-score' && o.method !== 'min-max') fail('method', `must be 'z-score' or 'min-max', got ${JSON.stringify(o.method)}`);
  for (const key of ['mean', 'std'] as const) {
    const list = o[key];
    if (!Array.isArray(list) || list.length === 0) fail(key, 'must be a non-empty array of numbers');
    (list as unknown[]).forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${key}[${i}]`, `must be a finite number, got ${JSON.stringify(x)}`);
      if (key === 'std' && (x as number) <= 0) fail(`${key}[${i}]`, `must be greater than 0, got ${x}`);
    });
  }
  if ((o.mean as number[]).length !== (o.std as number[]).length) fail('std', 'must have as many entries as normalization.mean');
  return { method: o.method as NormalizationMethod, mean: [...(o.mean as number[])], std: [...(o.std as number[])] };
}

function rowCount(features: Float32Array, width: number, caller: string): number {
  if (!Number.isInteger(width) || width <= 0 || features.length % width !== 0) {
    throw new RangeError(`${caller}: ${features.length} values are not whole rows of ${width}`);
  }
  return features.length / width;
}

function checkedRow(row: number, total: number): number {
  if (!Number.isInteger(row) || row < 0 || row >= total) throw new RangeError(`fitNormalization: row ${row} is outside 0..${total - 1}`);
  return row;
}

/**
 * A spread usable as a divisor: 1 where the feature does not vary. Float32 inputs carry
 * about 7 significant digits, so a spread below that relative to the feature's level is
 * rounding noise of a constant feature, not variation.
 */
function spread(s: number, level: number): number {
  return s > 1e-7 * Math.max(1, Math.abs(level)) ? s : 1;
}
