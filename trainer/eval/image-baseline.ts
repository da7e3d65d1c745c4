/**
 * The drift baseline of an image model: per image, its mean intensity, contrast (the
 * standard deviation of its values), per-channel means (colour images) and the means of
 * a 7 × 7 grid of blocks (where in the frame the ink / light is), plus the model's
 * predicted class, top-1 confidence and entropy. The formulas are format's
 * (`format/drift-signals.ts`), the ones the runtime counts field predictions with. Bins
 * come from the training split, counts from the test split.
 */
import { imageSignalGeometry, imageSignalNames, imageSignalValuesOf, type Baseline } from '../../format/index.ts';
import { exampleRow, predictionSignals, type PredictionInputs } from './prediction-signals.ts';
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

/**
 * The image signals of each NHWC image, named as format's `imageSignalNames`:
 * `mean_intensity`, `contrast`, `channel_mean_<c>` (channels > 1), then `block_r_c` row by row.
 */
export function imageSignalValues(images: ArrayLike<number>, height: number, width: number, channels: number, grid: number): { names: string[]; values: Float64Array[] } {
  const geometry = imageSignalGeometry(height, width, channels, grid);
  const pixels = height * width * channels;
  const count = Math.floor(images.length / pixels);
  const names = imageSignalNames(channels, grid);
  const values = names.map(() => new Float64Array(count));
  const out = new Float64Array(geometry.signalCount);
  for (let n = 0; n < count; n++) {
    imageSignalValuesOf(exampleRow(images, n, pixels), geometry, out);
    for (let s = 0; s < names.length; s++) values[s][n] = out[s];
  }
  return { names, values };
}

/**
 * Builds the manifest `baseline` of an image model from NHWC images (`count × height
 * × width × channels` values, as the model sees them after preprocessing). Signals:
 * `mean_intensity`, `contrast`, `channel_mean_0` … (colour images only),
 * `block_0_0` … `block_6_6`, and with probabilities `predicted_class`, `confidence`
 * and `entropy`. Each signal's counts sum to the test count.
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
