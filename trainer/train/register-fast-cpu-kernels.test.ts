import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers the gradient functions (as it does whenever models train).
import '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFastCpuKernels, unregisterFastCpuKernels } from './register-fast-cpu-kernels.ts';

/** Gradients of a conv + max-pool loss w.r.t. the input and the filter. */
function gradients(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  conv: { strides: number; pad: 'same' | 'valid' },
  pool: { size: number; strides: number; pad: 'same' | 'valid' },
): Float32Array[] {
  const [dx, dw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => {
    const y = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, conv.strides, conv.pad);
    // Pool the (integer-valued) input itself too, so windows hold ties.
    const p = tf.maxPool(xx as tf.Tensor4D, pool.size, pool.strides, pool.pad);
    const q = tf.maxPool(y, pool.size, pool.strides, pool.pad);
    return tf.add(tf.sum(tf.mul(p, tf.sin(p))), tf.sum(tf.mul(q, tf.sin(q))));
  })([x, w]);
  return [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
}

describe('registerFastCpuKernels', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
  });
  afterAll(() => unregisterFastCpuKernels());

  it.each([
    { x: [2, 9, 9, 3], w: [3, 3, 3, 4], conv: { strides: 1, pad: 'valid' }, pool: { size: 2, strides: 2, pad: 'valid' } },
    { x: [3, 10, 7, 2], w: [3, 3, 2, 5], conv: { strides: 2, pad: 'same' }, pool: { size: 3, strides: 2, pad: 'same' } },
    { x: [1, 8, 8, 1], w: [5, 5, 1, 3], conv: { strides: 1, pad: 'same' }, pool: { size: 2, strides: 1, pad: 'same' } },
  ] as const)('matches the stock kernels for $x / $w', ({ x: xShape, w: wShape, conv, pool }) => {
    // Rounded inputs make ties in pooling windows, which must break the same way.
    const x = tf.round(tf.mul(tf.randomUniform([...xShape], -1, 1, 'float32', 1), 4)) as tf.Tensor4D;
    const w = tf.randomUniform([...wShape], -1, 1, 'float32', 2) as tf.Tensor4D;
    unregisterFastCpuKernels();
    const expected = gradients(x, w, conv, pool);
    registerFastCpuKernels();
    const actual = gradients(x, w, conv, pool);
    for (let k = 0; k < 2; k++) {
      expect(actual[k].length).toBe(expected[k].length);
      let maxDiff = 0;
      for (let i = 0; i < actual[k].length; i++) maxDiff = Math.max(maxDiff, Math.abs(actual[k][i] - expected[k][i]));
      expect(maxDiff).toBeLessThan(1e-4);
    }
    expect(expected[1].some((v) => v !== 0)).toBe(true);
  });

  it('is idempotent', () => {
    registerFastCpuKernels();
    registerFastCpuKernels();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')).toBeDefined();
  });
});
