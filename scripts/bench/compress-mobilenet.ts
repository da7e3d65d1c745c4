/**
 * The MobileNetV2 part of `bench compress`: a Keras-style MobileNetV2 (α 0.35) trained
 * briefly on MNIST digits resized to 32×32 RGB (so top-1 agreement means something),
 * exported to ONNX as fp32, int8 weights with DequantizeLinear per call (the old form),
 * int8 weights expanded at load, and int8 with static activation quantization (the
 * ort-wasm form the compressor writes for wasm-only targets). Each runs on
 * onnxruntime-web's wasm backend in this Node process, one thread, interleaved round by
 * round so load on the machine hits all variants alike; p50 over the rounds after V8 has
 * tiered the wasm up (the first third is dropped).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-web';
import { compareOutputs, exportOnnxWithReport, type OnnxQuantizationOptions } from '../../compress/index.ts';
import { buildMobileNetV2, train, type TrainingData } from '../../trainer/index.ts';
import { round } from './stats.ts';

/** One row of the MobileNetV2 table. */
export interface MobileNetEntry {
  variant: string;
  backend: 'ort-wasm';
  bytes_ratio: number;
  p50_ratio: number;
  agreement: number;
}

const RECIPE = { Conv2D: 'int8-per-channel', DepthwiseConv2D: 'int8-per-channel', Dense: 'int8-per-channel' } as const;

/** MNIST rows (28×28×1, [0, 1]) → 32×32×3 in [−1, 1] (bilinear), as a MobileNetV2 expects. */
export function toRgb32(x: Float32Array, count: number): Float32Array {
  return tf.tidy(() => {
    const images = tf.image.resizeBilinear(tf.tensor4d(x.subarray(0, count * 784), [count, 28, 28, 1]), [32, 32]);
    return tf.sub(tf.mul(tf.tile(images, [1, 1, 1, 3]), 2), 1).dataSync() as Float32Array;
  });
}

/** Trains the model, exports the variants, times and compares them. */
export async function mobileNetRows(
  data: { train: TrainingData; test: { x: Float32Array; y: Uint8Array } },
  options: { trainExamples: number; testExamples: number; epochs: number; rounds: number; note: (m: string) => void },
): Promise<{ entries: MobileNetEntry[]; fp32Accuracy: number; params: number; trainSeconds: number }> {
  const { trainExamples, testExamples, epochs, rounds, note } = options;
  // Momentum 0.9: Keras' 0.999 leaves the moving statistics at their initial values after
  // the few hundred steps a bench can afford, and the model then predicts one class.
  const model = buildMobileNetV2({ inputSize: 32, alpha: 0.35, classes: 10, seed: 1, batchNormMomentum: 0.9 });
  const trainX = toRgb32(data.train.x, trainExamples);
  const started = performance.now();
  note(`training MobileNetV2 α 0.35 (${model.countParams()} parameters) on ${trainExamples} digits at 32×32 RGB, ${epochs} epoch(s), cpu`);
  await train(model, { x: trainX, y: data.train.y.subarray(0, trainExamples), inputShape: [32, 32, 3] }, {
    epochs,
    batchSize: 32,
    learningRate: 0.002,
    seed: 1,
    onEpoch: (e) => note(`mobilenet epoch ${e.epoch}: loss ${e.loss.toFixed(4)}`),
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const testX = toRgb32(data.test.x, testExamples);
  const labels = data.test.y.subarray(0, testExamples);
  const calibration = trainX.subarray(0, 256 * 32 * 32 * 3);
  const variants: Array<[string, OnnxQuantizationOptions | undefined]> = [
    ['fp32', undefined],
    ['int8-weights-dequantize-per-run', { recipe: RECIPE }],
    ['int8-weights-at-load', { recipe: RECIPE, weightDequantization: 'at-load' }],
    ['int8-static-qdq', { recipe: RECIPE, weightDequantization: 'at-load', activations: { calibration } }],
  ];
  ort.env.wasm.numThreads = 1;
  const built = [];
  for (const [variant, quantization] of variants) {
    const bytes = exportOnnxWithReport(model, quantization === undefined ? {} : { quantization }).bytes;
    built.push({ variant, bytes, session: await ort.InferenceSession.create(bytes), times: [] as number[] });
  }
  const one = new ort.Tensor('float32', testX.subarray(0, 32 * 32 * 3), [1, 32, 32, 3]);
  for (let r = 0; r < rounds; r++) {
    for (const v of built) {
      const t = performance.now();
      await v.session.run({ input: one });
      v.times.push(performance.now() - t);
    }
  }
  const outputs: Float32Array[] = [];
  for (const v of built) {
    const out = await v.session.run({ input: new ort.Tensor('float32', testX, [testExamples, 32, 32, 3]) });
    outputs.push(out.logits.data as Float32Array);
    await v.session.release();
  }
  const p50 = (times: number[]) => {
    const late = times.slice(Math.floor(times.length / 3)).sort((a, b) => a - b);
    return late[Math.floor(late.length / 2)];
  };
  const fp32 = built[0];
  const fp32Accuracy = compareOutputs(outputs[0], outputs[0], 10, { labels }).accuracy!;
  const entries = built.slice(1).map((v, i) => ({
    variant: v.variant,
    backend: 'ort-wasm' as const,
    bytes_ratio: round(v.bytes.length / fp32.bytes.length, 4),
    p50_ratio: round(p50(v.times) / p50(fp32.times), 3),
    agreement: round(compareOutputs(outputs[0], outputs[i + 1], 10).top1Agreement, 4),
  }));
  note(`mobilenet fp32 p50 ${p50(fp32.times).toFixed(3)} ms; ${JSON.stringify(entries)}`);
  model.dispose();
  return { entries, fp32Accuracy, params: model.countParams(), trainSeconds };
}
