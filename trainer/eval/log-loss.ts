/**
 * Multi-class log-loss (cross-entropy of the true class).
 */
import { resolveClassificationInputs } from './classification-inputs.ts';

/** Options for {@link logLoss}. */
export interface LogLossOptions {
  /** Number of classes (columns of `probabilities`). @defaultValue `probabilities.length / yTrue.length` */
  classes?: number;
  /**
   * Probabilities are clipped to `[eps, 1 − eps]` before the logarithm, so one
   * confident mistake costs `−ln(eps)` (≈ 34.5) instead of infinity.
   * @defaultValue 1e-15
   */
  eps?: number;
}

/**
 * Mean of `−ln p(true class)` over the examples, natural logarithm, from row-major
 * `count × classes` probabilities (not logits; apply softmax first). Rows are used as
 * given, not renormalised.
 *
 * @throws {RangeError} when the sizes do not fit, a label is out of range, or `eps`
 *   is not in `(0, 0.5)`.
 */
export function logLoss(yTrue: ArrayLike<number>, probabilities: ArrayLike<number>, options: LogLossOptions = {}): number {
  const { eps = 1e-15 } = options;
  if (!(eps > 0 && eps < 0.5)) throw new RangeError(`logLoss: eps must be in (0, 0.5), got ${eps}`);
  const { count, classes } = resolveClassificationInputs(yTrue, probabilities, options.classes, 'logLoss');
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probabilities[i * classes + yTrue[i]]));
    sum -= Math.log(p);
  }
  return sum / count;
}
