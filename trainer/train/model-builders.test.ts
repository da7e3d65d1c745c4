import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMobileNetV2 } from './model-builders.ts';

describe('buildMobileNetV2 zeroInitResidual', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('zeroes the last γ of each residual block and changes no other weight', () => {
    const options = { inputSize: 32, alpha: 0.35, classes: 10, seed: 4 };
    const plain = buildMobileNetV2(options);
    const zeroed = buildMobileNetV2({ ...options, zeroInitResidual: true });
    const residualGammas = new Set(
      plain.layers.filter((l) => l.name.endsWith('_add')).map((l) => `${l.name.replace(/_add$/, '_project_BN')}/gamma`),
    );
    expect(residualGammas.size).toBe(10);
    const differing: string[] = [];
    plain.weights.forEach((w, i) => {
      const a = w.read().dataSync();
      const b = zeroed.weights[i].read().dataSync();
      const name = w.originalName;
      if (residualGammas.has(name)) {
        expect([...b].every((v) => v === 0), name).toBe(true);
        expect([...a].some((v) => v !== 0), name).toBe(true);
      }
      if (a.some((v, k) => v !== b[k])) differing.push(name);
    });
    expect(differing.sort()).toEqual([...residualGammas].sort());
    // The residual branch of a zeroed block adds only its β: the block passes its input through.
    const bn = zeroed.getLayer('block_2_project_BN');
    const branch = tfl.model({ inputs: zeroed.inputs, outputs: bn.output as tfl.SymbolicTensor });
    const out = tf.tidy(() => (branch.predict(tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 5)) as tf.Tensor).dataSync());
    const beta = bn.getWeights()[1].dataSync();
    expect(out.every((v, k) => Math.abs(v - beta[k % beta.length]) < 1e-6)).toBe(true);
    plain.dispose();
    zeroed.dispose();
  });
});
