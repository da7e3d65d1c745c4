/**
 * How far a compressed model's outputs are from the original's on the same inputs:
 * the check every compressed artifact passes before it is packaged.
 */

/** Options of {@link compareOutputs}. */
export interface CompareOutputsOptions {
  /** True class of each row; adds `accuracy`, `referenceAccuracy` and `accuracyDrop`. */
  labels?: ArrayLike<number>;
  /**
   * What the rows hold: `'logits'` (edgeloop models output logits) are turned into
   * probabilities with a softmax before comparing; `'probabilities'` are compared as
   * they are. @defaultValue 'logits'
   */
  outputs?: 'logits' | 'probabilities';
}

/** The result of {@link compareOutputs}. */
export interface OutputComparison {
  /** Rows compared. */
  rows: number;
  /** Fraction of rows whose top-1 class is the same (ties: the lowest class index wins; a row with NaN never agrees). */
  top1Agreement: number;
  /** Largest |p_ref − p_cand| over all rows and classes, on probabilities (NaN when a value is NaN). */
  maxAbsDiff: number;
  /** Mean |p_ref − p_cand| over all rows × classes, on probabilities. */
  meanAbsDiff: number;
  /** Top-1 accuracy of `candidate` (with `labels`). */
  accuracy?: number;
  /** Top-1 accuracy of `reference` (with `labels`). */
  referenceAccuracy?: number;
  /** `referenceAccuracy − accuracy`: positive when compression cost accuracy (with `labels`). */
  accuracyDrop?: number;
}

/**
 * Compares two models' outputs for the same `rows × classes` inputs, row-major.
 * Differences are measured on probabilities — logits are first put through a
 * softmax — because logits are only defined up to a per-row constant (a model and
 * its copy with every logit shifted by 5 predict the same thing), whereas a
 * probability difference of 0.01 means the same on every model.
 *
 * @throws {RangeError} when `classes` is not a positive integer, the arrays differ
 *   in length or hold no whole number of rows, or `labels` has the wrong length or
 *   a class outside 0..classes-1.
 */
export function compareOutputs(reference: Float32Array, candidate: Float32Array, classes: number, options: CompareOutputsOptions = {}): OutputComparison {
  const { labels, outputs = 'logits' } = options;
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  if (reference.length !== candidate.length) {
    throw new RangeError(`reference holds ${reference.length} values and candidate ${candidate.length}; compare outputs of the same inputs`);
  }
  if (reference.length === 0 || reference.length % classes !== 0) {
    throw new RangeError(`the outputs hold ${reference.length} values, not a positive whole number of rows of ${classes} classes`);
  }
  if (outputs !== 'logits' && outputs !== 'probabilities') throw new RangeError(`outputs must be 'logits' or 'probabilities', got ${String(outputs)}`);
  const rows = reference.length / classes;
  if (labels !== undefined) {
    if (labels.length !== rows) throw new RangeError(`labels holds ${labels.length} entries for ${rows} rows`);
    for (let r = 0; r < rows; r++) {
      if (!Number.isInteger(labels[r]) || labels[r] < 0 || labels[r] >= classes) throw new RangeError(`labels[${r}] is ${labels[r]}, outside 0..${classes - 1}`);
    }
  }

  const p = new Float64Array(classes);
  const q = new Float64Array(classes);
  let agree = 0;
  let refCorrect = 0;
  let candCorrect = 0;
  let maxAbsDiff = 0;
  let sumAbsDiff = 0;
  for (let r = 0; r < rows; r++) {
    const start = r * classes;
    toProbabilities(reference, start, classes, outputs, p);
    toProbabilities(candidate, start, classes, outputs, q);
    for (let c = 0; c < classes; c++) {
      const d = Math.abs(p[c] - q[c]);
      sumAbsDiff += d;
      // NaN stays NaN (d > NaN is false): a model emitting NaN must not look close.
      if (Number.isNaN(d)) maxAbsDiff = Number.NaN;
      else if (d > maxAbsDiff) maxAbsDiff = d;
    }
    const refTop = argMax(p);
    const candTop = argMax(q);
    if (refTop === candTop && refTop >= 0) agree++;
    if (labels !== undefined) {
      if (refTop === labels[r]) refCorrect++;
      if (candTop === labels[r]) candCorrect++;
    }
  }
  const result: OutputComparison = { rows, top1Agreement: agree / rows, maxAbsDiff, meanAbsDiff: sumAbsDiff / reference.length };
  if (labels !== undefined) {
    result.accuracy = candCorrect / rows;
    result.referenceAccuracy = refCorrect / rows;
    result.accuracyDrop = result.referenceAccuracy - result.accuracy;
  }
  return result;
}

/** Writes row `start..start+classes` of `values` as probabilities into `out` (float64, max-subtracted softmax). */
function toProbabilities(values: Float32Array, start: number, classes: number, outputs: 'logits' | 'probabilities', out: Float64Array): void {
  if (outputs === 'probabilities') {
    for (let c = 0; c < classes; c++) out[c] = values[start + c];
    return;
  }
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, values[start + c]);
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    out[c] = Math.exp(values[start + c] - max);
    sum += out[c];
  }
  for (let c = 0; c < classes; c++) out[c] /= sum;
}

/** Index of the largest value (the first on ties), or -1 when the row holds a NaN: it then matches no class. */
function argMax(values: Float64Array): number {
  let best = 0;
  for (let c = 0; c < values.length; c++) {
    if (Number.isNaN(values[c])) return -1;
    if (values[c] > values[best]) best = c;
  }
  return best;
}
