/**
 * Checks the `(yTrue, probabilities)` pair every classification metric takes and
 * works out the class count, so each metric validates the same way and says the same
 * thing when the arrays do not fit together.
 */

/** Labels and row-major probabilities that have been checked to fit together. */
export interface ClassificationInputs {
  /** Class index of each example, in `0..classes-1`. */
  yTrue: ArrayLike<number>;
  /** `count × classes` scores, row-major (one row per example). */
  probabilities: ArrayLike<number>;
  count: number;
  classes: number;
}

/**
 * Validates labels against a flat `count × classes` probability matrix. `classes`
 * defaults to `probabilities.length / yTrue.length`.
 *
 * @throws {RangeError} when there are no examples, the sizes do not match, a label is
 *   not an integer in `0..classes-1`, or a probability is not finite.
 */
export function resolveClassificationInputs(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  classes?: number,
  caller = 'classification metric',
): ClassificationInputs {
  const count = yTrue.length;
  if (count === 0) throw new RangeError(`${caller}: yTrue is empty; pass at least one example`);
  const k = classes ?? probabilities.length / count;
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`${caller}: probabilities hold ${probabilities.length} values, not a whole number of rows for ${count} examples`);
  }
  if (probabilities.length !== count * k) {
    throw new RangeError(`${caller}: probabilities hold ${probabilities.length} values; expected ${count} examples × ${k} classes = ${count * k}`);
  }
  checkLabels(yTrue, k, caller);
  for (let i = 0; i < probabilities.length; i++) {
    if (!Number.isFinite(probabilities[i])) {
      throw new RangeError(`${caller}: probabilities[${i}] (example ${Math.floor(i / k)}) is ${probabilities[i]}; every score must be finite`);
    }
  }
  return { yTrue, probabilities, count, classes: k };
}

/**
 * Checks that every label is an integer in `0..classes-1`.
 *
 * @throws {RangeError} naming the first bad label.
 */
export function checkLabels(labels: ArrayLike<number>, classes: number, caller: string, name = 'yTrue'): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`${caller}: ${name}[${i}] is ${label}; labels must be integers in 0..${classes - 1}`);
    }
  }
}

/** Arg-max of each row (the first of equal maxima), and that maximum (the top-1 confidence). */
export function topOne(probabilities: ArrayLike<number>, count: number, classes: number): { predicted: Int32Array; confidence: Float64Array } {
  const predicted = new Int32Array(count);
  const confidence = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    let bestValue = probabilities[i * classes];
    for (let c = 1; c < classes; c++) {
      const value = probabilities[i * classes + c];
      if (value > bestValue) {
        best = c;
        bestValue = value;
      }
    }
    predicted[i] = best;
    confidence[i] = bestValue;
  }
  return { predicted, confidence };
}
