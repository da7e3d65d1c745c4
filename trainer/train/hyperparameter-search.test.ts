import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { formatResultsTable, searchHyperparameters, type TrialParams } from './hyperparameter-search.ts';
import { mnistSample } from '../../test-support/mnist-sample.ts';
import { buildModel } from './model-config.ts';
import { train } from './training-loop.ts';

describe('searchHyperparameters', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });

  it('picks the learning rate whose short MNIST run reaches the best validation accuracy', async () => {
    const data = mnistSample(200, { validation: 100, seed: 3 });
    const { results, best } = await searchHyperparameters(
      { learningRate: [1e-5, 3e-3], hidden: [16] },
      {
        strategy: 'grid',
        runTrial: async (params) => {
          const model = buildModel({ kind: 'mlp', hidden: [params.hidden as number], seed: 1 });
          const { history } = await train(model, data, { epochs: 1, batchSize: 20, learningRate: params.learningRate as number, seed: 1 });
          model.dispose();
          return { metric: history[0].valAccuracy!, extra: { loss: history[0].loss } };
        },
      },
    );
    expect(results.map((r) => r.params.learningRate)).toEqual([3e-3, 1e-5]);
    expect(best.params).toEqual({ learningRate: 3e-3, hidden: 16 });
    expect(best.metric).toBeGreaterThan(results[1].metric + 0.2);
  });

  it('walks the whole grid in order and ranks by the goal', async () => {
    const seen: TrialParams[] = [];
    const { results, best } = await searchHyperparameters(
      { a: [1, 2], b: ['x', 'y', 'z'] },
      {
        strategy: 'grid',
        goal: 'minimize',
        runTrial: (params, trial) => {
          seen.push(params);
          return { metric: Math.abs(trial - 3.2) };
        },
      },
    );
    expect(seen.map((p) => `${p.a}${p.b}`)).toEqual(['1x', '1y', '1z', '2x', '2y', '2z']);
    expect(best.trial).toBe(3);
    expect(results.map((r) => r.trial)).toEqual([3, 4, 2, 5, 1, 0]);
  });

  it('samples random configurations reproducibly from the seed, within the ranges', async () => {
    const space = { lr: { min: 1e-4, max: 1e-1, scale: 'log' as const }, units: { min: 8, max: 64, integer: true }, opt: ['adam', 'sgd'] };
    const run = async (seed: number) => {
      const params: TrialParams[] = [];
      await searchHyperparameters(space, { trials: 20, seed, runTrial: (p) => (params.push(p), { metric: 0 }) });
      return params;
    };
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const p of a) {
      expect(p.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(p.units) && (p.units as number) >= 8 && (p.units as number) <= 64).toBe(true);
    }
    // Log-uniform: about a third of the draws fall in each decade.
    expect(a.filter((p) => (p.lr as number) < 1e-3).length).toBeGreaterThan(2);
    expect(new Set(a.map((p) => p.opt)).size).toBe(2);
  });

  it('ranks a failed trial last and rejects malformed spaces with CONFIG_INVALID', async () => {
    const { results } = await searchHyperparameters(
      { x: [1, 2, 3] },
      {
        strategy: 'grid',
        runTrial: ({ x }) => {
          if (x === 2) throw new Error('out of memory');
          return { metric: x as number };
        },
      },
    );
    expect(results.map((r) => r.params.x)).toEqual([3, 1, 2]);
    expect(results[2].metric).toBeNaN();

    const errors = await Promise.all([
      searchHyperparameters({}, { runTrial: () => ({ metric: 0 }) }).catch((e: unknown) => e),
      searchHyperparameters({ lr: { min: 0.1, max: 0.01 } }, { runTrial: () => ({ metric: 0 }) }).catch((e: unknown) => e),
      searchHyperparameters({ lr: { min: 0.001, max: 0.01 } }, { strategy: 'grid', runTrial: () => ({ metric: 0 }) }).catch((e: unknown) => e),
    ]);
    for (const error of errors) expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
    expect(errors.map((e) => (e as { details: { field: string } }).details.field)).toEqual(['(root)', 'lr', 'lr']);
  });

  it('formats an aligned results table, best first', () => {
    const table = formatResultsTable(
      [
        { trial: 2, params: { learningRate: 0.003, optimizer: 'adam' }, metric: 0.9123, extra: { loss: 0.31 }, millis: 1500 },
        { trial: 0, params: { learningRate: 0.00001, optimizer: 'sgd' }, metric: Number.NaN, millis: 200 },
      ],
      'valAcc',
    );
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^#\s+trial\s+learningRate\s+optimizer\s+valAcc\s+loss\s+s$/);
    expect(lines[2]).toMatch(/^1\s+2\s+0\.003000\s+adam\s+0\.9123\s+0\.3100\s+1\.5$/);
    expect(lines[3]).toMatch(/^2\s+0\s+1\.00e-5\s+sgd\s+failed\s+0\.2$/);
  });
});
