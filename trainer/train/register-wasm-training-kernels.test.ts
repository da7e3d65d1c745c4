import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// tfjs-layers registers the gradient functions (as it does whenever models train).
import '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels.ts';

interface Case {
  x: [number, number, number, number];
  w: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid';
}

/** Gradients w.r.t. input and filter of a conv and a depthwise conv (filter `w` sliced to its first `mult` outputs). */
function gradients({ x: xShape, w: wShape, strides, pad }: Case, mult: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomUniform(xShape, -1, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomUniform(wShape, -1, 1, 'float32', 2) as tf.Tensor4D;
    const dw = tf.slice(w, [0, 0, 0, 0], [wShape[0], wShape[1], wShape[2], mult]);
    // sin() makes dy differ per output, so a misplaced index shows.
    const loss = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.sin(y)));
    const conv = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad)))([x, w]);
    const depthwise = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad)))([x, dw]);
    return [...conv, ...depthwise].map((g) => g.dataSync() as Float32Array);
  });
}

describe('registerWasmTrainingKernels', () => {
  beforeAll(() => {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
    registerWasmTrainingKernels();
  });
  // Later tests in this worker expect the cpu backend.
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    { x: [2, 7, 7, 5], w: [3, 3, 5, 4], strides: 1, pad: 'same', mult: 1 },
    { x: [2, 8, 8, 6], w: [3, 3, 6, 3], strides: 2, pad: 'valid', mult: 2 },
    { x: [3, 9, 6, 4], w: [3, 3, 4, 5], strides: 2, pad: 'same', mult: 1 },
    { x: [3, 4, 4, 8], w: [1, 1, 8, 16], strides: 1, pad: 'same', mult: 1 },
  ] as const)('wasm gradients match the cpu backend for $x / $w, stride $strides $pad, depthwise ×$mult', async ({ mult, ...c }) => {
    const shapes = { x: [...c.x], w: [...c.w] } as Pick<Case, 'x' | 'w'>;
    await tf.setBackend('cpu');
    const expected = gradients({ ...c, ...shapes }, mult);
    expect(await tf.setBackend('wasm')).toBe(true);
    const actual = gradients({ ...c, ...shapes }, mult);
    expect(actual.map((a) => a.length)).toEqual(expected.map((e) => e.length));
    for (let k = 0; k < expected.length; k++) {
      let maxDiff = 0;
      for (let i = 0; i < expected[k].length; i++) maxDiff = Math.max(maxDiff, Math.abs(actual[k][i] - expected[k][i]));
      expect(maxDiff, `gradient ${k}`).toBeLessThan(1e-4);
      expect(expected[k].some((v) => v !== 0)).toBe(true);
    }
  });

  it.each([
    { kernel: tf.Conv2DBackpropFilter, attrs: { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 4, 4] } },
    { kernel: tf.DepthwiseConv2dNativeBackpropFilter, attrs: { strides: 1, pad: 'same', dilations: 2, filterShape: [3, 3, 4, 1] } },
    { kernel: tf.DepthwiseConv2dNativeBackpropInput, attrs: { strides: 1, pad: 'same', dilations: [1, 2], inputShape: [1, 6, 6, 4] } },
  ])('$kernel refuses what it does not compute with BACKEND_UNSUPPORTED, not a wrong gradient', async ({ kernel, attrs }) => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const x = tf.ones([1, 6, 6, 4]);
    const dy = tf.ones([1, 6, 6, 4]);
    const filter = tf.ones([3, 3, 4, 1]);
    const inputs: tf.NamedTensorMap = kernel === tf.DepthwiseConv2dNativeBackpropInput ? { dy, filter } : { x, dy };
    let error: unknown;
    try {
      tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap);
    } catch (e) {
      error = e;
    } finally {
      tf.dispose([x, dy, filter]);
    }
    expect(isTrainerError(error, 'BACKEND_UNSUPPORTED'), String(error)).toBe(true);
    expect((error as Error).message).toContain('--backend cpu');
  });

  it('is idempotent and leaves kernels wasm already has alone', () => {
    const before = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')).toBe(before);
  });
});
