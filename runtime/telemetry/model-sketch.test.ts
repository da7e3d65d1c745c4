/**
 * The strongest agreement check: a device that sees exactly the trainer's test split
 * counts exactly the manifest baseline's reference counts, in every signal — for a
 * baseline the trainer's package builder wrote for a trained model, and for image and
 * tabular baselines built directly. Both sides use format's formulas; the first block
 * checks the trainer's batch helpers are those formulas.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { entropyOf, imageSignalGeometry, imageSignalNames, imageSignalValuesOf, topOneOf, type Manifest } from '../../format/index.ts';
import { topOne } from '../../trainer/eval/classification-inputs.ts';
import { imageSignalValues } from '../../trainer/eval/image-baseline.ts';
import { tabularBaseline } from '../../trainer/eval/tabular-baseline.ts';
import { buildMlp, buildTrainedPackage, imageBaseline, predictProbabilities, trainBriefly } from '../../trainer/index.ts';
import { loadMnist, MNIST_PIXELS } from '../../trainer/node.ts';
import { mnistSample } from '../../test-support/mnist-sample.ts';
import { seededRandom } from './laplace-noise.ts';
import { ModelSketch } from './model-sketch.ts';

/** Softmax-like rows that depend on the image, so confidence, entropy and class vary. */
function probabilities(images: Float32Array, count: number, pixels: number, classes: number): Float32Array {
  const out = new Float32Array(count * classes);
  for (let n = 0; n < count; n++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[n * classes + c] = Math.exp(8 * images[n * pixels + ((c * 97 + 300) % pixels)]!) + 0.1 * c;
    for (let c = 0; c < classes; c++) out[n * classes + c]! /= sum;
  }
  return out;
}

function manifestOf(input: Manifest['input'], baseline: Manifest['baseline'], classes = 10, task: Manifest['task'] = 'image-classification'): Manifest {
  return {
    format: 'edgeloop/1',
    name: 'sketch-test',
    version: '1.0.0',
    createdAt: '2026-12-01T00:00:00.000Z',
    task,
    input,
    output: { name: 'probs', shape: [-1, classes], activation: 'softmax' },
    artifacts: [],
    metrics: {},
    baseline,
  } as unknown as Manifest;
}

/** Feeds `count` images of `pixels` values (and their output rows) to the sketch, one prediction each. */
function recordAll(sketch: ModelSketch, images: Float32Array, shape: number[], probs: Float32Array, classes: number): void {
  const pixels = images.length / (probs.length / classes);
  for (let n = 0; n * pixels < images.length; n++) {
    sketch.record({ input: { data: images.subarray(n * pixels, (n + 1) * pixels), shape }, output: probs.subarray(n * classes, (n + 1) * classes), latencyMs: 3 });
  }
}

describe("the trainer's batch helpers are format's formulas", () => {
  it('image signals: name for name and bit for bit on 200 real MNIST digits', () => {
    const batch = loadMnist().images.subarray(0, 200 * MNIST_PIXELS);
    const trainer = imageSignalValues(batch, 28, 28, 1, 7);
    expect(trainer.names).toEqual(imageSignalNames(1, 7));
    const geometry = imageSignalGeometry(28, 28, 1, 7);
    const out = new Float64Array(geometry.signalCount);
    for (let n = 0; n < 200; n++) {
      imageSignalValuesOf(batch.subarray(n * MNIST_PIXELS, (n + 1) * MNIST_PIXELS), geometry, out);
      for (let s = 0; s < trainer.names.length; s++) expect(out[s]).toBe(trainer.values[s]![n]);
    }
  });

  it('image signals: on random images of any size and channel count', () => {
    const shape = fc.record({ height: fc.integer({ min: 3, max: 12 }), width: fc.integer({ min: 3, max: 12 }), channels: fc.integer({ min: 1, max: 3 }), grid: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(shape, fc.integer(), ({ height, width, channels, grid }, seed) => {
        const pixels = Float32Array.from({ length: height * width * channels }, (_, i) => ((seed * 31 + i * 17) % 255) / 255);
        const trainer = imageSignalValues(pixels, height, width, channels, grid);
        const geometry = imageSignalGeometry(height, width, channels, grid);
        const out = new Float64Array(geometry.signalCount);
        imageSignalValuesOf(pixels, geometry, out);
        expect(Array.from(out)).toEqual(trainer.values.map((v) => v[0]));
      }),
      { numRuns: 100 },
    );
  });

  it("topOneOf is the metrics' topOne: the first of equal maxima and its value", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 12 }), (row) => {
        const trainer = topOne(row, 1, row.length);
        expect(topOneOf(row)).toEqual({ predicted: trainer.predicted[0], confidence: trainer.confidence[0] });
      }),
    );
  });
});

describe('ModelSketch', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });

  it("counts a trained colour model's package baseline exactly when it sees the package's test split", async () => {
    // MNIST digits as RGB (ink red, half in green, blue the inverse): a colour model of real data.
    const rgb = (grey: Float32Array) => {
      const out = new Float32Array(grey.length * 3);
      for (let i = 0; i < grey.length; i++) [out[i * 3], out[i * 3 + 1], out[i * 3 + 2]] = [grey[i]!, 0.5 * grey[i]!, 0.5 * (1 - grey[i]!)];
      return out;
    };
    const data = mnistSample(600, { validation: 200 });
    const [trainX, testX] = [rgb(data.x), rgb(data.validation!.x)];
    const model = buildMlp({ inputShape: [28, 28, 3], hidden: [16], classes: 10, seed: 1 });
    await trainBriefly(model, { images: trainX, labels: data.y, epochs: 1, seed: 1 });
    const built = await buildTrainedPackage({
      name: 'rgb-digits',
      model,
      labels: Array.from({ length: 10 }, (_, d) => String(d)),
      input: { name: 'input', shape: [-1, 28, 28, 3], dtype: 'float32', layout: 'NHWC' },
      train: { x: trainX },
      test: { x: testX, y: data.validation!.y },
      history: [],
      config: { test: true },
    });
    const { baseline } = built.manifest;
    const names = baseline!.signals.map((s) => s.name);
    for (const name of ['mean_intensity', 'contrast', 'channel_mean_0', 'channel_mean_1', 'channel_mean_2', 'block_3_3', 'predicted_class', 'confidence', 'entropy']) expect(names).toContain(name);

    const sketch = new ModelSketch(built.manifest);
    expect(sketch.monitored).toEqual(names);
    expect(sketch.skipped).toEqual([]);
    // The device's outputs: the same model on the same digits (softmax of its logits).
    recordAll(sketch, testX, [1, 28, 28, 3], predictProbabilities(model, testX), 10);
    model.dispose();
    const counts = sketch.take();
    for (const signal of baseline!.signals) expect(counts.signals[signal.name], signal.name).toEqual(signal.counts);
    expect(Object.values(counts.predictions)).toEqual(baseline!.signals.find((s) => s.name === 'predicted_class')!.counts);
  });

  it('counts the trainer baseline exactly when it sees the baseline test split (MNIST image model)', () => {
    const { images } = loadMnist();
    const [trainN, testN] = [600, 300];
    const train = images.slice(0, trainN * MNIST_PIXELS);
    const test = images.slice(trainN * MNIST_PIXELS, (trainN + testN) * MNIST_PIXELS);
    const trainProbs = probabilities(train, trainN, MNIST_PIXELS, 10);
    const testProbs = probabilities(test, testN, MNIST_PIXELS, 10);
    const baseline = imageBaseline(train, test, { height: 28, width: 28, trainProbs, testProbs });
    const sketch = new ModelSketch(manifestOf({ name: 'x', shape: [-1, 28, 28, 1], dtype: 'float32', layout: 'NHWC' }, baseline));
    expect(sketch.monitored).toEqual(baseline.signals.map((s) => s.name));
    expect(sketch.skipped).toEqual([]);
    recordAll(sketch, test, [1, 28, 28, 1], testProbs, 10);
    const counts = sketch.take();
    for (const signal of baseline.signals) expect(counts.signals[signal.name], signal.name).toEqual(signal.counts);
    const classCounts = baseline.signals.find((s) => s.name === 'predicted_class')!.counts;
    expect(Object.values(counts.predictions)).toEqual(classCounts);
    expect(counts.predictionCount).toBe(testN);
    expect(counts.latency.reduce((a, b) => a + b, 0)).toBe(testN);
    // take() starts a fresh window.
    expect(sketch.predictionCount).toBe(0);
    expect(sketch.empty).toBe(true);
  });

  it('monitors only the signals an older baseline has (no contrast, no entropy)', () => {
    const { images } = loadMnist();
    const train = images.slice(0, 300 * MNIST_PIXELS);
    const test = images.slice(300 * MNIST_PIXELS, 400 * MNIST_PIXELS);
    const testProbs = probabilities(test, 100, MNIST_PIXELS, 10);
    const full = imageBaseline(train, test, { height: 28, width: 28, trainProbs: probabilities(train, 300, MNIST_PIXELS, 10), testProbs });
    const old = { signals: full.signals.filter((s) => s.name !== 'contrast' && s.name !== 'entropy') };
    expect(old.signals).toHaveLength(52);
    const sketch = new ModelSketch(manifestOf({ name: 'x', shape: [-1, 28, 28, 1], dtype: 'float32' }, old));
    expect(sketch.monitored).toEqual(old.signals.map((s) => s.name));
    recordAll(sketch, test, [1, 28, 28, 1], testProbs, 10);
    const counts = sketch.take();
    expect(Object.keys(counts.signals).sort()).toEqual(old.signals.map((s) => s.name).sort());
    for (const signal of old.signals) expect(counts.signals[signal.name], signal.name).toEqual(signal.counts);
  });

  it('counts the trainer baseline exactly for a tabular model, feature by feature', () => {
    const random = seededRandom(3);
    const features = ['age', 'income', 'score'];
    const rows = (n: number) => Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 0 ? 20 + 50 * random() : i % 3 === 1 ? 1e4 * random() ** 2 : random()));
    const [train, test] = [rows(400), rows(150)];
    const probs = (x: Float32Array, n: number) => Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? x[(i >> 1) * 3 + 2]! : 1 - x[(i >> 1) * 3 + 2]!));
    const baseline = tabularBaseline(train, test, features, { trainProbs: probs(train, 400), testProbs: probs(test, 150) });
    expect(baseline.signals.map((s) => s.name)).toEqual([...features, 'predicted_class', 'confidence', 'entropy']);
    const sketch = new ModelSketch(manifestOf({ name: 'rows', shape: [-1, 3], dtype: 'float32' }, baseline, 2, 'tabular-classification'));
    expect(sketch.monitored).toEqual(baseline.signals.map((s) => s.name));
    recordAll(sketch, test, [1, 3], probs(test, 150), 2);
    const counts = sketch.take();
    for (const signal of baseline.signals) expect(counts.signals[signal.name], signal.name).toEqual(signal.counts);
  });

  it('without a baseline counts only latency and errors', () => {
    const sketch = new ModelSketch(manifestOf({ name: 'x', shape: [-1, 4], dtype: 'float32' }, undefined, 3));
    expect(sketch.monitored).toEqual([]);
    sketch.record({ input: { data: [1, 2, 3, 4], shape: [1, 4] }, output: [0.1, 0.7, 0.2], latencyMs: 12 });
    sketch.recordError('INPUT_INVALID');
    sketch.recordError('not a code!');
    const counts = sketch.take();
    expect(counts.signals).toEqual({});
    expect(counts.predictions).toEqual({});
    expect(counts.errors).toEqual({ INPUT_INVALID: 1, UNKNOWN: 1 });
    expect(counts.latency[4]).toBe(1); // 10 ≤ 12 < 20
  });

  it('skips baseline signals it has no formula for, cannot compute at this input, or whose names the endpoint refuses', () => {
    const bins = { edges: [0, 0.5, 1], counts: [1, 1] };
    const baseline = {
      signals: [
        { name: 'mean_intensity', ...bins },
        { name: 'sharpness', ...bins },
        // A grey input has no channel 1; three blocks are no full grid.
        { name: 'channel_mean_1', ...bins },
        { name: 'block_0_0', ...bins },
        { name: 'block_0_1', ...bins },
        { name: 'block_1_0', ...bins },
        { name: 'entropy', ...bins },
        { name: 'prediction', ...bins },
        { name: 'has space', ...bins },
      ],
    };
    const sketch = new ModelSketch(manifestOf({ name: 'x', shape: [-1, 2, 2, 1], dtype: 'float32' }, baseline, 2));
    expect(sketch.monitored).toEqual(['mean_intensity', 'entropy']);
    expect(sketch.skipped).toEqual(['sharpness', 'channel_mean_1', 'block_0_0', 'block_0_1', 'block_1_0', 'prediction', 'has space']);
  });

  it('computes mean intensity and contrast on a flattened image input of no known size', () => {
    const baseline = {
      signals: [
        { name: 'mean_intensity', edges: [0, 0.1, 0.2, 1], counts: [0, 0, 0] },
        { name: 'contrast', edges: [0, 0.1, 0.2, 1], counts: [0, 0, 0] },
        { name: 'block_0_0', edges: [0, 1], counts: [0] },
      ],
    };
    const sketch = new ModelSketch(manifestOf({ name: 'x', shape: [-1, 784], dtype: 'float32' }, baseline));
    expect(sketch.skipped).toEqual(['block_0_0']);
    const image = Float32Array.from({ length: 784 }, (_, i) => (i % 2 === 0 ? 0 : 0.3)); // mean 0.15, contrast 0.15
    sketch.record({ input: { data: image, shape: [1, 784] }, output: new Float32Array(10).fill(0.1), latencyMs: 1 });
    expect(sketch.take().signals).toEqual({ mean_intensity: [0, 1, 0], contrast: [0, 1, 0] });
  });

  it('never throws on an input or output of an unexpected size: the prediction counts, its signals do not', () => {
    const baseline = { signals: [{ name: 'mean_intensity', edges: [0, 0.5, 1], counts: [1, 1] }, { name: 'entropy', edges: [0, 1, 3], counts: [1, 1] }] };
    const sketch = new ModelSketch(manifestOf({ name: 'x', shape: [-1, 28, 28, 1], dtype: 'float32' }, baseline));
    sketch.record({ input: { data: new Float32Array(10), shape: [1, 28, 28, 1] }, output: [0.5, 0.5], latencyMs: 1 });
    sketch.record({ input: { data: new Float32Array(12), shape: [1, 2, 2, 3] }, output: new Float32Array(10).fill(0.1), latencyMs: 1 });
    const counts = sketch.take();
    expect(counts.predictionCount).toBe(2);
    // The 2×2×3 input is a valid image (its own size); the first one is not.
    expect(counts.signals.mean_intensity).toEqual([1, 0]);
    expect(counts.signals.entropy).toEqual([0, 1]);
    expect(entropyOf(new Float32Array(10).fill(0.1))).toBeCloseTo(Math.log(10), 6);
  });
});
