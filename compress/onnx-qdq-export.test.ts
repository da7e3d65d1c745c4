import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import * as onnxProtoModule from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../trainer/data/seeded-random.ts';
import { buildMobileNetV2 } from '../trainer/train/model-builders.ts';
import { exportOnnxWithReport } from './onnx-export.ts';
import { ONNX_DATA_TYPE } from './onnx-graph-builder.ts';
import { integerLayers } from './onnx-integer-plan.ts';

const onnx = onnxProtoModule.onnx ?? (onnxProtoModule as unknown as { default: typeof onnxProtoModule }).default.onnx;
const RECIPE = { Conv2D: 'int8-per-channel', DepthwiseConv2D: 'int8-per-channel', Dense: 'int8-per-channel' } as const;
const SHAPE = [32, 32, 3];
const ROW = 32 * 32 * 3;

async function run(bytes: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return (await session.run({ input: new ort.Tensor('float32', x, [x.length / ROW, ...SHAPE]) })).logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

function images(count: number, seed: number): Float32Array {
  const random = createSeededRandom(seed);
  // Smooth random images in [−1, 1], like normalised photos (not white noise).
  const out = new Float32Array(count * ROW);
  for (let n = 0; n < count; n++) {
    const [a, b, c] = [random() * 6, random() * 6, random() * 2 - 1];
    for (let i = 0; i < ROW; i++) out[n * ROW + i] = Math.max(-1, Math.min(1, c + 0.6 * Math.sin(a * (i % 96) / 96 + b * Math.floor(i / 96) / 32)));
  }
  return out;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('exportOnnx with static activation quantization (QDQ for ONNX Runtime integer kernels)', () => {
  let model: tfl.LayersModel;
  let calibration: Float32Array;
  let test: Float32Array;
  let float: Float32Array;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    ort.env.wasm.numThreads = 1;
    model = buildMobileNetV2({ inputSize: 32, alpha: 0.35, classes: 10, seed: 3 });
    calibration = images(64, 1);
    test = images(16, 2);
    float = tf.tidy(() => (model.predict(tf.tensor(test, [16, ...SHAPE])) as tf.Tensor).dataSync() as Float32Array);
  });

  it('writes DequantizeLinear → Conv (int8 weights per channel, int32 bias) → QuantizeLinear around the long-reduction convs', () => {
    const result = exportOnnxWithReport(model, { quantization: { recipe: RECIPE, activations: { calibration } } });
    const graph = onnx.ModelProto.decode(result.bytes).graph!;
    const producer = new Map(graph.node!.map((n) => [n.output![0], n]));
    const consumers = (name: string) => graph.node!.filter((n) => n.input!.includes(name));
    const initializer = new Map(graph.initializer!.map((t) => [t.name!, t]));
    const integer = integerLayers(model);
    expect(integer.size).toBeGreaterThan(10);
    const convs = graph.node!.filter((n) => n.opType === 'Conv');
    const fused = convs.filter((n) => n.input!.length === 3 && producer.get(n.input![2])?.opType === 'DequantizeLinear');
    expect(fused.map((n) => n.name!.split('/')[0]).sort()).toEqual([...integer].sort());
    for (const conv of fused) {
      const [x, w, b] = conv.input!.map((i) => producer.get(i)!);
      expect([x.opType, w.opType, b.opType]).toEqual(['DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear']);
      expect(initializer.get(x.input![2])!.dataType).toBe(ONNX_DATA_TYPE.UINT8);
      expect(initializer.get(w.input![0])!.dataType).toBe(ONNX_DATA_TYPE.INT8);
      expect(initializer.get(b.input![0])!.dataType).toBe(ONNX_DATA_TYPE.INT32);
      // The output reaches a QuantizeLinear, directly or through the ReLU6 it makes redundant.
      let next = consumers(conv.output![0]);
      if (next.length === 1 && next[0].opType === 'Clip') next = consumers(next[0].output![0]);
      expect(next.map((n) => n.opType)).toEqual(['QuantizeLinear']);
    }
    // The other kernels (depthwise, short reductions) are int8 in the file, float once loaded: Cast · scale.
    const dequantizedAtLoad = result.weights.filter((w) => w.op === 'Cast').map((w) => w.layerName);
    expect(dequantizedAtLoad).toContain('block_1_depthwise');
    expect(dequantizedAtLoad.some((name) => integer.has(name))).toBe(false);
    // ZeroPadding2D is folded into the stride-2 convs.
    expect(graph.node!.filter((n) => n.opType === 'Pad')).toHaveLength(0);
  });

  it('runs on ORT wasm close to the float model', async () => {
    const result = exportOnnxWithReport(model, { quantization: { recipe: RECIPE, activations: { calibration } } });
    const actual = await run(result.bytes, test);
    // ~50 quantized layers and ~25 quantized activations on an untrained network: 10 % of the largest logit.
    expect(maxAbsDiff(actual, float)).toBeLessThanOrEqual(0.1 * maxAbs(float));
  });

  it('puts every Conv2D on integer kernels with minIntegerReduction 1 (depthwise stays float) and stays close', async () => {
    const result = exportOnnxWithReport(model, { quantization: { recipe: RECIPE, activations: { calibration, minIntegerReduction: 1 } } });
    const graph = onnx.ModelProto.decode(result.bytes).graph!;
    const depthwise = model.layers.filter((l) => l.getClassName() === 'DepthwiseConv2D').length;
    expect(graph.node!.filter((n) => n.opType === 'Cast')).toHaveLength(depthwise + 1); // and the logits' Dense
    expect(maxAbsDiff(await run(result.bytes, test), float)).toBeLessThanOrEqual(0.15 * maxAbs(float));
  });

  it("expands int8 weights at load with weightDequantization: 'at-load', computing what DequantizeLinear computes", async () => {
    const perRun = exportOnnxWithReport(model, { quantization: { recipe: RECIPE } });
    const atLoad = exportOnnxWithReport(model, { quantization: { recipe: RECIPE, weightDequantization: 'at-load' } });
    const graph = onnx.ModelProto.decode(atLoad.bytes).graph!;
    expect(graph.node!.filter((n) => n.opType === 'DequantizeLinear')).toHaveLength(0);
    expect(Math.abs(atLoad.bytes.length - perRun.bytes.length)).toBeLessThan(0.02 * perRun.bytes.length);
    const a = await run(atLoad.bytes, test);
    const b = await run(perRun.bytes, test);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-4 * maxAbs(b));
  });
});
