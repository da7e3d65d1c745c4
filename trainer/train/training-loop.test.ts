import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { mnistSample } from '../../test-support/mnist-sample.ts';
import { buildModel, type ModelConfig } from './model-config.ts';
import type { EpochSummary, TrainingData } from './train-options.ts';
import { evaluateLoss, train } from './training-loop.ts';

const MLP: ModelConfig = { kind: 'mlp', hidden: [32], seed: 3 };

function weightsOf(model: LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

async function expectTrainerError(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTrainerError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return error as Error;
}

describe('train', () => {
  let data: TrainingData;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    data = mnistSample(256, { validation: 100 });
  });

  it('learns: accuracy rises and validation loss falls over epochs', async () => {
    const model = buildModel(MLP);
    const result = await train(model, data, { epochs: 3, batchSize: 32, learningRate: 0.003, seed: 1 });
    expect(result.history).toHaveLength(3);
    expect(result.history[2].accuracy).toBeGreaterThan(result.history[0].accuracy);
    expect(result.history[2].valLoss!).toBeLessThan(result.history[0].valLoss!);
    expect(result.history[2].valAccuracy!).toBeGreaterThan(0.6);
    model.dispose();
  });

  it('is deterministic: same seed and initial weights give identical weights; another seed does not', async () => {
    const run = async (seed: number) => {
      const model = buildModel(MLP);
      await train(model, data, { epochs: 2, batchSize: 32, seed });
      const w = weightsOf(model);
      model.dispose();
      return w;
    };
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    a.forEach((w, i) => expect(Array.from(b[i])).toEqual(Array.from(w)));
    expect(Array.from(c[0])).not.toEqual(Array.from(a[0]));
  });

  it('reports batch and epoch progress and does not leak tensors across epochs', async () => {
    const model = buildModel(MLP);
    const before = tf.memory().numTensors;
    const tensorsAtEpoch: number[] = [];
    const batches: Array<{ epoch: number; batch: number; totalBatches: number; samplesPerSecond: number }> = [];
    const epochs: EpochSummary[] = [];
    await train(model, data, {
      epochs: 3,
      batchSize: 100,
      seed: 1,
      optimizer: 'sgd',
      learningRate: 0.1,
      lrSchedule: { kind: 'step', every: 1, factor: 0.5 },
      onBatch: (p) => batches.push(p),
      onEpoch: (s) => {
        epochs.push(s);
        tensorsAtEpoch.push(tf.memory().numTensors);
      },
    });
    expect(batches.map((b) => `${b.epoch}:${b.batch}/${b.totalBatches}`)).toEqual(['1:1/3', '1:2/3', '1:3/3', '2:1/3', '2:2/3', '2:3/3', '3:1/3', '3:2/3', '3:3/3']);
    expect(batches.every((b) => b.samplesPerSecond > 0)).toBe(true);
    expect(epochs.map((e) => e.learningRate)).toEqual([0.1, 0.05, 0.025]);
    expect(new Set(tensorsAtEpoch).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('stops early when validation loss stops improving and restores the best weights', async () => {
    const model = buildModel(MLP);
    // A high learning rate on 256 digits overfits within a few epochs.
    const result = await train(model, data, { epochs: 12, batchSize: 16, learningRate: 0.02, seed: 1, earlyStopping: { patience: 2 } });
    expect(result.stoppedEarly).toBe(true);
    expect(result.history.length).toBeLessThan(12);
    const valLosses = result.history.map((h) => h.valLoss!);
    const best = valLosses.indexOf(Math.min(...valLosses)) + 1;
    expect(result.bestEpoch).toBe(best);
    expect(result.history.length).toBe(best + 2);
    const { loss } = await evaluateLoss(model, data.validation!, data.inputShape, 784, 10, 256);
    expect(loss).toBeCloseTo(valLosses[best - 1], 5);
    expect(loss).toBeLessThan(valLosses[valLosses.length - 1]);
    model.dispose();
  });

  it('aborts with TRAINING_ABORTED when the signal fires', async () => {
    const model = buildModel(MLP);
    const controller = new AbortController();
    const seen: number[] = [];
    const error = await expectTrainerError(
      train(model, data, {
        epochs: 3,
        signal: controller.signal,
        onBatch: (p) => {
          seen.push(p.batch);
          if (p.batch === 2) controller.abort(new Error('user pressed stop'));
        },
      }),
      'TRAINING_ABORTED',
    );
    expect(seen).toEqual([1, 2]);
    expect((error as Error & { details: object }).details).toEqual({ epoch: 1, batch: 3 });
    model.dispose();
  });

  it('detects divergence with TRAINING_DIVERGED and keeps the last finite weights', async () => {
    const model = buildModel(MLP);
    const bad = { ...data, x: data.x.slice(), validation: undefined };
    const before = tf.memory().numTensors;
    // One non-finite pixel turns the loss of whichever batch holds it into NaN.
    bad.x[5 * 784 + 300] = Number.NaN;
    const error = await expectTrainerError(train(model, bad, { epochs: 1, batchSize: 32, seed: 2 }), 'TRAINING_DIVERGED');
    expect((error as Error & { details: { loss: number } }).details.loss).toBeNaN();
    expect(weightsOf(model).every((w) => w.every(Number.isFinite))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('rejects bad options with CONFIG_INVALID naming the field', async () => {
    const model = buildModel(MLP);
    const cases: Array<[object, string]> = [
      [{ epochs: 0 }, 'epochs'],
      [{ batchSize: 2.5 }, 'batchSize'],
      [{ learningRate: -1 }, 'learningRate'],
      [{ optimizer: 'rmsprop' }, 'optimizer'],
      [{ lrSchedule: { kind: 'step', every: 0, factor: 0.5 } }, 'lrSchedule.every'],
      [{ lrSchedule: { kind: 'linear' } }, 'lrSchedule.kind'],
      [{ resume: true }, 'resume'],
    ];
    for (const [options, field] of cases) {
      const error = await expectTrainerError(train(model, data, options), 'CONFIG_INVALID');
      expect((error as Error & { details: { field: string } }).details.field).toBe(field);
    }
    const noValidation = { ...data, validation: undefined };
    const error = await expectTrainerError(train(model, noValidation, { earlyStopping: { patience: 2 } }), 'CONFIG_INVALID');
    expect((error as Error & { details: { field: string } }).details.field).toBe('earlyStopping');
    await expect(train(model, { ...data, inputShape: [784] })).rejects.toThrow(RangeError);
    model.dispose();
  });
});
