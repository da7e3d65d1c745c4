import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnistSample } from '../../test-support/mnist-sample.ts';
import { buildModel } from './model-config.ts';
import { selectTrainingBackend } from './select-training-backend.ts';
import type { TrainingData } from './train-options.ts';
import { train } from './training-loop.ts';

/** The mnist-cnn fixture's recipe (scripts/make-fixtures.ts), on a few hundred digits. */
async function cnnLosses(data: TrainingData): Promise<{ losses: number[]; epochLosses: number[] }> {
  const model = buildModel({ kind: 'cnn', inputShape: [28, 28, 1], classes: 10, seed: 1 });
  const losses: number[] = [];
  try {
    const result = await train(model, data, { epochs: 2, batchSize: 32, learningRate: 0.002, seed: 1, onBatch: (p) => losses.push(p.loss) });
    return { losses, epochLosses: result.history.map((h) => h.loss) };
  } finally {
    model.dispose();
  }
}

describe('selectTrainingBackend', () => {
  let data: TrainingData;
  beforeAll(() => {
    data = mnistSample(320);
  });
  // Later tests in this worker expect the cpu backend.
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('auto trains a CNN on wasm, and its loss curve is the cpu backend’s', async () => {
    expect(await selectTrainingBackend('auto', 'cnn')).toEqual({ backend: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
    const wasm = await cnnLosses(data);
    expect(await selectTrainingBackend('cpu', 'cnn')).toEqual({ backend: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    const cpu = await cnnLosses(data);

    expect(wasm.losses).toHaveLength(20);
    expect(cpu.losses).toHaveLength(20);
    // Same initial weights and batches: only float rounding differs (measured ~2e-7).
    for (let i = 0; i < cpu.losses.length; i++) expect(Math.abs(wasm.losses[i]! - cpu.losses[i]!), `step ${i + 1}: wasm ${wasm.losses[i]} vs cpu ${cpu.losses[i]}`).toBeLessThan(1e-4);
    // And it trains: the second epoch's loss is well below the first's.
    expect(wasm.epochLosses[1]!).toBeLessThan(wasm.epochLosses[0]! - 0.1);
  });

  it('--backend wasm trains every model kind; mlp and mobilenet get wasm too', async () => {
    for (const kind of ['cnn', 'mlp', 'mobilenet'] as const) {
      expect(await selectTrainingBackend('wasm', kind)).toEqual({ backend: 'wasm' });
      expect(await selectTrainingBackend('auto', kind)).toEqual({ backend: 'wasm' });
    }
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm'), 'the convolution gradients are registered').toBeDefined();
    expect(tf.getKernel(tf.DepthwiseConv2dNativeBackpropInput, 'wasm')).toBeDefined();
  });
});
