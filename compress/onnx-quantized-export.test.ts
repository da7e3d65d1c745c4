import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import * as onnxProtoModule from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../trainer/data/seeded-random.ts';
import { mnistSample } from '../test-support/mnist-sample.ts';
import { buildCnn, buildMlp, buildMobileNetV2 } from '../trainer/train/model-builders.ts';
import { trainBriefly } from '../trainer/train/train-briefly.ts';
import { exportOnnxWithReport, type ExportOnnxOptions } from './onnx-export.ts';
import { ONNX_DATA_TYPE } from './onnx-graph-builder.ts';
import { floatToOnnxLayout } from './onnx-quantized-weights.ts';
import { recipeQuantizer, type OnnxWeightQuantizer } from './onnx-weight-quantizer.ts';
import { dequantizeTensor, quantizeTensor, type QuantizedTensor, type QuantScheme } from '../format/index.ts';

const onnx = onnxProtoModule.onnx ?? (onnxProtoModule as unknown as { default: typeof onnxProtoModule }).default.onnx;

interface Batch {
  data: Float32Array;
  dims: number[];
}

async function runOnnx(bytes: Uint8Array, batch: Batch): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', batch.data, batch.dims) });
    return result.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

function predict(model: tfl.LayersModel, batch: Batch): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(batch.data, batch.dims)) as tf.Tensor).dataSync() as Float32Array);
}

/** Wraps a quantizer so the test can rebuild the dequantized weights it chose. */
function recording(quantizer: OnnxWeightQuantizer) {
  const chosen: Array<{ layerName: string; weightName: string; q: QuantizedTensor }> = [];
  const wrapped: OnnxWeightQuantizer = (request) => {
    const q = quantizer(request);
    if (q !== undefined) chosen.push({ layerName: request.layerName, weightName: request.weightName, q });
    return q;
  };
  return { wrapped, chosen };
}

/** tfjs predictions with each recorded kernel replaced by its dequantized values (weights restored after). */
function predictDequantized(model: tfl.LayersModel, chosen: ReturnType<typeof recording>['chosen'], batch: Batch): Float32Array {
  const saved = chosen.map(({ layerName }) => {
    const layer = model.getLayer(layerName);
    return { layer, weights: layer.getWeights() };
  });
  try {
    for (const { layerName, weightName, q } of chosen) {
      const layer = model.getLayer(layerName);
      const weights = layer.getWeights();
      const index = layer.weights.findIndex((w) => w.originalName.split('/').pop() === weightName);
      weights[index] = tf.tensor(dequantizeTensor(q), q.shape);
      layer.setWeights(weights);
    }
    return predict(model, batch);
  } finally {
    for (const { layer, weights } of saved) layer.setWeights(weights);
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function maxAbs(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

function top1Agreement(a: Float32Array, b: Float32Array, classes: number): number {
  const argmax = (v: Float32Array, row: number) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (v[row * classes + c] > v[row * classes + best]) best = c;
    return best;
  };
  const rows = a.length / classes;
  let same = 0;
  for (let r = 0; r < rows; r++) if (argmax(a, r) === argmax(b, r)) same++;
  return same / rows;
}

function randomBatch(shape: number[], batch: number, seed: number): Batch {
  const random = createSeededRandom(seed);
  const dims = [batch, ...shape];
  return { data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => random()), dims };
}

/**
 * Largest logit error allowed against the float model, relative to the largest
 * logit: twice one weight's relative rounding step (fp16: 2⁻¹¹; int8/uint8: half of
 * 1/127; int4: half of 1/7).
 */
const RELATIVE_BOUND: Record<QuantScheme, number> = {
  fp16: 2 * 2 ** -11,
  'int8-per-channel': 2 / 254,
  'int8-per-tensor': 2 / 254,
  'uint8-per-tensor': 2 / 254,
  'int4-block': 2 / 14,
};

const ALL_SCHEMES: QuantScheme[] = ['fp16', 'int8-per-channel', 'int8-per-tensor', 'uint8-per-tensor', 'int4-block'];

function decode(bytes: Uint8Array) {
  return onnx.ModelProto.decode(bytes);
}

describe('exportOnnx with quantized weights', () => {
  let mlp: tfl.LayersModel;
  let digits: Batch;
  let fp32Bytes: number;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    ort.env.wasm.numThreads = 1;
    // A briefly trained MNIST MLP, so top-1 agreement is measured on real, confident predictions.
    const data = mnistSample(600, { validation: 200 });
    mlp = buildMlp({ seed: 1 });
    await trainBriefly(mlp, { images: data.x, labels: data.y, epochs: 1, seed: 1 });
    digits = { data: data.validation!.x, dims: [data.validation!.y.length, 28, 28, 1] };
    fp32Bytes = exportOnnxWithReport(mlp).bytes.length;
  });

  it.each(ALL_SCHEMES)('runs a %s MNIST MLP on ORT wasm, agreeing with tfjs', async (scheme) => {
    const { wrapped, chosen } = recording(recipeQuantizer({ Dense: scheme }));
    const result = exportOnnxWithReport(mlp, { quantization: { quantizer: wrapped } });
    const expectedOp = scheme === 'fp16' ? 'Cast' : scheme === 'int4-block' ? 'MatMulNBits' : 'DequantizeLinear';
    expect(result.weights.map((w) => [w.layerName, w.scheme, w.op])).toEqual([
      ['dense_1', scheme, expectedOp],
      ['logits', scheme, expectedOp],
    ]);
    expect(result.notes).toEqual([]);

    const actual = await runOnnx(result.bytes, digits);
    const float = predict(mlp, digits);
    // The graph computes exactly the dequantized weights' model …
    const dequantized = predictDequantized(mlp, chosen, digits);
    expect(maxAbsDiff(actual, dequantized)).toBeLessThanOrEqual(1e-4 * maxAbs(dequantized));
    // … which stays close to the float model.
    expect(maxAbsDiff(actual, float)).toBeLessThanOrEqual(RELATIVE_BOUND[scheme] * maxAbs(float));
    expect(top1Agreement(actual, float, 10)).toBeGreaterThanOrEqual(scheme === 'int4-block' ? 0.95 : scheme === 'fp16' ? 1 : 0.98);
  });

  it('shrinks the MLP to about a quarter (int8) and a sixth (int4) of fp32', () => {
    const ratio = (scheme: QuantScheme) => exportOnnxWithReport(mlp, { quantization: { recipe: { Dense: scheme } } }).bytes.length / fp32Bytes;
    expect(ratio('fp16')).toBeCloseTo(0.5, 1);
    for (const scheme of ['int8-per-channel', 'int8-per-tensor', 'uint8-per-tensor'] as const) {
      expect(ratio(scheme)).toBeGreaterThanOrEqual(0.25);
      expect(ratio(scheme)).toBeLessThanOrEqual(0.3);
    }
    expect(ratio('int4-block')).toBeGreaterThanOrEqual(0.15);
    expect(ratio('int4-block')).toBeLessThanOrEqual(0.2);
  });

  it('stores int4 convolution kernels as int8 per channel by default and says so', async () => {
    const cnn = buildCnn({ seed: 2 });
    const batch = randomBatch([28, 28, 1], 8, 3);
    const result = exportOnnxWithReport(cnn, { quantization: { recipe: { Conv2D: 'int4-block', Dense: 'int4-block' } } });
    expect(result.opset).toBe(13);
    expect(result.weights.map((w) => [w.layerName, w.scheme, w.op])).toEqual([
      ['conv_1', 'int8-per-channel', 'DequantizeLinear'],
      ['conv_2', 'int8-per-channel', 'DequantizeLinear'],
      ['logits', 'int4-block', 'MatMulNBits'],
    ]);
    expect(result.notes).toHaveLength(2);
    expect(result.notes[0]).toMatch(/conv_1\/kernel.*int8 per output channel/);
    const initializerTypes = new Set(decode(result.bytes).graph!.initializer!.map((t) => t.dataType));
    expect(initializerTypes.has(ONNX_DATA_TYPE.INT4)).toBe(false);
    const actual = await runOnnx(result.bytes, batch);
    const float = predict(cnn, batch);
    expect(maxAbsDiff(actual, float)).toBeLessThanOrEqual(RELATIVE_BOUND['int4-block'] * maxAbs(float));
  });

  it('keeps int4 convolution kernels with blocked INT4 DequantizeLinear on request (opset 21)', async () => {
    const cnn = buildCnn({ seed: 2, inputShape: [12, 12, 1] });
    // conv_2 has 8 input channels: blocks of 4 give two blocks per tap.
    const { wrapped, chosen } = recording(recipeQuantizer({ Conv2D: 'int4-block', Dense: 'int4-block' }, { blockSize: 4 }));
    const batch = randomBatch([12, 12, 1], 4, 5);
    const result = exportOnnxWithReport(cnn, { quantization: { quantizer: wrapped, int4Storage: 'int4-blocked' } });
    expect(result.opset).toBe(21);
    expect(result.notes).toEqual([]);
    const graph = decode(result.bytes).graph!;
    const conv2 = graph.initializer!.find((t) => t.name === 'conv_2/kernel_q4')!;
    expect(conv2.dataType).toBe(ONNX_DATA_TYPE.INT4);
    expect(conv2.dims!.map(Number)).toEqual([16, 8, 3, 3]);
    const dq = graph.node!.find((n) => n.opType === 'DequantizeLinear' && n.input![0] === 'conv_2/kernel_q4')!;
    expect(dq.attribute!.map((a) => [a.name, Number(a.i)])).toEqual([
      ['axis', 1],
      ['block_size', 4],
    ]);
    const actual = await runOnnx(result.bytes, batch);
    const dequantized = predictDequantized(cnn, chosen, batch);
    expect(maxAbsDiff(actual, dequantized)).toBeLessThanOrEqual(1e-4 * maxAbs(dequantized));
  });

  it.each([...ALL_SCHEMES.map((s) => [s, 'int8-per-channel'] as const), ['int4-block', 'int4-blocked'] as const])(
    'writes %s kernels of every layout (Conv2D, depthwise ×2, separable, rank-3 Dense) in ONNX order (int4 storage %s)',
    async (scheme, int4Storage) => {
      const model = everyKernelModel();
      const batch = randomBatch([9, 8, 3], 3, 9);
      // Small blocks and no size floor so every kernel, however small, is quantized.
      const { wrapped, chosen } = recording(
        recipeQuantizer({ Dense: scheme, Conv2D: scheme, DepthwiseConv2D: scheme, SeparableConv2D: scheme }, { minElements: 0, blockSize: 16 }),
      );
      const result = exportOnnxWithReport(model, { quantization: { quantizer: wrapped, int4Storage } });
      expect(result.weights).toHaveLength(6);
      expect(result.weights.every((w) => w.scheme !== 'fp32')).toBe(true);
      const requantized = result.weights.filter((w) => w.scheme === 'int8-per-channel' && scheme === 'int4-block');
      // int8 storage re-quantizes every int4 convolution kernel; blocked storage all but the depthwise
      // kernel with multiplier 2, whose blocks along its input channels do not survive the ONNX [in·mult] axis.
      expect(requantized.map((w) => `${w.layerName}/${w.weightName}`)).toEqual(
        scheme !== 'int4-block'
          ? []
          : int4Storage === 'int4-blocked'
            ? ['depthwise/depthwise_kernel']
            : ['conv/kernel', 'depthwise/depthwise_kernel', 'separable/depthwise_kernel', 'separable/pointwise_kernel'],
      );
      expect(result.notes).toHaveLength(requantized.length);
      const actual = await runOnnx(result.bytes, batch);
      const dequantized = predictDequantized(model, chosen, batch);
      // Re-quantized kernels hold the recorded int4 values up to half an int8 step (checked exactly in the next test).
      const tolerance = requantized.length > 0 ? 0.02 : 1e-4;
      expect(maxAbsDiff(actual, dequantized)).toBeLessThanOrEqual(tolerance * maxAbs(dequantized));
    },
  );

  it('re-quantizes int4 convolution kernels to int8 within half a step of their int4 values', () => {
    const model = everyKernelModel();
    const { wrapped, chosen } = recording(recipeQuantizer({ Conv2D: 'int4-block', DepthwiseConv2D: 'int4-block' }, { minElements: 0, blockSize: 4 }));
    const graph = decode(exportOnnxWithReport(model, { quantization: { quantizer: wrapped } }).bytes).graph!;
    const layouts = { conv: 'conv', depthwise: 'depthwise' } as const;
    for (const { layerName, weightName, q } of chosen) {
      const tensor = (name: string) => graph.initializer!.find((t) => t.name === `${layerName}/${weightName}_${name}`)!;
      const codes = new Int8Array(Uint8Array.from(tensor('q').rawData!).buffer);
      const scales = new Float32Array(Uint8Array.from(tensor('scale').rawData!).buffer);
      const expected = floatToOnnxLayout({ shape: q.shape, values: dequantizeTensor(q) }, layouts[layerName as keyof typeof layouts]);
      const perChannel = expected.values.length / scales.length;
      for (let i = 0; i < codes.length; i++) {
        const scale = scales[Math.floor(i / perChannel)];
        expect(Math.abs(codes[i] * scale - expected.values[i])).toBeLessThanOrEqual(scale / 2 + 1e-7);
      }
    }
    expect(chosen.map((c) => c.layerName)).toEqual(['conv', 'depthwise']);
  });

  it('maps per-channel scales on any tfjs axis to the ONNX axis', async () => {
    const model = everyKernelModel();
    const batch = randomBatch([9, 8, 3], 3, 10);
    // Scales along kernel height (axis 0) of every 4-D kernel and along the input axis of Dense.
    const { wrapped, chosen } = recording(({ values, shape }) => quantizeTensor(values, shape, 'int8-per-channel', { axis: 0 }));
    const result = exportOnnxWithReport(model, { quantization: { quantizer: wrapped } });
    const actual = await runOnnx(result.bytes, batch);
    const dequantized = predictDequantized(model, chosen, batch);
    expect(maxAbsDiff(actual, dequantized)).toBeLessThanOrEqual(1e-4 * maxAbs(dequantized));
  });

  it('quantizes a MobileNetV2-shaped network after folding its BatchNormalization', async () => {
    const model = buildMobileNetV2({ inputSize: 32, alpha: 0.35, classes: 10, seed: 3 });
    const batch = randomBatch([32, 32, 3], 2, 4);
    const recipe = { Conv2D: 'int8-per-channel', DepthwiseConv2D: 'int8-per-channel', Dense: 'int8-per-channel' } as const;
    const result = exportOnnxWithReport(model, { quantization: { recipe } });
    const graph = decode(result.bytes).graph!;
    expect(graph.node!.filter((n) => n.opType === 'Mul')).toHaveLength(0);
    expect(result.weights.filter((w) => w.op === 'DequantizeLinear').length).toBeGreaterThan(40);
    const actual = await runOnnx(result.bytes, batch);
    const float = predict(model, batch);
    // Errors add up over ~50 quantized layers: allow 5 % of the largest logit.
    expect(maxAbsDiff(actual, float)).toBeLessThanOrEqual(0.05 * maxAbs(float));
  });

  it.each(['min-max', 'percentile'] as const)('adds calibrated QDQ pairs after activations (%s) that run on ORT wasm', async (method) => {
    const calibration = digits.data.subarray(0, 100 * 784);
    const quantization = { recipe: { Dense: 'int8-per-channel' }, activations: { calibration, method, percentile: 99.9, placement: 'activations' } } as const;
    const result = exportOnnxWithReport(mlp, { quantization });
    const graph = decode(result.bytes).graph!;
    const qdq = graph.node!.filter((n) => n.opType === 'QuantizeLinear');
    // Only the hidden ReLU output: the logits stay float.
    expect(qdq.map((n) => n.input![0])).toEqual([graph.node!.find((n) => n.opType === 'Relu')!.output![0]]);
    const scale = new Float32Array(Uint8Array.from(graph.initializer!.find((t) => t.name === 'dense_1/act_scale')!.rawData!).buffer)[0];
    const hidden = tf.tidy(() => {
      const probe = tfl.model({ inputs: mlp.inputs, outputs: mlp.getLayer('dense_1').output as tfl.SymbolicTensor });
      return tf.max(probe.predict(tf.tensor(calibration, [100, 28, 28, 1])) as tf.Tensor).dataSync()[0];
    });
    // min-max covers the largest calibration activation exactly; the percentile clips it.
    if (method === 'min-max') expect(scale * 255).toBeCloseTo(hidden, 4);
    else expect(scale * 255).toBeLessThan(hidden);
    const actual = await runOnnx(result.bytes, digits);
    const float = predict(mlp, digits);
    expect(top1Agreement(actual, float, 10)).toBeGreaterThanOrEqual(0.97);
    expect(maxAbsDiff(actual, float)).toBeLessThanOrEqual(0.05 * maxAbs(float));
  });

  it('quantizes the channels-first activations of a CNN', async () => {
    const cnn = buildCnn({ seed: 2 });
    const result = exportOnnxWithReport(cnn, {
      quantization: { recipe: { Conv2D: 'int8-per-channel', Dense: 'int8-per-channel' }, activations: { calibration: digits.data.subarray(0, 64 * 784) } },
    });
    expect(decode(result.bytes).graph!.node!.filter((n) => n.opType === 'QuantizeLinear')).toHaveLength(2);
    const batch: Batch = { data: digits.data.subarray(100 * 784), dims: [digits.dims[0] - 100, 28, 28, 1] };
    const actual = await runOnnx(result.bytes, batch);
    const float = predict(cnn, batch);
    expect(maxAbsDiff(actual, float)).toBeLessThanOrEqual(0.05 * maxAbs(float));
  });

  it('writes a shared Dense layer applied twice once', async () => {
    const input = tfl.input({ shape: [64] });
    const shared = tfl.layers.dense({ units: 64, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) });
    const twice = shared.apply(shared.apply(input)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: twice });
    const { wrapped, chosen } = recording(recipeQuantizer({ Dense: 'int4-block' }));
    const result = exportOnnxWithReport(model, { quantization: { quantizer: wrapped } });
    expect(result.weights).toHaveLength(1);
    const graph = decode(result.bytes).graph!;
    expect(graph.node!.filter((n) => n.opType === 'MatMulNBits' && n.domain === 'com.microsoft')).toHaveLength(2);
    const batch = randomBatch([64], 5, 12);
    const dequantized = predictDequantized(model, chosen, batch);
    expect(maxAbsDiff(await runOnnx(result.bytes, batch), dequantized)).toBeLessThanOrEqual(1e-4 * maxAbs(dequantized));
  });

  it('rejects a quantizer answer that does not fit the kernel, and an opset too low for per-axis scales', () => {
    const wrongShape: OnnxWeightQuantizer = ({ values, shape }) => quantizeTensor(values.subarray(0, shape[0]), [shape[0]], 'int8-per-tensor');
    expect(() => exportOnnxWithReport(mlp, { quantization: { quantizer: wrongShape } })).toThrow(TypeError);
    const options: ExportOnnxOptions = { opset: 11, quantization: { recipe: { Dense: 'int8-per-channel' } } };
    expect(() => exportOnnxWithReport(mlp, options)).toThrow(RangeError);
    expect(() => exportOnnxWithReport(mlp, { opset: 11, quantization: { recipe: { Dense: 'int8-per-tensor' } } })).not.toThrow();
  });
});

/** One of each kernel layout: Conv2D 3×2, DepthwiseConv2D with multiplier 2, SeparableConv2D, Dense on a rank-3 value. */
function everyKernelModel(): tfl.LayersModel {
  const L = tfl.layers;
  const random = createSeededRandom(21);
  const init = () => tfl.initializers.glorotUniform({ seed: Math.floor(random() * 1e6) });
  const input = tfl.input({ shape: [9, 8, 3] });
  let x = L.conv2d({ name: 'conv', filters: 5, kernelSize: [3, 2], padding: 'same', kernelInitializer: init(), activation: 'relu' }).apply(input) as tfl.SymbolicTensor;
  x = L.depthwiseConv2d({ name: 'depthwise', kernelSize: 3, depthMultiplier: 2, depthwiseInitializer: init(), activation: 'relu6' }).apply(x) as tfl.SymbolicTensor;
  x = L.separableConv2d({ name: 'separable', filters: 6, kernelSize: 3, padding: 'same', depthwiseInitializer: init(), pointwiseInitializer: init() }).apply(x) as tfl.SymbolicTensor;
  // [N, 7, 6, 6] → [N, 7, 36]: Dense on a rank-3 value (MatMulNBits takes rank-3 A).
  x = L.reshape({ targetShape: [7, 36] }).apply(x) as tfl.SymbolicTensor;
  x = L.dense({ name: 'dense_rank3', units: 16, activation: 'tanh', kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
  x = L.flatten().apply(x) as tfl.SymbolicTensor;
  const logits = L.dense({ name: 'logits', units: 4, kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits });
}
