import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultBlockAxis, type QuantLayerClass } from '../../compress/quantize/default-quant-axis.ts';
import { quantizedTfjsArtifactFiles, quantizeTfjsKernel } from '../../compress/quantize/quantized-tfjs-artifact.ts';
import { tfjsArtifactFiles, type TfjsModelJson } from '../../trainer/package/tfjs-artifact.ts';
import { dequantizeTensor, isEdgeloopError, quantizeTensor, type QuantScheme } from '../../format/index.ts';
import { dequantizeTfjsWeights, type EdgeloopWeightSpec } from './dequantize-tfjs-weights.ts';

/** A small MNIST-shaped CNN: Conv2D [3, 3, 1, 16] → pool → Dense [400, 64] → Dense [64, 10]. */
function buildModel(): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const model = tfl.sequential({ name: 'small_cnn' });
  model.add(tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 16, kernelSize: 3, activation: 'relu', name: 'conv', kernelInitializer: init(1) }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }));
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(tfl.layers.dense({ units: 64, activation: 'relu', name: 'hidden', kernelInitializer: init(2), biasInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 3 }) }));
  model.add(tfl.layers.dense({ units: 10, name: 'logits', kernelInitializer: init(4) }));
  return model;
}

interface Loaded {
  specs: EdgeloopWeightSpec[];
  shardBytes: number;
  model: tfl.LayersModel;
}

/** Writes `model` with `scheme` on every Dense and Conv2D kernel, decodes it and loads it back as the runtime would. */
async function roundTrip(model: tfl.LayersModel, scheme: QuantScheme | undefined): Promise<Loaded> {
  const files = scheme === undefined ? await tfjsArtifactFiles(model, { dir: 'tfjs' }) : await quantizedTfjsArtifactFiles(model, { dir: 'tfjs', recipe: { Dense: scheme, Conv2D: scheme } });
  const json = JSON.parse(new TextDecoder().decode(files[0].data)) as TfjsModelJson;
  const specs = json.weightsManifest[0].weights as EdgeloopWeightSpec[];
  const shard = files[1].data;
  const decoded = dequantizeTfjsWeights(specs, shard);
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, ...decoded }));
  return { specs, shardBytes: shard.byteLength, model: loaded };
}

/** Bytes of the weight called `name` in the shard. */
function storedBytes(spec: EdgeloopWeightSpec): number {
  const count = spec.shape.reduce((n, d) => n * d, 1);
  if (spec.edgeloopQuantization) return spec.edgeloopQuantization.byteLength;
  if (spec.quantization) return count * (spec.quantization.dtype === 'uint8' ? 1 : 2);
  return count * 4;
}

const schemes: Array<{ scheme: QuantScheme; predictionError: number; kernelRatio: [number, number] }> = [
  { scheme: 'fp16', predictionError: 2e-3, kernelRatio: [0.5, 0.5] },
  { scheme: 'int8-per-channel', predictionError: 0.02, kernelRatio: [0.25, 0.255] },
  { scheme: 'int8-per-tensor', predictionError: 0.03, kernelRatio: [0.25, 0.255] },
  { scheme: 'uint8-per-tensor', predictionError: 0.03, kernelRatio: [0.25, 0.255] },
  { scheme: 'int4-block', predictionError: 0.15, kernelRatio: [0.13, 0.16] },
];

describe('dequantizeTfjsWeights', () => {
  let model: tfl.LayersModel;
  let x: tf.Tensor;
  let want: Float32Array;
  let floatShardBytes: number;

  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
    model = buildModel();
    x = tf.randomUniform([8, 12, 12, 1], 0, 1, 'float32', 7);
    want = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    floatShardBytes = (await roundTrip(model, undefined)).shardBytes;
  });

  it.each(schemes)('$scheme: loads weights equal to dequantize(quantize(w)), predicts near the float model, shrinks the kernels', async ({ scheme, predictionError, kernelRatio }) => {
    const { specs, shardBytes, model: loaded } = await roundTrip(model, scheme);

    // The decoded kernels are exactly what the trainer's own dequantizer gives.
    const layers = new Map(model.layers.map((l) => [l.name, l.getClassName()]));
    const original = new Map(model.weights.map((w, i) => [w.originalName, model.getWeights()[i]]));
    loaded.weights.forEach((w, i) => {
      const value = loaded.getWeights()[i].dataSync() as Float32Array;
      const source = original.get(w.originalName)!.dataSync() as Float32Array;
      if (!w.originalName.endsWith('/kernel')) return expect(Array.from(value)).toEqual(Array.from(source));
      const layerClass = layers.get(w.originalName.split('/')[0]) as QuantLayerClass;
      const expected = dequantizeTensor(quantizeTfjsKernel(source, w.shape as number[], layerClass, scheme).quantized);
      // uint8 goes through tfjs's own `q × scale + min`, which rounds differently in the last bit.
      const slack = scheme === 'uint8-per-tensor' ? 1e-6 : 0;
      value.forEach((v, j) => {
        if (Math.abs(v - expected[j]) > slack) expect.fail(`${w.originalName}[${j}] = ${v}, expected ${expected[j]}`);
      });
    });

    const got = (loaded.predict(x) as tf.Tensor).dataSync();
    const peak = Math.max(...Array.from(want, Math.abs));
    const worst = Math.max(...Array.from(want, (w, i) => Math.abs(got[i] - w)));
    expect(worst / peak).toBeLessThan(predictionError);

    const hidden = specs.find((s) => s.name === 'hidden/kernel')!;
    const ratio = storedBytes(hidden) / (4 * 400 * 64);
    expect(ratio).toBeGreaterThanOrEqual(kernelRatio[0]);
    expect(ratio).toBeLessThanOrEqual(kernelRatio[1]);
    expect(shardBytes / floatShardBytes).toBeLessThanOrEqual(kernelRatio[1] + 0.02);
  });

  it('passes weights without edgeloop quantization through unchanged', async () => {
    const files = await quantizedTfjsArtifactFiles(model, { dir: 'tfjs', recipe: { Dense: 'fp16' } });
    const json = JSON.parse(new TextDecoder().decode(files[0].data)) as TfjsModelJson;
    const buffer = files[1].data.slice().buffer;
    const out = dequantizeTfjsWeights(json.weightsManifest[0].weights, buffer);
    expect(out.weightSpecs).toEqual(json.weightsManifest[0].weights);
    expect(out.weightData).toBe(buffer);
  });

  it('keeps tfjs-native entries byte for byte next to decoded ones, across a list of buffers', async () => {
    const spec = (name: string, extra: object): EdgeloopWeightSpec => ({ name, shape: [2, 2], dtype: 'float32', ...extra }) as EdgeloopWeightSpec;
    const specs = [
      spec('a', { quantization: { dtype: 'float16' } }),
      spec('b', { edgeloopQuantization: { scheme: 'int4-block', byteLength: 2 * 4 + 2, scaleCount: 2, axis: 0, blockSize: 32 } }),
      spec('c', { quantization: { dtype: 'uint8', scale: 0.5, min: -1 } }),
    ];
    const b = new Uint8Array(10);
    new DataView(b.buffer).setFloat32(0, 0.5, true);
    new DataView(b.buffer).setFloat32(4, 2, true);
    b.set([0xf7, 0x18], 8); // codes [7, −1; −8, 1]: column 0 has scale 0.5, column 1 scale 2
    const a = Uint8Array.of(0x00, 0x3c, 0x00, 0xc0, 0, 0, 0, 0);
    const c = Uint8Array.of(1, 2, 3, 4);
    const out = dequantizeTfjsWeights(specs, [a.slice().buffer, b.slice(0, 3).buffer, Uint8Array.of(...b.slice(3), ...c).buffer]);
    expect(out.weightSpecs.map((s) => [s.name, s.quantization?.dtype, 'edgeloopQuantization' in s])).toEqual([
      ['a', 'float16', false],
      ['b', undefined, false],
      ['c', 'uint8', false],
    ]);
    const bytes = new Uint8Array(out.weightData);
    expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(a));
    expect(Array.from(new Float32Array(bytes.slice(8, 24).buffer))).toEqual([3.5, -2, -4, 2]);
    expect(Array.from(bytes.subarray(24))).toEqual(Array.from(c));
  });

  // Old entries (float32 scales, blocks on the kernel's own axes) and new ones (a 2-D
  // view, float16 scales) of the same [2, 1, 1, 2] conv kernel: codes [7, −1; −8, 1],
  // column 0 with scale 0.5 and column 1 with scale 2 — [3.5, −2, −4, 2] either way.
  it.each([
    ['an old int4-block entry (float32 scales, axis 0 of the shape)', { scheme: 'int4-block', byteLength: 2 * 4 + 2, scaleCount: 2, axis: 0, blockSize: 32 }, [0, 0.5, 4, 2], 'f32'],
    ['an int4-block entry with a viewShape and float16 scales', { scheme: 'int4-block', byteLength: 2 * 2 + 2, scaleCount: 2, axis: 0, blockSize: 32, viewShape: [2, 2], scaleDtype: 'float16' }, [0, 0x3800, 2, 0x4000], 'f16'],
    ['an old int8-per-channel entry (float32 scales)', { scheme: 'int8-per-channel', byteLength: 2 * 4 + 4, scaleCount: 2, axis: 3 }, [0, 0.5, 4, 2], 'f32'],
    ['an int8-per-channel entry with float16 scales', { scheme: 'int8-per-channel', byteLength: 2 * 2 + 4, scaleCount: 2, axis: 3, scaleDtype: 'float16' }, [0, 0x3800, 2, 0x4000], 'f16'],
  ])('decodes %s', (_label, edgeloopQuantization, scaleWrites, kind) => {
    const spec = { name: 'conv/kernel', shape: [2, 1, 1, 2], dtype: 'float32', edgeloopQuantization } as EdgeloopWeightSpec;
    const bytes = new Uint8Array(edgeloopQuantization.byteLength);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < scaleWrites.length; i += 2) {
      if (kind === 'f32') view.setFloat32(scaleWrites[i], scaleWrites[i + 1], true);
      else view.setUint16(scaleWrites[i], scaleWrites[i + 1], true);
    }
    const codesAt = edgeloopQuantization.scaleCount * (kind === 'f32' ? 4 : 2);
    if (edgeloopQuantization.scheme === 'int4-block') bytes.set([0xf7, 0x18], codesAt);
    else bytes.set([7, 0xff, 0xf8, 1], codesAt);
    const out = dequantizeTfjsWeights([spec], bytes);
    expect(out.weightSpecs).toEqual([{ name: 'conv/kernel', shape: [2, 1, 1, 2], dtype: 'float32' }]);
    expect(Array.from(new Float32Array(out.weightData))).toEqual([3.5, -2, -4, 2]);
  });

  it('decodes an old-format int4 conv kernel (float32 scales along the input channels) to what the trainer wrote', () => {
    const shape = [3, 3, 1, 8];
    const values = Float32Array.from({ length: 72 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 8)));
    const q = quantizeTensor(values, shape, 'int4-block', { axis: defaultBlockAxis('Conv2D', shape) });
    const bytes = new Uint8Array(q.scales.length * 4 + q.data.byteLength);
    q.scales.forEach((scale, i) => new DataView(bytes.buffer).setFloat32(i * 4, scale, true));
    bytes.set(q.data, q.scales.length * 4);
    const edgeloopQuantization = { scheme: 'int4-block', byteLength: bytes.byteLength, scaleCount: q.scales.length, axis: 2, blockSize: 32 } as const;
    const out = dequantizeTfjsWeights([{ name: 'c/kernel', shape, dtype: 'float32', edgeloopQuantization }], bytes);
    expect(Array.from(new Float32Array(out.weightData))).toEqual(Array.from(dequantizeTensor(q)));
  });

  it('loads a CNN whose first conv has one input channel, written with int4 blocks over kh·kw·in', async () => {
    const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
    const cnn = tfl.sequential({ name: 'cnn' });
    cnn.add(tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 8, kernelSize: 3, activation: 'relu', name: 'c1', kernelInitializer: init(11) }));
    cnn.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', name: 'c2', kernelInitializer: init(12) }));
    cnn.add(tfl.layers.flatten({}));
    cnn.add(tfl.layers.dense({ units: 10, name: 'd', kernelInitializer: init(13) }));
    const { specs, model: loaded } = await roundTrip(cnn, 'int4-block');
    const c1 = specs.find((s) => s.name === 'c1/kernel')!;
    expect(c1.edgeloopQuantization).toMatchObject({ viewShape: [9, 8], scaleDtype: 'float16', scaleCount: 8 });
    const source = cnn.getWeights()[0].dataSync() as Float32Array;
    const expected = dequantizeTensor(quantizeTfjsKernel(source, [3, 3, 1, 8], 'Conv2D', 'int4-block').quantized);
    const decoded = loaded.getWeights()[0];
    expect(decoded.shape).toEqual([3, 3, 1, 8]);
    expect(Array.from(decoded.dataSync())).toEqual(Array.from(expected));
    const got = (loaded.predict(x) as tf.Tensor).dataSync();
    const wantCnn = (cnn.predict(x) as tf.Tensor).dataSync();
    const peak = Math.max(...Array.from(wantCnn, Math.abs));
    expect(Math.max(...Array.from(wantCnn, (w, i) => Math.abs(got[i] - w))) / peak).toBeLessThan(0.15);
    cnn.dispose();
    loaded.dispose();
  });

  it.each([
    ['a byteLength that does not match the shape', { scheme: 'int8-per-tensor', byteLength: 5, scaleCount: 1 }, 20],
    ['a per-channel entry without an axis', { scheme: 'int8-per-channel', byteLength: 8 + 4, scaleCount: 2 }, 20],
    ['an unknown scheme', { scheme: 'int3', byteLength: 8, scaleCount: 1 }, 20],
    ['weight data shorter than the specs', { scheme: 'int8-per-tensor', byteLength: 8, scaleCount: 1 }, 6],
    ['a viewShape with another element count', { scheme: 'int4-block', byteLength: 2 * 2 + 2, scaleCount: 2, axis: 0, blockSize: 32, viewShape: [2, 3], scaleDtype: 'float16' }, 20],
    ['an unknown scaleDtype', { scheme: 'int8-per-tensor', byteLength: 4 + 4, scaleCount: 1, scaleDtype: 'bfloat16' }, 20],
    ['float16 scales counted as float32 bytes', { scheme: 'int4-block', byteLength: 2 * 4 + 2, scaleCount: 2, axis: 0, blockSize: 32, viewShape: [2, 2], scaleDtype: 'float16' }, 20],
  ])('rejects %s with MODEL_LOAD_FAILED', (_label, edgeloopQuantization, dataBytes) => {
    const specs = [{ name: 'w', shape: [2, 2], dtype: 'float32', edgeloopQuantization }] as EdgeloopWeightSpec[];
    let error: unknown;
    try {
      dequantizeTfjsWeights(specs, new Uint8Array(dataBytes));
    } catch (caught) {
      error = caught;
    }
    expect(isEdgeloopError(error, 'MODEL_LOAD_FAILED')).toBe(true);
  });
});
