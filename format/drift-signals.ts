/**
 * The formulas of the drift signals: what the trainer computes on its splits to write a
 * manifest `baseline`, and what the runtime computes on each prediction to count it in
 * that baseline's bins (docs/TELEMETRY.md "What is counted"). Both import them from
 * here, so a field value and a baseline value of the same input agree bit for bit.
 *
 * Image signals of one image (`height × width × channels` values, as the model sees
 * them after preprocessing), in this order:
 * - `mean_intensity`: the mean of every value;
 * - `contrast`: the population standard deviation of every value;
 * - `channel_mean_<c>`: the mean of channel `c` — only when `channels > 1`;
 * - `block_<r>_<c>`: the mean of each cell of a `grid × grid` grid (block r spans rows
 *   ⌊r·H/grid⌋ … ⌊(r+1)·H/grid⌋ − 1, so sizes the grid does not divide still tile).
 *
 * Output signals of one classifier output row: `predicted_class` and `confidence` (the
 * arg-max, first of equal maxima, and its value) and `entropy` (natural log).
 */

/** Names of the drift signals (besides `channel_mean_<c>` and `block_<r>_<c>`). */
export const DRIFT_SIGNAL_NAMES = Object.freeze({
  meanIntensity: 'mean_intensity',
  contrast: 'contrast',
  predictedClass: 'predicted_class',
  confidence: 'confidence',
  entropy: 'entropy',
  /** A regressor's predicted value. */
  prediction: 'prediction',
});

/** The output-signal names: reserved, so no input signal (e.g. a tabular feature) may take one. */
export const OUTPUT_SIGNAL_NAMES: readonly string[] = Object.freeze([
  DRIFT_SIGNAL_NAMES.predictedClass,
  DRIFT_SIGNAL_NAMES.confidence,
  DRIFT_SIGNAL_NAMES.entropy,
  DRIFT_SIGNAL_NAMES.prediction,
]);

/** The name of channel `channel`'s mean: `channel_mean_<channel>`. */
export function channelMeanSignalName(channel: number): string {
  return `channel_mean_${channel}`;
}

/** The name of the block in grid row `row`, column `col`: `block_<row>_<col>`. */
export function blockSignalName(row: number, col: number): string {
  return `block_${row}_${col}`;
}

/**
 * The image signal names for a channel count and grid, in the order
 * {@link imageSignalValuesOf} writes them: `mean_intensity`, `contrast`,
 * `channel_mean_0…` (only when `channels > 1`), then `block_r_c` row by row (none for grid 0).
 */
export function imageSignalNames(channels: number, grid: number): string[] {
  const names: string[] = [DRIFT_SIGNAL_NAMES.meanIntensity, DRIFT_SIGNAL_NAMES.contrast];
  if (channels > 1) for (let c = 0; c < channels; c++) names.push(channelMeanSignalName(c));
  for (let r = 0; r < grid; r++) for (let c = 0; c < grid; c++) names.push(blockSignalName(r, c));
  return names;
}

/** The precomputed layout of one image size, reused for every image of that size. */
export interface ImageSignalGeometry {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Blocks per side; 0 computes no block means. */
  readonly grid: number;
  readonly layout: 'NHWC' | 'NCHW';
  /** How many values {@link imageSignalValuesOf} writes (`imageSignalNames(channels, grid).length`). */
  readonly signalCount: number;
  readonly rowBlock: Int32Array;
  readonly colBlock: Int32Array;
  /** Values per block. */
  readonly blockSize: Float64Array;
  /** Scratch sums (blocks, then channels), overwritten by every call. */
  readonly scratch: Float64Array;
}

/**
 * The geometry of `height × width × channels` images cut into a `grid × grid` grid
 * (`grid` 0: no block means), stored `layout` (NHWC: channel last; NCHW: channel first).
 *
 * @throws {RangeError} when a size is not an integer ≥ 1, `grid` not an integer ≥ 0, or
 *   the image is smaller than the grid.
 */
export function imageSignalGeometry(height: number, width: number, channels: number, grid: number, layout: 'NHWC' | 'NCHW' = 'NHWC'): ImageSignalGeometry {
  for (const [name, value, min] of [['height', height, 1], ['width', width, 1], ['channels', channels, 1], ['grid', grid, 0]] as const) {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`imageSignalGeometry: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
  if (height < grid || width < grid) throw new RangeError(`imageSignalGeometry: a ${height}×${width} image cannot be cut into a ${grid}×${grid} grid; lower grid`);
  const cells = Math.max(1, grid * grid);
  // Grid 0 sums every pixel into one unused block, so the loop has no branch.
  const rowBlock = Int32Array.from({ length: height }, (_, y) => (grid === 0 ? 0 : Math.min(grid - 1, Math.floor((y * grid) / height))));
  const colBlock = Int32Array.from({ length: width }, (_, x) => (grid === 0 ? 0 : Math.min(grid - 1, Math.floor((x * grid) / width))));
  const blockSize = new Float64Array(cells);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) blockSize[rowBlock[y] * Math.max(1, grid) + colBlock[x]] += channels;
  const signalCount = 2 + (channels > 1 ? channels : 0) + grid * grid;
  return { height, width, channels, grid, layout, signalCount, rowBlock, colBlock, blockSize, scratch: new Float64Array(cells + channels) };
}

/**
 * Writes the image signals of one image into `out` (at least `geometry.signalCount`
 * long), in {@link imageSignalNames} order. One pass over the values. NHWC images are
 * summed in memory order; NCHW images give the same values up to rounding.
 *
 * `contrast` uses sums shifted by the first value (the "shifted data" variance), which
 * stays exact for a constant image and accurate for values far from 0.
 *
 * @throws {RangeError} when `image` does not hold exactly one image or `out` is too short.
 */
export function imageSignalValuesOf(image: ArrayLike<number>, geometry: ImageSignalGeometry, out: Float64Array): void {
  const { height, width, channels, grid, layout, signalCount, rowBlock, colBlock, blockSize, scratch } = geometry;
  const count = height * width * channels;
  if (image.length !== count) throw new RangeError(`imageSignalValuesOf: the image holds ${image.length} values; a ${height}×${width}×${channels} image has ${count}`);
  if (out.length < signalCount) throw new RangeError(`imageSignalValuesOf: out holds ${out.length} values; ${signalCount} signals need as many`);
  const side = Math.max(1, grid);
  const cells = side * side;
  scratch.fill(0);
  const pixelStride = layout === 'NHWC' ? channels : 1;
  const channelStride = layout === 'NHWC' ? 1 : height * width;
  const shift = image[0];
  let total = 0;
  let shifted = 0;
  let shiftedSquares = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const block = rowBlock[y] * side + colBlock[x];
      const at = (y * width + x) * pixelStride;
      for (let ch = 0; ch < channels; ch++) {
        const v = image[at + ch * channelStride];
        scratch[block] += v;
        scratch[cells + ch] += v;
        total += v;
        const d = v - shift;
        shifted += d;
        shiftedSquares += d * d;
      }
    }
  }
  out[0] = total / count;
  out[1] = Math.sqrt(Math.max(0, (shiftedSquares - (shifted * shifted) / count) / count));
  let o = 2;
  if (channels > 1) for (let ch = 0; ch < channels; ch++) out[o++] = scratch[cells + ch] / (height * width);
  if (grid > 0) for (let b = 0; b < cells; b++) out[o++] = scratch[b] / blockSize[b];
}

/** Arg-max (the first of equal maxima) and maximum of one output row: the predicted class and the top-1 confidence. */
export function topOneOf(row: ArrayLike<number>): { predicted: number; confidence: number } {
  let best = 0;
  let bestValue = row[0];
  for (let c = 1; c < row.length; c++) {
    if (row[c] > bestValue) {
      best = c;
      bestValue = row[c];
    }
  }
  return { predicted: best, confidence: bestValue };
}

/**
 * The entropy of one output row in nats, `Σ −p·ln p`, with `0·ln 0 = 0`. A row that does
 * not sum to 1 is normalised first; values ≤ 0 (and `NaN`) count as probability 0. A row
 * with nothing positive, or an infinite value, has entropy `NaN` (binned in the first bin).
 */
export function entropyOf(row: ArrayLike<number>): number {
  let sum = 0;
  for (let c = 0; c < row.length; c++) if (row[c] > 0) sum += row[c];
  if (!(sum > 0 && sum < Number.POSITIVE_INFINITY)) return Number.NaN;
  let entropy = 0;
  for (let c = 0; c < row.length; c++) {
    const v = row[c];
    if (!(v > 0)) continue;
    const p = sum === 1 ? v : v / sum;
    entropy -= p * Math.log(p);
  }
  return entropy;
}
