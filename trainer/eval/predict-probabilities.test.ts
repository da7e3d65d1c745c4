import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictProbabilities } from './predict-probabilities.ts';

/** A 2-input, 3-class linear model with logits [x0, x1, x0 + x1]. */
function linearModel(): tfl.LayersModel {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 3, useBias: false })] });
  model.layers[0].setWeights([tf.tensor2d([[1, 0, 1], [0, 1, 1]])]);
  return model;
}

function softmax(logits: number[]): number[] {
  const exps = logits.map((z) => Math.exp(z - Math.max(...logits)));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

describe('predictProbabilities', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
  });

  it('returns the softmax of the logits, row by row, across batches', () => {
    const features = new Float32Array([0, 0, 1, 0, 0, 2, 1, 1, -1, 3]);
    const probs = predictProbabilities(linearModel(), features, { batchSize: 2 });
    expect(probs).toHaveLength(15);
    const expected = [[0, 0, 0], [1, 0, 1], [0, 2, 2], [1, 1, 2], [-1, 3, 2]].flatMap(softmax);
    probs.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 6));
  });

  it('passes outputs through unchanged with activation "none"', () => {
    const probs = predictProbabilities(linearModel(), new Float32Array([1, 2]), { activation: 'none' });
    expect([...probs]).toEqual([1, 2, 3]);
  });

  it('rejects features that are not whole examples', () => {
    expect(() => predictProbabilities(linearModel(), new Float32Array(3))).toThrow(RangeError);
  });
});
