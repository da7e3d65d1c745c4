/**
 * The MobileNetV2 part of `bench compress`: a Keras-style MobileNetV2 (α 0.35) trained
 * on MNIST digits resized to 32×32 RGB (so top-1 agreement means something), exported
 * to ONNX as fp32, int8 weights with DequantizeLinear per call (what the compressor
 * writes for targets with a GPU backend), int8 weights expanded at load, and int8 with
 * static activation quantization (the form it writes for wasm-only targets). Each
 * runs on onnxruntime-web's wasm backend in this Node process, one thread. Timing is
 * interleaved so load on the machine hits all variants alike: round by round, each
 * variant runs a block of consecutive one-image calls (each round starting at the next
 * variant). `p50_ratio` is over the calls after a block's first — a model called again
 * and again, as an app calls it; `p50_ratio_after_switch` over the first calls only,
 * which run right after another model has evicted this one from the caches (what
 * earlier runs of this bench measured for every call; QDQ loses most there: 0.79–0.84
 * vs 0.65–0.72 in the same runs). Both over the rounds after V8 has tiered the wasm
 * up (the first third is dropped). A second fp32 session is timed as a control: its
 * ratios are what noise alone gives.
 *
 * The training recipe (measured, `--mobilenet-train 8000 --mobilenet-epochs 3`: 97.2 %
 * test accuracy in 6.5–8 min on a shared 2-core machine): tfjs-backend-wasm with the
 * trainer's three extra gradient kernels (~10× the cpu backend's speed on this model:
 * ~0.45 s a step of 32 vs 4–5 s, where BatchNormalization's broadcasting gradient ops
 * dominate), Adam at 0.005 with a cosine decay per epoch, batch 32, batch-norm
 * momentum 0.9 and zero-γ residual blocks. Without zero-γ, 8,000 × 3 epochs (Adam
 * 0.003, cosine) reached 91.8 %; the recipe before (3,000 digits × 4 epochs on cpu,
 * Adam 0.002) 75 % in 29 min. Top-1 agreement of the int8 forms follows accuracy:
 * 0.97–0.98 at 75 %, 0.99 at 92 %, 1.000 at 97 %.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compareOutputs, exportOnnxWithReport, type OnnxQuantizationOptions } from '../../compress/index.ts';
import { buildMobileNetV2, registerWasmTrainingKernels, train, type TrainingData } from '../../trainer/index.ts';
import { round } from './stats.ts';

/** One row of the MobileNetV2 table. */
export interface MobileNetEntry {
  variant: string;
  backend: 'ort-wasm';
  bytes_ratio: number;
  p50_ratio: number;
  /** p50 ratio of the first call of each block, right after another model ran. */
  p50_ratio_after_switch: number;
  agreement: number;
}

/** What {@link mobileNetRows} measured. */
export interface MobileNetResult {
  entries: MobileNetEntry[];
  fp32Accuracy: number;
  /** Accuracy on the training batches of the last epoch (training mode). */
  trainAccuracy: number;
  params: number;
  /** p50 of the fp32 ONNX model's repeated calls, ms. */
  fp32P50Ms: number;
  trainSeconds: number;
  trainExamples: number;
  epochs: number;
  /** The training recipe, for the JSON record. */
  recipe: Record<string, unknown>;
}

const RECIPE = { Conv2D: 'int8-per-channel', DepthwiseConv2D: 'int8-per-channel', Dense: 'int8-per-channel' } as const;

/** Builder options and trainer options of the bench's MobileNetV2 (see the file header). */
const BUILD = { inputSize: 32, alpha: 0.35, classes: 10, seed: 1, batchNormMomentum: 0.9, zeroInitResidual: true } as const;
const TRAIN = { batchSize: 32, learningRate: 0.005, lrSchedule: { kind: 'cosine' }, optimizer: 'adam', seed: 1 } as const;

/** Consecutive calls per variant and round (the first of them is the one right after a switch). */
const BLOCK = 10;

/** Calibration rows of the static QDQ variant (256 and 1,024 min-max agreed alike; percentile 99.9 did worse). */
const CALIBRATION_ROWS = 256;

/** MNIST rows (28×28×1, [0, 1]) → 32×32×3 in [−1, 1] (bilinear), as a MobileNetV2 expects. */
export function toRgb32(x: Float32Array, count: number): Float32Array {
  return tf.tidy(() => {
    const images = tf.image.resizeBilinear(tf.tensor4d(x.subarray(0, count * 784), [count, 28, 28, 1]), [32, 32]);
    return tf.sub(tf.mul(tf.tile(images, [1, 1, 1, 3]), 2), 1).dataSync() as Float32Array;
  });
}

/** Switches tfjs to its wasm backend (from the package's own `.wasm` files) with the training kernels; returns the backend before. */
async function useWasmBackend(): Promise<string> {
  const previous = tf.getBackend();
  const require = createRequire(import.meta.url);
  setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") answered false; the MobileNetV2 rows need tfjs-backend-wasm');
  return previous;
}

function checkCount(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer (got ${value})`);
}

/** Trains the model, exports the variants, times and compares them. */
export async function mobileNetRows(
  data: { train: TrainingData; test: { x: Float32Array; y: Uint8Array } },
  options: { trainExamples: number; testExamples: number; epochs: number; rounds: number; note: (m: string) => void },
): Promise<MobileNetResult> {
  const { testExamples, epochs, rounds, note } = options;
  checkCount(options.trainExamples, '--mobilenet-train');
  checkCount(epochs, '--mobilenet-epochs');
  checkCount(rounds, '--mobilenet-rounds');
  const trainExamples = Math.min(options.trainExamples, data.train.y.length);
  const previousBackend = await useWasmBackend();
  const model = buildMobileNetV2(BUILD);
  const params = model.countParams();
  try {
    const trainX = toRgb32(data.train.x, trainExamples);
    const started = performance.now();
    note(`training MobileNetV2 α 0.35 (${params} parameters) on ${trainExamples} digits at 32×32 RGB, ${epochs} epoch(s), tfjs-wasm`);
    const { history } = await train(model, { x: trainX, y: data.train.y.subarray(0, trainExamples), inputShape: [32, 32, 3] }, {
      ...TRAIN,
      epochs,
      onEpoch: (e) => note(`mobilenet epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, train acc ${e.accuracy.toFixed(4)}, ${(e.millis / 1000).toFixed(0)} s`),
    });
    const trainSeconds = (performance.now() - started) / 1000;
    const testX = toRgb32(data.test.x, testExamples);
    const labels = data.test.y.subarray(0, testExamples);
    const calibration = trainX.subarray(0, Math.min(CALIBRATION_ROWS, trainExamples) * 32 * 32 * 3);
    const variants: Array<[string, OnnxQuantizationOptions | undefined]> = [
      ['fp32', undefined],
      ['fp32-control', undefined],
      ['int8-weights-dequantize-per-run', { recipe: RECIPE }],
      ['int8-weights-at-load', { recipe: RECIPE, weightDequantization: 'at-load' }],
      ['int8-static-qdq', { recipe: RECIPE, weightDequantization: 'at-load', activations: { calibration } }],
    ];
    const { entries, fp32Accuracy, fp32P50 } = await timeAndCompare(model, variants, testX, labels, rounds);
    note(`mobilenet fp32 p50 ${fp32P50.toFixed(3)} ms; ${JSON.stringify(entries)}`);
    return {
      entries,
      fp32Accuracy,
      trainAccuracy: history[history.length - 1].accuracy,
      params,
      fp32P50Ms: round(fp32P50, 4),
      trainSeconds,
      trainExamples,
      epochs,
      recipe: { backend: 'tfjs-wasm', build: BUILD, train: TRAIN, calibrationRows: CALIBRATION_ROWS },
    };
  } finally {
    model.dispose();
    await tf.setBackend(previousBackend);
  }
}

/** Exports each variant, times one-image calls round by round, then compares all outputs on the test inputs with fp32's. */
async function timeAndCompare(
  model: LayersModel,
  variants: Array<[string, OnnxQuantizationOptions | undefined]>,
  testX: Float32Array,
  labels: Uint8Array,
  rounds: number,
): Promise<{ entries: MobileNetEntry[]; fp32Accuracy: number; fp32P50: number }> {
  ort.env.wasm.numThreads = 1;
  const built = [];
  for (const [variant, quantization] of variants) {
    const bytes = exportOnnxWithReport(model, quantization === undefined ? {} : { quantization }).bytes;
    built.push({ variant, bytes, session: await ort.InferenceSession.create(bytes), times: [] as number[], afterSwitch: [] as number[] });
  }
  const one = new ort.Tensor('float32', testX.subarray(0, 32 * 32 * 3), [1, 32, 32, 3]);
  const blocks = Math.ceil(rounds / BLOCK);
  for (let r = 0; r < blocks; r++) {
    for (let k = 0; k < built.length; k++) {
      const v = built[(r + k) % built.length];
      for (let call = 0; call < BLOCK; call++) {
        const t = performance.now();
        await v.session.run({ input: one });
        const ms = performance.now() - t;
        // The first third of the rounds is V8 tiering the wasm up.
        if (r >= Math.floor(blocks / 3)) (call === 0 ? v.afterSwitch : v.times).push(ms);
      }
    }
  }
  const count = labels.length;
  const outputs: Float32Array[] = [];
  for (const v of built) {
    const out = await v.session.run({ input: new ort.Tensor('float32', testX, [count, 32, 32, 3]) });
    outputs.push(out.logits.data as Float32Array);
    await v.session.release();
  }
  const p50 = (times: number[]) => times.slice().sort((a, b) => a - b)[Math.floor(times.length / 2)];
  const fp32 = built[0];
  const entries = built.slice(1).map((v, i) => ({
    variant: v.variant,
    backend: 'ort-wasm' as const,
    bytes_ratio: round(v.bytes.length / fp32.bytes.length, 4),
    p50_ratio: round(p50(v.times) / p50(fp32.times), 3),
    p50_ratio_after_switch: round(p50(v.afterSwitch) / p50(fp32.afterSwitch), 3),
    agreement: round(compareOutputs(outputs[0], outputs[i + 1], 10).top1Agreement, 4),
  }));
  return { entries, fp32Accuracy: compareOutputs(outputs[0], outputs[0], 10, { labels }).accuracy!, fp32P50: p50(fp32.times) };
}
