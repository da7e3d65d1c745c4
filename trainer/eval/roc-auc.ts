/**
 * Area under the ROC curve, computed from ranks (the Mann–Whitney U statistic), which
 * equals the trapezoid area under the ROC curve including its handling of ties: a
 * positive and a negative with the same score count as half a correct ordering.
 */
import { resolveClassificationInputs } from './classification-inputs.ts';

/**
 * ROC-AUC of `scores` for the binary truth `positive`: the probability that a random
 * positive scores higher than a random negative (ties count ½). A perfect ranking
 * gives 1, an inverted one 0, all-equal scores 0.5.
 *
 * @returns `NaN` when there are no positives or no negatives: the area is undefined.
 * @throws {RangeError} when the arrays differ in length or a score is not finite.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  if (positive.length !== n) throw new RangeError(`rocAuc: ${n} scores but ${positive.length} truth values; pass one per example`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`rocAuc: scores[${i}] is ${scores[i]}; scores must be finite`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    // Ranks start..end-1 (1-based start+1..end) are tied: each gets their average.
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (positive[order[k]]) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** One-vs-rest ROC-AUC of every class and their mean. */
export interface OneVsRestRocAuc {
  /**
   * AUC of class `c`'s probability for "is class c" against "is any other class";
   * `null` when `c` is absent from `yTrue` (or is the only class there).
   */
  perClass: (number | null)[];
  /** Unweighted mean of the classes that have an AUC; `null` when none has. */
  macro: number | null;
}

/** Options for {@link oneVsRestRocAuc}. */
export interface OneVsRestRocAucOptions {
  /** Number of classes (columns of `probabilities`). @defaultValue `probabilities.length / yTrue.length` */
  classes?: number;
}

/**
 * One-vs-rest ROC-AUC per class and macro-averaged, from row-major `count × classes`
 * probabilities. Classes absent from `yTrue` are skipped in the macro average (their
 * AUC is undefined), so the macro value is the mean over classes present in `yTrue`.
 *
 * @throws {RangeError} when the sizes do not fit or a label is out of range.
 */
export function oneVsRestRocAuc(yTrue: ArrayLike<number>, probabilities: ArrayLike<number>, options: OneVsRestRocAucOptions = {}): OneVsRestRocAuc {
  const { count, classes } = resolveClassificationInputs(yTrue, probabilities, options.classes, 'oneVsRestRocAuc');
  const perClass: (number | null)[] = [];
  const scores = new Float64Array(count);
  const positive = new Array<boolean>(count);
  let sum = 0;
  let defined = 0;
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < count; i++) {
      scores[i] = probabilities[i * classes + c];
      positive[i] = yTrue[i] === c;
    }
    const auc = rocAuc(scores, positive);
    if (Number.isNaN(auc)) {
      perClass.push(null);
    } else {
      perClass.push(auc);
      sum += auc;
      defined++;
    }
  }
  return { perClass, macro: defined === 0 ? null : sum / defined };
}
