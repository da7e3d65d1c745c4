import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { dequantizeTensor, float16BitsToFloat32, float32ToFloat16Bits, type EdgeloopWeightQuantization } from '../../format/index.ts';
import type { TfjsModelJson } from '../../trainer/index.ts';
import type { QuantLayerClass } from './default-quant-axis.ts';
import { quantizedTfjsArtifactFiles, quantizeTfjsKernel, recipePrecision, type QuantRecipe } from './quantized-tfjs-artifact.ts';

type Spec = tf.io.WeightsManifestEntry & { edgeloopQuantization?: EdgeloopWeightQuantization };

/** Every quantizable layer class, a batch norm and a Dense kernel below the 64-element floor. */
function buildMixedModel(): tfl.LayersModel {
  const model = tfl.sequential({ name: 'mixed' });
  model.add(tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 8, kernelSize: 3, name: 'conv', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tfl.layers.batchNormalization({ name: 'bn' }));
  model.add(tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: 'dw', depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  model.add(tfl.layers.separableConv2d({ filters: 16, kernelSize: 3, name: 'sep', depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 3 }), pointwiseInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(tfl.layers.dense({ units: 10, name: 'logits', kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }));
  model.add(tfl.layers.dense({ units: 4, name: 'tiny', kernelInitializer: tfl.initializers.glorotUniform({ seed: 6 }) }));
  return model;
}

function readModelJson(files: Array<{ data: Uint8Array }>): TfjsModelJson {
  return JSON.parse(new TextDecoder().decode(files[0].data)) as TfjsModelJson;
}

function joinShards(files: Array<{ data: Uint8Array }>): ArrayBuffer {
  const out = new Uint8Array(files.slice(1).reduce((n, f) => n + f.data.byteLength, 0));
  let at = 0;
  for (const f of files.slice(1)) {
    out.set(f.data, at);
    at += f.data.byteLength;
  }
  return out.buffer;
}

describe('quantizeTfjsKernel', () => {
  /** Values of mixed magnitude with one outlier per 3×3 filter tap set, from a fixed LCG. */
  function kernelValues(count: number, seed: number): Float32Array {
    let state = seed;
    return Float32Array.from({ length: count }, (_, i) => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return ((state / 2 ** 32) * 2 - 1) * (i % 11 === 0 ? 3 : 0.1);
    });
  }

  it.each([
    { layerClass: 'Conv2D', shape: [3, 3, 1, 8], viewShape: [9, 8], scales: 8 },
    { layerClass: 'Conv2D', shape: [3, 3, 8, 16], viewShape: [72, 16], scales: 48 },
    { layerClass: 'DepthwiseConv2D', shape: [3, 3, 4, 2], viewShape: [9, 8], scales: 8 },
    { layerClass: 'Dense', shape: [70, 3], viewShape: undefined, scales: 9 },
  ] as Array<{ layerClass: QuantLayerClass; shape: number[]; viewShape: number[] | undefined; scales: number }>)('int4-block $layerClass $shape: view $viewShape, $scales float16 scales, error ≤ half a step', ({ layerClass, shape, viewShape, scales }) => {
    const values = kernelValues(shape.reduce((n, d) => n * d, 1), 3);
    const { quantized, viewShape: view, scaleDtype } = quantizeTfjsKernel(values, shape, layerClass, 'int4-block');
    expect([view, scaleDtype, quantized.scales.length]).toEqual([viewShape, 'float16', scales]);
    const columns = shape[shape.length - 1] * (layerClass === 'DepthwiseConv2D' ? shape[2] : 1);
    const decoded = dequantizeTensor(quantized);
    values.forEach((x, i) => {
      const row = Math.floor(i / columns);
      const scale = quantized.scales[Math.floor(row / 32) * columns + (i % columns)];
      // Every scale is a float16 value, and no code was clamped: the rounding went up.
      expect(float16BitsToFloat32(float32ToFloat16Bits(scale))).toBe(scale);
      expect(Math.abs(decoded[i] - x)).toBeLessThanOrEqual(scale / 2 + 1e-7);
    });
  });

  it('keeps float32 scales and the input-channel blocks when a scale overflows float16', () => {
    const values = new Float32Array(72).fill(1e6);
    const { quantized, viewShape, scaleDtype } = quantizeTfjsKernel(values, [3, 3, 1, 8], 'Conv2D', 'int4-block');
    expect([viewShape, scaleDtype, quantized.axis, quantized.scales.length]).toEqual([undefined, 'float32', 2, 72]);
  });
});

describe('quantizedTfjsArtifactFiles', () => {
  let model: tfl.LayersModel;
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
    model = buildMixedModel();
  });

  it('quantizes only the kernels of the recipe\'s layer classes, with the documented axes and byte counts', async () => {
    const recipe: QuantRecipe = { Conv2D: 'int8-per-channel', DepthwiseConv2D: 'int4-block', SeparableConv2D: 'int8-per-tensor', Dense: 'fp16' };
    const files = await quantizedTfjsArtifactFiles(model, { dir: 'tfjs-mixed', recipe });
    expect(files.map((f) => f.path)).toEqual(['tfjs-mixed/model.json', 'tfjs-mixed/group1-shard1of1.bin']);
    const specs = new Map((readModelJson(files).weightsManifest[0].weights as Spec[]).map((s) => [s.name, s]));
    // Per-channel scales as float16: 2 bytes each.
    expect(specs.get('conv/kernel')?.edgeloopQuantization).toEqual({ scheme: 'int8-per-channel', byteLength: 8 * 2 + 216, scaleCount: 8, axis: 3, scaleDtype: 'float16' });
    // [3, 3, 8, 2] read as [9 taps, 16 output channels], blocked along the taps: one block per channel.
    expect(specs.get('dw/depthwise_kernel')?.edgeloopQuantization).toEqual({
      scheme: 'int4-block', byteLength: 16 * 2 + 72, scaleCount: 16, axis: 0, blockSize: 32, viewShape: [9, 16], scaleDtype: 'float16',
    });
    expect(specs.get('sep/depthwise_kernel')?.edgeloopQuantization).toEqual({ scheme: 'int8-per-tensor', byteLength: 4 + 144, scaleCount: 1 });
    expect(specs.get('sep/pointwise_kernel')?.edgeloopQuantization).toEqual({ scheme: 'int8-per-tensor', byteLength: 4 + 256, scaleCount: 1 });
    expect(specs.get('logits/kernel')?.quantization).toEqual({ dtype: 'float16' });
    for (const name of ['tiny/kernel', 'conv/bias', 'bn/gamma', 'bn/moving_variance', 'dw/bias', 'sep/bias', 'logits/bias']) {
      const spec = specs.get(name)!;
      expect({ name, quantization: spec.quantization, ext: spec.edgeloopQuantization, dtype: spec.dtype }).toEqual({ name, quantization: undefined, ext: undefined, dtype: 'float32' });
    }
    const plainBytes = [...specs.values()].filter((s) => !s.quantization && !s.edgeloopQuantization).reduce((n, s) => n + 4 * s.shape.reduce((a, d) => a * d, 1), 0);
    expect(files[1].data.byteLength).toBe(plainBytes + 232 + 104 + 148 + 260 + 640 * 2);
  });

  it('writes fp16 and uint8 in tfjs\'s own format, which plain tfjs loads without edgeloop\'s decoder', async () => {
    const files = await quantizedTfjsArtifactFiles(model, { dir: 'tfjs', recipe: { Conv2D: 'uint8-per-tensor', SeparableConv2D: 'fp16', DepthwiseConv2D: 'fp16', Dense: 'uint8-per-tensor' } });
    const json = readModelJson(files);
    const conv = json.weightsManifest[0].weights.find((s) => s.name === 'conv/kernel')!;
    expect(conv.quantization?.dtype).toBe('uint8');
    expect(conv.quantization?.min).toBeLessThan(0);
    const reloaded = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: joinShards(files) }));
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 9);
    const want = (model.predict(x) as tf.Tensor).dataSync();
    const got = (reloaded.predict(x) as tf.Tensor).dataSync();
    const peak = Math.max(...Array.from(want, Math.abs));
    want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThan(0.05 * peak));
  });

  it('blocks int4 conv kernels along kh·kw·in with float16 scales, so a 1-channel input costs one scale per filter', async () => {
    const cnn = tfl.sequential({ name: 'cnn' });
    cnn.add(tfl.layers.conv2d({ inputShape: [9, 9, 1], filters: 8, kernelSize: 3, name: 'c1', kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 }) }));
    cnn.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, name: 'c2', kernelInitializer: tfl.initializers.glorotUniform({ seed: 8 }) }));
    cnn.add(tfl.layers.flatten({}));
    cnn.add(tfl.layers.dense({ units: 10, name: 'd', kernelInitializer: tfl.initializers.glorotUniform({ seed: 9 }) }));
    const files = await quantizedTfjsArtifactFiles(cnn, { dir: 'tfjs', recipe: { Conv2D: 'int4-block', Dense: 'int4-block' } });
    const specs = new Map((readModelJson(files).weightsManifest[0].weights as Spec[]).map((s) => [s.name, s]));
    const half = { scheme: 'int4-block', axis: 0, blockSize: 32, scaleDtype: 'float16' };
    // [3, 3, 1, 8] → [9, 8]: 8 scales (the input-channel axis would give 72 blocks of one value).
    expect(specs.get('c1/kernel')?.edgeloopQuantization).toEqual({ ...half, byteLength: 8 * 2 + 36, scaleCount: 8, viewShape: [9, 8] });
    // [3, 3, 8, 16] → [72, 16]: ceil(72 / 32) = 3 blocks per filter (the input-channel axis: 9).
    expect(specs.get('c2/kernel')?.edgeloopQuantization).toEqual({ ...half, byteLength: 48 * 2 + 576, scaleCount: 48, viewShape: [72, 16] });
    // A Dense kernel is already [K, N]: no view recorded.
    expect(specs.get('d/kernel')?.edgeloopQuantization).toEqual({ ...half, byteLength: 13 * 10 * 2 + 2000, scaleCount: 130 });
    cnn.dispose();
  });

  it('cuts shards at shardBytes', async () => {
    const files = await quantizedTfjsArtifactFiles(model, { dir: 'tfjs', recipe: { Dense: 'int4-block' }, shardBytes: 1000 });
    const shards = files.slice(1);
    expect(shards.length).toBeGreaterThan(1);
    shards.forEach((s, i) => {
      expect(s.path).toBe(`tfjs/group1-shard${i + 1}of${shards.length}.bin`);
      expect(s.data.byteLength).toBeLessThanOrEqual(1000);
    });
    expect(readModelJson(files).weightsManifest[0].paths).toEqual(shards.map((s) => s.path.slice('tfjs/'.length)));
  });

  it('rejects unknown layer classes and schemes, and bad sizes', async () => {
    await expect(quantizedTfjsArtifactFiles(model, { dir: 'tfjs', recipe: { Conv3D: 'fp16' } as QuantRecipe })).rejects.toThrow(TypeError);
    await expect(quantizedTfjsArtifactFiles(model, { dir: 'tfjs', recipe: { Dense: 'int2' } as unknown as QuantRecipe })).rejects.toThrow(TypeError);
    await expect(quantizedTfjsArtifactFiles(model, { dir: 'tfjs', recipe: {}, blockSize: 0 })).rejects.toThrow(RangeError);
    await expect(quantizedTfjsArtifactFiles(model, { dir: '../up', recipe: {} })).rejects.toThrow(RangeError);
  });

  it.each([
    [{}, 'fp32'],
    [{ Dense: 'fp16' }, 'fp16'],
    [{ Dense: 'fp16', Conv2D: 'uint8-per-tensor' }, 'int8'],
    [{ Dense: 'int4-block', Conv2D: 'int8-per-channel' }, 'int4'],
  ] as Array<[QuantRecipe, string]>)('recipePrecision(%j) is %s', (recipe, precision) => {
    expect(recipePrecision(recipe)).toBe(precision);
  });
});
