import { describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { learningRateAt, validateLrSchedule, type LrSchedule } from './lr-schedule.ts';

describe('learningRateAt', () => {
  // Base 0.1 over 4 epochs; values worked out by hand from each formula.
  it.each<[string, LrSchedule, number[]]>([
    ['constant', { kind: 'constant' }, [0.1, 0.1, 0.1, 0.1]],
    ['step every 2 × 0.5', { kind: 'step', every: 2, factor: 0.5 }, [0.1, 0.1, 0.05, 0.05]],
    ['step every 1 × 0.1', { kind: 'step', every: 1, factor: 0.1 }, [0.1, 0.01, 0.001, 0.0001]],
    ['exponential 0.9', { kind: 'exponential', decay: 0.9 }, [0.1, 0.09, 0.081, 0.0729]],
    // ½(1 + cos(π e / 4)) = 1, 0.853553, 0.5, 0.146447
    ['cosine', { kind: 'cosine' }, [0.1, 0.0853553, 0.05, 0.0146447]],
    ['cosine to 0.02', { kind: 'cosine', minLearningRate: 0.02 }, [0.1, 0.0882843, 0.06, 0.0317157]],
  ])('%s', (_name, schedule, expected) => {
    const actual = [0, 1, 2, 3].map((epoch) => learningRateAt(schedule, 0.1, epoch, 4));
    actual.forEach((lr, i) => expect(lr).toBeCloseTo(expected[i], 7));
  });
});

describe('validateLrSchedule', () => {
  it.each<[unknown, string]>([
    [null, 'lrSchedule'],
    [{ kind: 'linear' }, 'lrSchedule.kind'],
    [{ kind: 'step', every: 0, factor: 0.5 }, 'lrSchedule.every'],
    [{ kind: 'step', every: 2, factor: 2 }, 'lrSchedule.factor'],
    [{ kind: 'exponential' }, 'lrSchedule.decay'],
    [{ kind: 'cosine', minLearningRate: -1 }, 'lrSchedule.minLearningRate'],
  ])('rejects %j naming %s', (value, field) => {
    let error: unknown;
    try {
      validateLrSchedule(value);
    } catch (e) {
      error = e;
    }
    expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as { details: { field: string } }).details.field).toBe(field);
  });
});
