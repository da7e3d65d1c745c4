/**
 * The input and output signals of one prediction, computed exactly as the trainer's
 * drift baseline computes them (`trainer/eval/image-baseline.ts` `imageSignalValues`,
 * `trainer/eval/classification-inputs.ts` `topOne`), so that field counts and baseline
 * counts are comparable bin for bin. `signal-values.test.ts` checks the two agree.
 *
 * These formulas belong in `format/` once both sides can import them from there; the
 * runtime may not import the trainer.
 */

/** The image signal names the trainer writes: `mean_intensity`, then `block_r_c` row by row. */
export function imageSignalNames(grid: number): string[] {
  const names = ['mean_intensity'];
  for (let r = 0; r < grid; r++) for (let c = 0; c < grid; c++) names.push(`block_${r}_${c}`);
  return names;
}

/** Precomputed block geometry of one image size, reused for every prediction. */
export interface ImageGeometry {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly grid: number;
  readonly layout: 'NHWC' | 'NCHW';
  readonly rowBlock: Int32Array;
  readonly colBlock: Int32Array;
  readonly blockSize: Float64Array;
}

/** The block layout of an image size (block r spans rows ⌊r·H/grid⌋ … ⌊(r+1)·H/grid⌋ − 1, as the trainer's). */
export function imageGeometry(height: number, width: number, channels: number, grid: number, layout: 'NHWC' | 'NCHW' = 'NHWC'): ImageGeometry {
  const rowBlock = Int32Array.from({ length: height }, (_, y) => Math.min(grid - 1, Math.floor((y * grid) / height)));
  const colBlock = Int32Array.from({ length: width }, (_, x) => Math.min(grid - 1, Math.floor((x * grid) / width)));
  const blockSize = new Float64Array(grid * grid);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) blockSize[rowBlock[y]! * grid + colBlock[x]!]! += channels;
  return { height, width, channels, grid, layout, rowBlock, colBlock, blockSize };
}

/**
 * Writes the image signals of one image (`height × width × channels` values, as the
 * model sees them) into `out` (length `1 + grid²`): the mean intensity, then the block
 * means. NHWC images are summed in the trainer's order, so the values agree bit for bit.
 */
export function imageSignalValuesOf(image: ArrayLike<number>, geometry: ImageGeometry, out: Float64Array): void {
  const { height, width, channels, grid, layout, rowBlock, colBlock, blockSize } = geometry;
  const blocks = grid * grid;
  for (let b = 0; b <= blocks; b++) out[b] = 0;
  let total = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const block = 1 + rowBlock[y]! * grid + colBlock[x]!;
      for (let ch = 0; ch < channels; ch++) {
        const at = layout === 'NHWC' ? (y * width + x) * channels + ch : (ch * height + y) * width + x;
        const v = image[at]!;
        out[block]! += v;
        total += v;
      }
    }
  }
  out[0] = total / (height * width * channels);
  for (let b = 0; b < blocks; b++) out[b + 1] = out[b + 1]! / blockSize[b]!;
}

/** Arg-max (the first of equal maxima) and the maximum of one probability row: the predicted class and the top-1 confidence. */
export function topOneOf(row: ArrayLike<number>): { predicted: number; confidence: number } {
  let best = 0;
  let bestValue = row[0]!;
  for (let c = 1; c < row.length; c++) {
    if (row[c]! > bestValue) {
      best = c;
      bestValue = row[c]!;
    }
  }
  return { predicted: best, confidence: bestValue };
}
