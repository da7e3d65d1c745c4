import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../trainer/data/seeded-random.ts';
import { buildCnn, buildMlp, buildMobileNetV2 } from '../trainer/train/model-builders.ts';
import { exportOnnx, exportOnnxWithReport, ONNX_EXPORTABLE_LAYERS } from './onnx-export.ts';
import { CompressError } from './compress-error.ts';

/** Runs `onnxBytes` and `model.predict` on the same seeded random batch; returns the worst difference. */
async function decodeOnnx(bytes: Uint8Array) {
  const onnxModule = await import('onnx-proto');
  const onnx = onnxModule.onnx ?? (onnxModule as unknown as { default: typeof onnxModule }).default.onnx;
  return onnx.ModelProto.decode(bytes);
}

/** BatchNormalization with seeded statistics far enough from the identity to matter. */
function randomBatchNorm(seed: number, name?: string) {
  const u = (minval: number, maxval: number, k: number) => tfl.initializers.randomUniform({ minval, maxval, seed: seed * 10 + k });
  return tfl.layers.batchNormalization({
    name,
    gammaInitializer: u(0.5, 1.5, 1),
    betaInitializer: u(-0.5, 0.5, 2),
    movingMeanInitializer: u(-0.5, 0.5, 3),
    movingVarianceInitializer: u(0.5, 1.5, 4),
  });
}

async function compare(model: tfl.LayersModel, onnxBytes: Uint8Array, batch = 4, seed = 7) {
  const featureShape = model.inputs[0].shape.slice(1) as number[];
  const size = batch * featureShape.reduce((a, b) => a * b, 1);
  const random = createSeededRandom(seed);
  const data = Float32Array.from({ length: size }, () => random());
  const expected = tf.tidy(() => (model.predict(tf.tensor(data, [batch, ...featureShape])) as tf.Tensor).dataSync());
  const session = await ort.InferenceSession.create(onnxBytes);
  try {
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['logits']);
    const result = await session.run({ input: new ort.Tensor('float32', data, [batch, ...featureShape]) });
    const actual = result.logits.data as Float32Array;
    expect(result.logits.dims).toEqual([batch, (model.outputs[0].shape as number[])[1]]);
    let maxAbs = 0;
    let maxRel = 0;
    let scale = 0;
    for (let i = 0; i < expected.length; i++) {
      const diff = Math.abs(actual[i] - expected[i]);
      maxAbs = Math.max(maxAbs, diff);
      maxRel = Math.max(maxRel, diff / Math.max(1, Math.abs(expected[i])));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    if (process.env.DEBUG_ONNX_EXPORT) console.log(model.name, { maxAbs, maxRel, scale });
    return { maxAbs, maxRel, scale, length: actual.length };
  } finally {
    await session.release();
  }
}

describe('exportOnnx', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
    ort.env.wasm.numThreads = 1;
  });

  it('exports the MLP with the same logits as tfjs', async () => {
    const model = buildMlp({ seed: 1 });
    const result = await compare(model, exportOnnx(model));
    expect(result.length).toBe(40);
    expect(result.scale).toBeGreaterThan(0.1);
    expect(result.maxAbs).toBeLessThanOrEqual(1e-4);
  });

  it('exports the CNN with the same logits as tfjs', async () => {
    const model = buildCnn({ seed: 2 });
    const result = await compare(model, exportOnnx(model));
    expect(result.scale).toBeGreaterThan(0.01);
    expect(result.maxAbs).toBeLessThanOrEqual(1e-4);
  });

  it('exports a small MobileNetV2 (BN, ReLU6, depthwise, stride-2 padding, Add) with the same logits', async () => {
    const model = buildMobileNetV2({ inputSize: 32, alpha: 0.35, classes: 10, seed: 3 });
    const result = await compare(model, exportOnnx(model));
    expect(result.scale).toBeGreaterThan(0.01);
    expect(result.maxRel).toBeLessThanOrEqual(1e-4);
  });

  it('handles same padding with stride 2 on odd sizes, dilation, pooling variants and merges', async () => {
    const L = tfl.layers;
    const seed = createSeededRandom(11);
    const init = () => tfl.initializers.glorotUniform({ seed: Math.floor(seed() * 1e6) });
    const input = tfl.input({ shape: [13, 11, 3], name: 'input' });
    const a = L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(), activation: 'relu6' }).apply(input) as tfl.SymbolicTensor;
    const b = L.separableConv2d({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', depthwiseInitializer: init(), pointwiseInitializer: init(), activation: 'tanh' }).apply(input) as tfl.SymbolicTensor;
    const c = L.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', kernelInitializer: init() }).apply(input) as tfl.SymbolicTensor;
    const cPooled = L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(c) as tfl.SymbolicTensor;
    const sum = L.add().apply([a, b, cPooled]) as tfl.SymbolicTensor;
    const leaky = L.leakyReLU({ alpha: 0.2 }).apply(sum) as tfl.SymbolicTensor;
    const merged = L.concatenate().apply([leaky, L.multiply().apply([a, b]) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const bn = L.batchNormalization({
      gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 5 }),
      movingMeanInitializer: tfl.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 6 }),
    }).apply(merged) as tfl.SymbolicTensor;
    const pooled = L.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(bn) as tfl.SymbolicTensor;
    const dense = L.dense({ units: 6, activation: 'swish', kernelInitializer: init() }).apply(L.flatten().apply(pooled)) as tfl.SymbolicTensor;
    const gap = L.globalMaxPooling2d({}).apply(bn) as tfl.SymbolicTensor;
    const joined = L.concatenate().apply([dense, gap]) as tfl.SymbolicTensor;
    const logits = L.dense({ units: 5, kernelInitializer: init() }).apply(L.dropout({ rate: 0.5 }).apply(joined)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: logits });
    const result = await compare(model, exportOnnx(model));
    expect(result.scale).toBeGreaterThan(0.001);
    expect(result.maxAbs / result.scale).toBeLessThanOrEqual(1e-4);
  });

  it('folds BatchNormalization into the Conv / Dense before it and keeps the rest as Mul + Add', async () => {
    const L = tfl.layers;
    const seed = createSeededRandom(13);
    const init = () => tfl.initializers.glorotUniform({ seed: Math.floor(seed() * 1e6) });
    const input = tfl.input({ shape: [10, 10, 3] });
    let x = L.conv2d({ filters: 6, kernelSize: 3, useBias: false, kernelInitializer: init() }).apply(input) as tfl.SymbolicTensor;
    x = randomBatchNorm(1, 'bn_conv').apply(x) as tfl.SymbolicTensor;
    x = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: init() }).apply(x) as tfl.SymbolicTensor;
    x = randomBatchNorm(2, 'bn_depthwise').apply(x) as tfl.SymbolicTensor;
    x = L.separableConv2d({ filters: 8, kernelSize: 3, depthwiseInitializer: init(), pointwiseInitializer: init() }).apply(x) as tfl.SymbolicTensor;
    x = randomBatchNorm(3, 'bn_separable').apply(x) as tfl.SymbolicTensor;
    // Not foldable: the activation sits between the conv and the BN …
    const act = L.conv2d({ filters: 8, kernelSize: 1, activation: 'relu', kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
    const bnAfterRelu = randomBatchNorm(4, 'bn_after_relu').apply(act) as tfl.SymbolicTensor;
    // … and here the conv output has a second consumer.
    const shared = L.conv2d({ filters: 8, kernelSize: 1, kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
    const bnShared = randomBatchNorm(5, 'bn_shared').apply(shared) as tfl.SymbolicTensor;
    x = L.add().apply([bnAfterRelu, bnShared, shared]) as tfl.SymbolicTensor;
    x = L.dense({ units: 12, kernelInitializer: init() }).apply(L.flatten().apply(x)) as tfl.SymbolicTensor;
    x = randomBatchNorm(6, 'bn_dense').apply(x) as tfl.SymbolicTensor;
    const logits = L.dense({ units: 5, kernelInitializer: init() }).apply(L.reLU().apply(x)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: logits });

    const folded = exportOnnx(model);
    const nodes = (await decodeOnnx(folded)).graph!.node!;
    const bnNodes = (name: string) => nodes.filter((n) => n.name!.startsWith(`${name}/`));
    for (const name of ['bn_conv', 'bn_depthwise', 'bn_separable', 'bn_dense']) expect(bnNodes(name)).toEqual([]);
    for (const name of ['bn_after_relu', 'bn_shared']) expect(bnNodes(name).map((n) => n.opType)).toEqual(['Mul', 'Add']);
    expect(nodes.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    const result = await compare(model, folded);
    expect(result.scale).toBeGreaterThan(0.01);
    expect(result.maxAbs / result.scale).toBeLessThanOrEqual(1e-4);

    const unfolded = exportOnnx(model, { foldBatchNorm: false });
    expect((await decodeOnnx(unfolded)).graph!.node!.filter((n) => n.opType === 'Mul')).toHaveLength(6);
    expect((await compare(model, unfolded)).maxAbs / result.scale).toBeLessThanOrEqual(1e-4);
  });

  it('exports ZeroPadding2D, average / global pooling, Reshape and every activation of the issue in a Sequential model', async () => {
    const L = tfl.layers;
    const seed = createSeededRandom(17);
    const init = () => tfl.initializers.glorotUniform({ seed: Math.floor(seed() * 1e6) });
    const model = tfl.sequential({
      layers: [
        L.zeroPadding2d({ inputShape: [11, 9, 2], padding: [[1, 2], [0, 3]] }),
        L.conv2d({ filters: 6, kernelSize: 3, activation: 'sigmoid', kernelInitializer: init() }),
        L.zeroPadding2d({ padding: 1 }),
        L.averagePooling2d({ poolSize: 2 }),
        L.depthwiseConv2d({ kernelSize: 2, activation: 'tanh', depthwiseInitializer: init() }),
        L.maxPooling2d({ poolSize: [2, 1], strides: [1, 2] }),
        L.activation({ activation: 'relu6' }),
        L.reshape({ targetShape: [-1, 6] }),
        L.dense({ units: 8, activation: 'relu', kernelInitializer: init() }),
        L.reshape({ targetShape: [3, 5, 8] }),
        L.globalAveragePooling2d({}),
        L.dropout({ rate: 0.3 }),
        L.dense({ units: 7, kernelInitializer: init() }),
        L.softmax(),
      ],
    });
    const result = await compare(model, exportOnnx(model));
    expect(result.scale).toBeGreaterThan(0.1);
    expect(result.maxAbs).toBeLessThanOrEqual(1e-5);
  });

  it('lists every layer class of the issue as exportable', () => {
    const required = ['Dense', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'BatchNormalization', 'ReLU', 'Activation', 'Softmax',
      'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'ZeroPadding2D', 'Flatten', 'Reshape', 'Dropout', 'Add', 'Concatenate'];
    expect(ONNX_EXPORTABLE_LAYERS).toEqual(expect.arrayContaining(required));
    expect(exportOnnxWithReport(buildMlp()).weights.map((w) => [w.layerName, w.scheme, w.op])).toEqual([
      ['dense_1', 'fp32', 'initializer'],
      ['logits', 'fp32', 'initializer'],
    ]);
  });

  it('writes the requested opset and producer', async () => {
    const onnxModule = await import('onnx-proto');
    const onnx = onnxModule.onnx ?? (onnxModule as unknown as { default: typeof onnxModule }).default.onnx;
    const decoded = onnx.ModelProto.decode(exportOnnx(buildMlp(), { opset: 17, producerName: 'test' }));
    expect(decoded.producerName).toBe('test');
    expect(Number(decoded.opsetImport[0].version)).toBe(17);
    expect(decoded.graph?.input?.[0].type?.tensorType?.shape?.dim?.[0].dimParam).toBe('batch');
  });

  it('throws naming an unsupported layer', () => {
    const model = tfl.sequential({
      layers: [tfl.layers.lstm({ units: 4, inputShape: [5, 3], recurrentInitializer: 'glorotUniform', name: 'my_lstm' }), tfl.layers.dense({ units: 2 })],
    });
    let error: unknown;
    try {
      exportOnnx(model);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompressError);
    expect((error as CompressError).code).toBe('UNSUPPORTED_LAYER');
    expect((error as CompressError).details).toMatchObject({ layerName: 'my_lstm', layerClass: 'LSTM' });
    expect((error as Error).message).toMatch(/my_lstm.*LSTM/);
  });

  it('rejects an opset outside the supported range', () => {
    expect(() => exportOnnx(buildMlp(), { opset: 9 })).toThrow(RangeError);
  });
});
