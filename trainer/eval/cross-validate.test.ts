import { describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { crossValidate } from './cross-validate.ts';
import { kFold } from './k-fold.ts';

describe('crossValidate', () => {
  it('runs the callback once per fold and reports mean ± sample SD', async () => {
    const folds = kFold(30, 3, { seed: 1 });
    const seen: number[] = [];
    const result = await crossValidate(folds, async ({ index, fold }) => {
      seen.push(index);
      expect(fold).toBe(folds[index]);
      return { accuracy: [0.8, 0.9, 1.0][index], loss: 0.5 };
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(result.folds).toHaveLength(3);
    expect(result.summary.accuracy.mean).toBeCloseTo(0.9, 12);
    expect(result.summary.accuracy.sd).toBeCloseTo(0.1, 12);
    expect(result.summary.accuracy.values).toEqual([0.8, 0.9, 1.0]);
    expect(result.summary.loss).toEqual({ mean: 0.5, sd: 0, values: [0.5, 0.5, 0.5] });
  });

  it('evaluates a real (majority-class) model on each held-out fold', async () => {
    const labels = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const result = await crossValidate(kFold(40, 4, { seed: 2, stratifyBy: labels }), ({ fold }) => {
      const ones = [...fold.train].filter((i) => labels[i] === 1).length;
      const majority = ones * 2 > fold.train.length ? 1 : 0;
      const correct = [...fold.validation].filter((i) => labels[i] === majority).length;
      return { accuracy: correct / fold.validation.length };
    });
    // Stratified folds keep ones a minority in every train split, so the model always
    // predicts 0 and the mean accuracy over equal folds of 10 is the share of zeros, 30/40.
    expect(result.summary.accuracy.mean).toBeCloseTo(0.75, 12);
  });

  it('refuses folds that return different metrics', async () => {
    const error = await crossValidate(kFold(10, 2), ({ index }): Record<string, number> => (index === 0 ? { a: 1 } : { b: 1 })).catch((e: unknown) => e);
    expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
  });

  it('stops between folds when aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const error = await crossValidate(kFold(10, 5), () => {
      calls++;
      controller.abort();
      return { a: 1 };
    }, { signal: controller.signal }).catch((e: unknown) => e);
    expect(isTrainerError(error, 'TRAINING_ABORTED')).toBe(true);
    expect(calls).toBe(1);
  });

  it('needs at least two folds', async () => {
    await expect(crossValidate(kFold(10, 2).slice(0, 1), () => ({ a: 1 }))).rejects.toThrow(RangeError);
  });
});
