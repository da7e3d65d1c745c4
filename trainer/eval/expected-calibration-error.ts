/**
 * Expected calibration error (Guo et al. 2017, https://arxiv.org/abs/1706.04599):
 * how far the model's top-1 confidence is from its accuracy, averaged over
 * equal-width confidence bins weighted by how many examples fall in each.
 */
import { resolveClassificationInputs, topOne } from './classification-inputs.ts';

/** One bin of the reliability diagram. */
export interface CalibrationBin {
  /** The bin holds confidences in `(lower, upper]` (the first bin also holds 0). */
  lower: number;
  upper: number;
  count: number;
  /** Mean top-1 confidence of the bin's examples; `null` when the bin is empty. */
  confidence: number | null;
  /** Share of the bin's examples whose top-1 class is right; `null` when empty. */
  accuracy: number | null;
}

/** The ECE and the bins it was computed from. */
export interface CalibrationResult {
  /** `Σ (count_b / N) · |accuracy_b − confidence_b|`, in 0..1; 0 is perfectly calibrated. */
  ece: number;
  bins: CalibrationBin[];
}

/** Options for {@link expectedCalibrationError}. */
export interface ExpectedCalibrationErrorOptions {
  /** Number of classes (columns of `probabilities`). @defaultValue `probabilities.length / yTrue.length` */
  classes?: number;
  /** Number of equal-width bins over `[0, 1]`. @defaultValue 15 */
  bins?: number;
}

/**
 * Expected calibration error of the top-1 confidence, with equal-width bins.
 * Confidences are clamped into `[0, 1]`, so pass probabilities, not logits.
 *
 * @throws {RangeError} when the sizes do not fit, a label is out of range, or
 *   `bins` is not a positive integer.
 */
export function expectedCalibrationError(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  options: ExpectedCalibrationErrorOptions = {},
): CalibrationResult {
  const { bins: binCount = 15 } = options;
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`expectedCalibrationError: bins must be an integer ≥ 1, got ${binCount}`);
  const { count, classes } = resolveClassificationInputs(yTrue, probabilities, options.classes, 'expectedCalibrationError');
  const { predicted, confidence } = topOne(probabilities, count, classes);
  const counts = new Array<number>(binCount).fill(0);
  const confidenceSums = new Array<number>(binCount).fill(0);
  const correctCounts = new Array<number>(binCount).fill(0);
  for (let i = 0; i < count; i++) {
    const c = Math.min(1, Math.max(0, confidence[i]));
    // Right-closed bins (lower, upper]: ceil(c·B) − 1, with 0 in the first bin.
    const b = Math.min(binCount - 1, Math.max(0, Math.ceil(c * binCount) - 1));
    counts[b]++;
    confidenceSums[b] += c;
    if (predicted[i] === yTrue[i]) correctCounts[b]++;
  }
  let ece = 0;
  const bins: CalibrationBin[] = counts.map((n, b) => {
    const bin: CalibrationBin = { lower: b / binCount, upper: (b + 1) / binCount, count: n, confidence: null, accuracy: null };
    if (n > 0) {
      bin.confidence = confidenceSums[b] / n;
      bin.accuracy = correctCounts[b] / n;
      ece += (n / count) * Math.abs(bin.accuracy - bin.confidence);
    }
    return bin;
  });
  return { ece, bins };
}
