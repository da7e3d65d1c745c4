import { describe, expect, it } from 'vitest';
import { isTrainerError, type BatchProgress, type EpochSummary } from '../../trainer/index.ts';
import { choiceFlag, intFlag, intListFlag, lrScheduleFromFlag, numberFlag } from './cli-flags.ts';
import { createTerminalProgress, formatBatchLine } from './terminal-progress.ts';

const batch = (n: number): BatchProgress => ({ epoch: 2, epochs: 5, batch: n, totalBatches: 4, loss: 0.5, accuracy: 0.75, samplesPerSecond: 1234.4, learningRate: 0.001 });
const epoch: EpochSummary = { epoch: 2, epochs: 5, loss: 0.4, accuracy: 0.8, valLoss: 0.45, valAccuracy: 0.79, learningRate: 0.001, samplesPerSecond: 1000, millis: 3200 };

describe('terminal progress', () => {
  it('redraws one line in place on a TTY, with ETA from the batches so far', () => {
    let out = '';
    let clock = 0;
    const progress = createTerminalProgress({ isTTY: true, write: (t: string) => (out += t) }, { now: () => clock, intervalMs: 0 });
    for (let b = 1; b <= 4; b++) {
      clock = (b - 1) * 500;
      progress.onBatch(batch(b));
    }
    progress.onEpoch(epoch);
    const frames = out.split('\r\x1b[2K').filter(Boolean);
    expect(frames).toHaveLength(5);
    expect(frames[1]).toBe(formatBatchLine(batch(2), 1));
    expect(frames[1]).toMatch(/^epoch 2\/5 \[={10}>\s{9}\] batch 2\/4  loss 0\.5000  acc 0\.750  1234 samples\/s  ETA 1s$/);
    expect(frames[4]).toBe('epoch 2/5  loss 0.4000  acc 0.800  val_loss 0.4500  val_acc 0.790  lr 0.00100  1000 samples/s  3s\n');
  });

  it('writes only plain per-epoch lines when the stream is not a TTY', () => {
    let out = '';
    const progress = createTerminalProgress({ write: (t: string) => (out += t) });
    progress.onBatch(batch(1));
    progress.onEpoch(epoch);
    expect(out).toBe('epoch 2/5  loss 0.4000  acc 0.800  val_loss 0.4500  val_acc 0.790  lr 0.00100  1000 samples/s  3s\n');
  });
});

describe('CLI flags', () => {
  it('parses good values and names the flag and the valid values in errors', () => {
    expect(choiceFlag('model', 'cnn', ['mlp', 'cnn'])).toBe('cnn');
    expect(intFlag('epochs', '3', 5)).toBe(3);
    expect(numberFlag('lr', '1e-3', 0.1, 0)).toBe(0.001);
    expect(intListFlag('hidden', '128, 64', [1])).toEqual([128, 64]);
    expect(lrScheduleFromFlag('step', 9)).toEqual({ kind: 'step', every: 3, factor: 0.5 });
    const cases: Array<[() => unknown, RegExp]> = [
      [() => choiceFlag('model', 'rnn', ['mlp', 'cnn']), /--model must be one of: mlp, cnn \(got 'rnn'\)/],
      [() => choiceFlag('model', undefined, ['mlp', 'cnn']), /--model is required; one of: mlp, cnn/],
      [() => intFlag('epochs', '2.5', 5), /--epochs must be a whole number/],
      [() => numberFlag('lr', '-1', 0.1, 0), /--lr must be a number > 0/],
      [() => intListFlag('hidden', '128,x', [1]), /--hidden must be comma-separated/],
    ];
    for (const [fn, message] of cases) {
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });
});
