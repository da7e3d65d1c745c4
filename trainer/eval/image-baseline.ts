/**
 * The drift baseline of an image model: per image, its mean intensity and the means of
 * a 7 × 7 grid of blocks (where in the frame the ink / light is), plus the model's
 * predicted class and top-1 confidence. Bins come from the training split, counts
 * from the test split.
 */
import type { Baseline } from '../../format/index.ts';
import { predictionSignals, type PredictionInputs } from './prediction-signals.ts';
import { continuousSignal } from './signal-histogram.ts';

/** Options for {@link imageBaseline}; the image size is required. */
export interface ImageBaselineOptions extends PredictionInputs {
  height: number;
  width: number;
  /** @defaultValue 1 */
  channels?: number;
  /** Bins per continuous signal, before equal quantiles merge. @defaultValue 10 */
  bins?: number;
  /** Blocks per side of the block-mean grid. @defaultValue 7 */
  grid?: number;
}

/** The image signals of each image: `mean_intensity` then `block_r_c` row by row. */
export function imageSignalValues(images: ArrayLike<number>, height: number, width: number, channels: number, grid: number): { names: string[]; values: Float64Array[] } {
  const pixels = height * width * channels;
  const count = images.length / pixels;
  const names = ['mean_intensity'];
  for (let r = 0; r < grid; r++) for (let c = 0; c < grid; c++) names.push(`block_${r}_${c}`);
  const values = names.map(() => new Float64Array(count));
  // Block r spans rows ⌊r·H/grid⌋ … ⌊(r+1)·H/grid⌋ − 1, so sizes that 7 does not divide still tile the image.
  const rowBlock = Array.from({ length: height }, (_, y) => Math.min(grid - 1, Math.floor((y * grid) / height)));
  const colBlock = Array.from({ length: width }, (_, x) => Math.min(grid - 1, Math.floor((x * grid) / width)));
  const blockSize = new Float64Array(grid * grid);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) blockSize[rowBlock[y] * grid + colBlock[x]] += channels;
  const sums = new Float64Array(grid * grid);
  for (let n = 0; n < count; n++) {
    sums.fill(0);
    let total = 0;
    const base = n * pixels;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const block = rowBlock[y] * grid + colBlock[x];
        const at = base + (y * width + x) * channels;
        for (let ch = 0; ch < channels; ch++) {
          sums[block] += images[at + ch];
          total += images[at + ch];
        }
      }
    }
    values[0][n] = total / pixels;
    for (let b = 0; b < grid * grid; b++) values[b + 1][n] = sums[b] / blockSize[b];
  }
  return { names, values };
}

/**
 * Builds the manifest `baseline` of an image model from NHWC images (`count × height
 * × width × channels` values, as the model sees them after preprocessing). Signals:
 * `mean_intensity`, `block_0_0` … `block_6_6`, and with probabilities
 * `predicted_class` and `confidence`. Each signal's counts sum to the test count.
 *
 * @throws {RangeError} when the image size is invalid (or smaller than the grid), an
 *   array is not a whole number of images, or a split is empty.
 * @throws TrainerError `NON_NUMERIC` when a pixel is not finite.
 */
export function imageBaseline(trainImages: ArrayLike<number>, testImages: ArrayLike<number>, options: ImageBaselineOptions): Baseline {
  const { height, width, channels = 1, bins = 10, grid = 7 } = options;
  for (const [name, value] of [['height', height], ['width', width], ['channels', channels], ['grid', grid]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`imageBaseline: ${name} must be an integer ≥ 1, got ${value}`);
  }
  if (height < grid || width < grid) throw new RangeError(`imageBaseline: a ${height}×${width} image cannot be cut into a ${grid}×${grid} grid; lower grid`);
  const pixels = height * width * channels;
  const counts = [trainImages.length / pixels, testImages.length / pixels];
  if (!counts.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new RangeError(`imageBaseline: trainImages (${trainImages.length} values) and testImages (${testImages.length}) must each hold ≥ 1 image of ${height}×${width}×${channels} = ${pixels} values`);
  }
  const train = imageSignalValues(trainImages, height, width, channels, grid);
  const test = imageSignalValues(testImages, height, width, channels, grid);
  const signals = train.names.map((name, s) => continuousSignal(name, train.values[s], test.values[s], { bins }));
  signals.push(...predictionSignals(options, counts[0], counts[1], bins));
  return { signals };
}
