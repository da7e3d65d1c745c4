import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistSample } from '../../test-support/mnist-sample.ts';
import { buildCnn, buildMlp } from '../../trainer/train/model-builders.ts';
import type { TrainingData } from '../../trainer/train/train-options.ts';
import { shrinkableLayers, structuredChannelPrune } from './structured-channel-prune.ts';

/** Zeros the kernel slices and biases of output channels `channels` of `layer`. */
function zeroChannels(model: LayersModel, layer: string, channels: number[]): void {
  const [kernel, bias] = model.getLayer(layer).getWeights();
  const out = kernel.shape[kernel.rank - 1];
  const keep = Array.from({ length: out }, (_, o) => (channels.includes(o) ? 0 : 1));
  const mask = tf.tensor1d(keep);
  model.getLayer(layer).setWeights([tf.mul(kernel, mask), tf.mul(bias, mask)]);
}

function predict(model: LayersModel, data: TrainingData, n: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(data.x.subarray(0, n * 784), [n, 28, 28, 1])) as tf.Tensor).dataSync() as Float32Array);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('structuredChannelPrune', () => {
  let data: TrainingData;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    data = mnistSample(32);
  });

  it('shrinks an MLP and keeps its outputs when the removed units were zero', async () => {
    const model = buildMlp({ hidden: [16, 12], seed: 5 });
    zeroChannels(model, 'dense_1', [1, 3, 5, 7, 9, 11, 13, 15]);
    zeroChannels(model, 'dense_2', [0, 2, 4, 6, 8, 10]);
    const result = await structuredChannelPrune(model, { sparsity: 0.5 });
    expect(result.layers).toEqual([
      { layer: 'dense_1', before: 16, after: 8, kept: [0, 2, 4, 6, 8, 10, 12, 14] },
      { layer: 'dense_2', before: 12, after: 6, kept: [1, 3, 5, 7, 9, 11] },
    ]);
    expect([result.paramsBefore, result.paramsAfter]).toEqual([784 * 16 + 16 + 16 * 12 + 12 + 12 * 10 + 10, 784 * 8 + 8 + 8 * 6 + 6 + 6 * 10 + 10]);
    expect(result.model.countParams()).toBe(result.paramsAfter);
    expect(maxDiff(predict(model, data, 32), predict(result.model, data, 32))).toBeLessThan(1e-5);
    model.dispose();
    result.model.dispose();
  });

  it('shrinks the CNN across pooling and Flatten and keeps its outputs when the removed filters were zero', async () => {
    const model = buildCnn({ seed: 6 });
    zeroChannels(model, 'conv_1', [0, 1, 2, 3]);
    zeroChannels(model, 'conv_2', [8, 9, 10, 11, 12, 13, 14, 15]);
    const result = await structuredChannelPrune(model, { sparsity: 0.5 });
    expect(result.layers.map((l) => [l.layer, l.after, l.kept])).toEqual([
      ['conv_1', 4, [4, 5, 6, 7]],
      ['conv_2', 8, [0, 1, 2, 3, 4, 5, 6, 7]],
    ]);
    // conv_1 3·3·1·4 + 4, conv_2 3·3·4·8 + 8, logits (5·5·8)·10 + 10.
    expect(result.paramsAfter).toBe(40 + 296 + 2010);
    expect(result.paramsAfter).toBeLessThan(result.paramsBefore / 2);
    expect(maxDiff(predict(model, data, 32), predict(result.model, data, 32))).toBeLessThan(1e-5);
    model.dispose();
    result.model.dispose();
  });

  it('copies the kept filters unchanged, shrinks only the named layers, and leaves the original alone', async () => {
    const model = buildCnn({ seed: 7 });
    const before = model.countParams();
    const result = await structuredChannelPrune(model, { sparsity: 0.25, layers: ['conv_2'] });
    expect(result.layers.map((l) => [l.layer, l.after])).toEqual([['conv_2', 12]]);
    const kept = result.layers[0].kept;
    const original = model.getLayer('conv_2').getWeights()[0];
    const expected = tf.gather(original, kept, 3);
    expect(Array.from(result.model.getLayer('conv_2').getWeights()[0].dataSync())).toEqual(Array.from(expected.dataSync()));
    expect(model.countParams()).toBe(before);
    expected.dispose();
    model.dispose();
    result.model.dispose();
  });

  it('refuses what it cannot shrink', async () => {
    const cnn = buildCnn();
    expect(shrinkableLayers(cnn)).toEqual(['conv_1', 'conv_2']);
    await expect(structuredChannelPrune(cnn, { sparsity: 0.5, layers: ['logits'] })).rejects.toThrow(/shrinkable layers: conv_1, conv_2/);
    await expect(structuredChannelPrune(cnn, { sparsity: -0.1 })).rejects.toThrow(RangeError);
    const input = tfl.input({ shape: [4] });
    const functional = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor });
    await expect(structuredChannelPrune(functional, { sparsity: 0.5 })).rejects.toThrow(/Sequential/);
    cnn.dispose();
    functional.dispose();
  });
});
