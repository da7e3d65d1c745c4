import { describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { classificationMetrics, classificationReport } from './classification-report.ts';

/** Probabilities whose arg-max is `pred` with confidence `p`, the rest spread evenly. */
function rows(preds: number[], classes: number, p = 0.6): number[] {
  return preds.flatMap((pred) => Array.from({ length: classes }, (_, c) => (c === pred ? p : (1 - p) / (classes - 1))));
}

describe('classificationReport', () => {
  // The 3-class case of confusion-matrix.test.ts, with probabilities.
  const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const probs = rows([0, 0, 1, 2, 1, 1, 0, 2, 2, 1], 3);
  const report = classificationReport(yTrue, probs, { labels: ['cat', 'dog', 'eel'] });

  it('reports accuracy, the confusion matrix and per-class metrics under the given labels', () => {
    expect(report.count).toBe(10);
    expect(report.accuracy).toBeCloseTo(0.6, 12);
    expect(report.confusionMatrix).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
    expect(report.perClass.map((m) => m.label)).toEqual(['cat', 'dog', 'eel']);
    expect(report.perClass[0].recall).toBeCloseTo(0.5, 12);
    expect(report.macro.f1).toBeCloseTo(38 / 63, 12);
    expect(report.weighted.precision).toBeCloseTo(37 / 60, 12);
  });

  it('includes log-loss and calibration from the probabilities', () => {
    // The true class gets 0.6 when right (6 times) and 0.2 when wrong (4 times).
    expect(report.logLoss).toBeCloseTo(-(6 * Math.log(0.6) + 4 * Math.log(0.2)) / 10, 12);
    // Every example is 60% sure and 60% are right.
    expect(report.ece).toBeCloseTo(0, 12);
    expect(report.macro.rocAuc).not.toBeNull();
  });

  it('survives JSON: an undefined AUC is null, not NaN', () => {
    const r = classificationReport([0, 0], rows([0, 1], 3), { classes: 3 });
    expect(r.perClass[1].rocAuc).toBeNull();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('names default labels by index and rejects a wrong label count', () => {
    expect(classificationReport([0, 1], rows([0, 1], 2)).labels).toEqual(['0', '1']);
    try {
      classificationReport([0, 1], rows([0, 1], 2), { labels: ['a'] });
      expect.unreachable();
    } catch (error) {
      expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('classificationMetrics', () => {
  it('flattens the headline numbers into finite manifest metrics', () => {
    const metrics = classificationMetrics(classificationReport([0, 1, 1], rows([0, 1, 0], 2, 0.9)));
    expect(metrics.accuracy).toBeCloseTo(2 / 3, 12);
    expect(Object.values(metrics).every(Number.isFinite)).toBe(true);
    expect(metrics).toHaveProperty('macro_roc_auc');
    // Only one class present: the AUC is undefined and left out rather than NaN.
    expect(classificationMetrics(classificationReport([0, 0], rows([0, 1], 2)))).not.toHaveProperty('macro_roc_auc');
  });
});
