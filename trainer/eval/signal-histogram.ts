/**
 * One drift-baseline signal: bin edges fixed from the training split and the test
 * split's counts in those bins, in the manifest's `BaselineSignal` shape.
 *
 * How a runtime bins a value `x` against `edges` (n + 1 edges, n bins): bin `i` holds
 * `edges[i] ≤ x < edges[i+1]`; the outermost bins are open, so `x < edges[0]` counts in
 * bin 0 and `x ≥ edges[n]` in bin n − 1. The manifest only takes finite edges, so the
 * outer edges are the training minimum and maximum, and values outside them (which a
 * drifted input produces) still land in a bin. {@link binIndex} implements exactly this.
 */
import { TrainerError } from '../errors.ts';
import { MANIFEST_LIMITS, type BaselineSignal } from '../../format/index.ts';

/** Options for {@link quantileEdges} and {@link continuousSignal}. */
export interface QuantileEdgesOptions {
  /**
   * Number of equal-frequency bins before equal quantiles are merged (a signal with
   * ties or few distinct values gets fewer). At most `MANIFEST_LIMITS.maxBins`.
   * @defaultValue 10
   */
  bins?: number;
}

/**
 * Bin edges at the `0, 1/bins, …, 1` quantiles of `values` (linear interpolation, as
 * NumPy's default), with equal quantiles merged so edges increase strictly. The first
 * and last edges are the minimum and maximum.
 *
 * A constant signal `v` gets edges `[v − w, v, v + w, v + 2w]` (`w = 10⁻⁶·max(1, |v|)`):
 * three bins "below v", "v", "above v", so any move away from `v` shows as drift.
 *
 * @throws {RangeError} when `values` is empty or `bins` is not an integer in
 *   `1..MANIFEST_LIMITS.maxBins`.
 * @throws TrainerError `NON_NUMERIC` when a value is not finite.
 */
export function quantileEdges(values: ArrayLike<number>, options: QuantileEdgesOptions = {}): number[] {
  return edgesOf(values, options.bins ?? 10, 'signal');
}

function edgesOf(values: ArrayLike<number>, bins: number, name: string): number[] {
  if (!Number.isInteger(bins) || bins < 1 || bins > MANIFEST_LIMITS.maxBins) {
    throw new RangeError(`quantileEdges: bins must be an integer in 1..${MANIFEST_LIMITS.maxBins}, got ${bins}`);
  }
  if (values.length === 0) throw new RangeError(`quantileEdges: signal "${name}" has no training values`);
  checkFinite(values, name, 'training');
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const edges: number[] = [];
  for (let j = 0; j <= bins; j++) {
    const position = ((n - 1) * j) / bins;
    const low = Math.floor(position);
    const high = Math.min(n - 1, low + 1);
    const q = sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    // Interpolation can round a hair outside its neighbours; keep edges monotone.
    if (edges.length === 0 || q > edges[edges.length - 1]) edges.push(q);
  }
  if (edges.length === 1) {
    const v = edges[0];
    const w = 1e-6 * Math.max(1, Math.abs(v));
    return [v - w, v, v + w, v + 2 * w];
  }
  return edges;
}

/**
 * The bin of `value` under `edges`, with open outer bins (see the file comment).
 * `NaN` counts in bin 0.
 */
export function binIndex(edges: readonly number[], value: number): number {
  const last = edges.length - 2;
  if (!(value >= edges[1])) return 0;
  if (value >= edges[last]) return last;
  // Binary search for the largest i with edges[i] ≤ value.
  let lo = 1;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] <= value) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Counts of `values` per bin of `edges` (open outer bins), so the counts always sum
 * to `values.length`.
 *
 * @throws {RangeError} when `edges` has fewer than 2 entries or does not increase strictly.
 * @throws TrainerError `NON_NUMERIC` when a value is not finite.
 */
export function histogramCounts(edges: readonly number[], values: ArrayLike<number>): number[] {
  if (edges.length < 2 || edges.some((e, i) => !Number.isFinite(e) || (i > 0 && !(e > edges[i - 1])))) {
    throw new RangeError(`histogramCounts: edges [${edges.join(', ')}] must be 2 or more finite numbers increasing strictly`);
  }
  return countsOf(edges, values, 'signal');
}

function countsOf(edges: readonly number[], values: ArrayLike<number>, name: string): number[] {
  checkFinite(values, name, 'test');
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[binIndex(edges, values[i])]++;
  return counts;
}

/**
 * A continuous signal: quantile edges from `trainValues`, counts of `testValues`.
 *
 * @throws as {@link quantileEdges} and {@link histogramCounts}.
 */
export function continuousSignal(name: string, trainValues: ArrayLike<number>, testValues: ArrayLike<number>, options: QuantileEdgesOptions = {}): BaselineSignal {
  checkName(name);
  const edges = edgesOf(trainValues, options.bins ?? 10, name);
  return { name, edges, counts: countsOf(edges, testValues, name) };
}

/**
 * A categorical signal over `0..categories-1` (e.g. the predicted class): edges at
 * the class boundaries `−0.5, 0.5, …, categories − 0.5`, one bin per category.
 *
 * @throws {RangeError} when `categories` is not in `1..MANIFEST_LIMITS.maxBins` or a
 *   value is not an integer category.
 */
export function categoricalSignal(name: string, categories: number, testValues: ArrayLike<number>): BaselineSignal {
  checkName(name);
  if (!Number.isInteger(categories) || categories < 1 || categories > MANIFEST_LIMITS.maxBins) {
    throw new RangeError(`categoricalSignal: "${name}" needs 1..${MANIFEST_LIMITS.maxBins} categories, got ${categories}`);
  }
  const counts = new Array<number>(categories).fill(0);
  for (let i = 0; i < testValues.length; i++) {
    const v = testValues[i];
    if (!Number.isInteger(v) || v < 0 || v >= categories) {
      throw new RangeError(`categoricalSignal: "${name}" value ${i} is ${v}; expected an integer in 0..${categories - 1}`);
    }
    counts[v]++;
  }
  return { name, edges: Array.from({ length: categories + 1 }, (_, c) => c - 0.5), counts };
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length < 1 || name.length > 128) {
    throw new TrainerError('CONFIG_INVALID', `drift baseline: signal name ${JSON.stringify(name)} must be a string of 1 to 128 characters (the manifest's limit)`, {
      details: { name },
    });
  }
}

function checkFinite(values: ArrayLike<number>, name: string, split: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new TrainerError('NON_NUMERIC', `drift baseline: ${split} value ${i} of signal "${name}" is ${values[i]}; impute or drop missing values before building the baseline`, {
        details: { signal: name, split, index: i, value: String(values[i]) },
      });
    }
  }
}
