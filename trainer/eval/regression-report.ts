/**
 * Regression metrics: RMSE, MAE and the coefficient of determination R².
 */

/** The regression metrics of one labelled set. */
export interface RegressionReport {
  count: number;
  /** Root mean squared error, in the target's units. */
  rmse: number;
  /** Mean absolute error, in the target's units. */
  mae: number;
  /** Coefficient of determination; see {@link rSquared} for a constant target. */
  r2: number;
}

function checkPair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, caller: string): void {
  if (yTrue.length === 0) throw new RangeError(`${caller}: yTrue is empty; pass at least one example`);
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`${caller}: yTrue has ${yTrue.length} values but yPred has ${yPred.length}; pass one prediction per example`);
  }
  for (let i = 0; i < yTrue.length; i++) {
    if (!Number.isFinite(yTrue[i]) || !Number.isFinite(yPred[i])) {
      throw new RangeError(`${caller}: example ${i} has yTrue ${yTrue[i]} and yPred ${yPred[i]}; both must be finite`);
    }
  }
}

/**
 * Root mean squared error `√(Σ(y − ŷ)² / n)`.
 *
 * @throws {RangeError} when the arrays are empty, differ in length or hold a non-finite value.
 */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred, 'rmse');
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) sum += (yTrue[i] - yPred[i]) ** 2;
  return Math.sqrt(sum / yTrue.length);
}

/**
 * Mean absolute error `Σ|y − ŷ| / n`.
 *
 * @throws {RangeError} when the arrays are empty, differ in length or hold a non-finite value.
 */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred, 'mae');
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) sum += Math.abs(yTrue[i] - yPred[i]);
  return sum / yTrue.length;
}

/**
 * Coefficient of determination `1 − Σ(y − ŷ)² / Σ(y − ȳ)²`: 1 is perfect, 0 is no
 * better than predicting the mean, negative is worse than that.
 *
 * When `yTrue` is constant the ratio is 0/0 or x/0; like scikit-learn's
 * `r2_score(force_finite=True)` it then returns 1 if every prediction is exact and 0
 * otherwise, so the value stays a finite number the manifest accepts.
 *
 * @throws {RangeError} when the arrays are empty, differ in length or hold a non-finite value.
 */
export function rSquared(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred, 'rSquared');
  const n = yTrue.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i] / n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    residual += (yTrue[i] - yPred[i]) ** 2;
    total += (yTrue[i] - mean) ** 2;
  }
  // A constant target: `total` may be a rounding crumb rather than exactly 0.
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = yTrue[i] === yTrue[0];
  if (constant) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}

/**
 * RMSE, MAE and R² in one call.
 *
 * @throws {RangeError} when the arrays are empty, differ in length or hold a non-finite value.
 */
export function regressionReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionReport {
  return { count: yTrue.length, rmse: rmse(yTrue, yPred), mae: mae(yTrue, yPred), r2: rSquared(yTrue, yPred) };
}
