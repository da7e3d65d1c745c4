/**
 * The strongest agreement check: a device that sees exactly the trainer's test split
 * counts exactly the manifest baseline's reference counts, in every signal.
 */
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../format/index.ts';
import { imageBaseline } from '../../trainer/eval/image-baseline.ts';
import { tabularBaseline } from '../../trainer/eval/tabular-baseline.ts';
import { loadMnist, MNIST_PIXELS } from '../../trainer/node.ts';
import { seededRandom } from './laplace-noise.ts';
import { ModelSketch } from './model-sketch.ts';

/** Softmax-like rows that depend on the image, so confidence and class vary. */
function probabilities(images: Float32Array, count: number, pixels: number, classes: number): Float32Array {
  const out = new Float32Array(count * classes);
  for (let n = 0; n < count; n++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[n * classes + c] = Math.exp(8 * images[n * pixels + ((c * 97 + 300) % pixels)]!) + 0.1 * c;
    for (let c = 0; c < classes; c++) out[n * classes + c]! /= sum;
  }
  return out;
}

function manifestOf(input: Manifest['input'], baseline: Manifest['baseline'], classes = 10): Manifest {
  return {
    format: 'edgeloop/1',
    name: 'sketch-test',
    version: '1.0.0',
    createdAt: '2026-12-01T00:00:00.000Z',
    task: 'image-classification',
    input,
    output: { name: 'probs', shape: [-1, classes], activation: 'softmax' },
    artifacts: [],
    metrics: {},
    baseline,
  } as unknown as Manifest;
}

describe('ModelSketch', () => {
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
    for (let n = 0; n < testN; n++) {
      sketch.record({ input: { data: test.subarray(n * MNIST_PIXELS, (n + 1) * MNIST_PIXELS), shape: [1, 28, 28, 1] }, output: testProbs.subarray(n * 10, (n + 1) * 10), latencyMs: 3 });
    }
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

  it('counts the trainer baseline exactly for a tabular model, feature by feature', () => {
    const random = seededRandom(3);
    const features = ['age', 'income', 'score'];
    const rows = (n: number) => Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 0 ? 20 + 50 * random() : i % 3 === 1 ? 1e4 * random() ** 2 : random()));
    const [train, test] = [rows(400), rows(150)];
    const probs = (x: Float32Array, n: number) => Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? x[(i >> 1) * 3 + 2]! : 1 - x[(i >> 1) * 3 + 2]!));
    const baseline = tabularBaseline(train, test, features, { trainProbs: probs(train, 400), testProbs: probs(test, 150) });
    const sketch = new ModelSketch(manifestOf({ name: 'rows', shape: [-1, 3], dtype: 'float32' }, baseline, 2));
    const testProbs = probs(test, 150);
    for (let n = 0; n < 150; n++) sketch.record({ input: { data: test.subarray(n * 3, n * 3 + 3), shape: [1, 3] }, output: testProbs.subarray(n * 2, n * 2 + 2), latencyMs: 0.5 });
    const counts = sketch.take();
    for (const signal of baseline.signals) expect(counts.signals[signal.name], signal.name).toEqual(signal.counts);
  });

  it('without a baseline counts only latency, predicted classes and errors', () => {
    const sketch = new ModelSketch(manifestOf({ name: 'x', shape: [-1, 4], dtype: 'float32' }, undefined, 3));
    sketch.record({ input: { data: [1, 2, 3, 4], shape: [1, 4] }, output: [0.1, 0.7, 0.2], latencyMs: 12 });
    sketch.recordError('INPUT_INVALID');
    sketch.recordError('not a code!');
    const counts = sketch.take();
    expect(counts.signals).toEqual({});
    expect(counts.predictions).toEqual({ 0: 0, 1: 1, 2: 0 });
    expect(counts.errors).toEqual({ INPUT_INVALID: 1, UNKNOWN: 1 });
    expect(counts.latency[4]).toBe(1); // 10 ≤ 12 < 20
  });

  it('skips baseline signals it has no formula for, or whose names the endpoint refuses', () => {
    const baseline = {
      signals: [
        { name: 'mean_intensity', edges: [0, 0.5, 1], counts: [1, 1] },
        { name: 'contrast', edges: [0, 1], counts: [2] },
        { name: 'confidence', edges: [0, 0.5, 1], counts: [1, 1] },
        { name: 'has space', edges: [0, 1], counts: [2] },
      ],
    };
    const sketch = new ModelSketch(manifestOf({ name: 'x', shape: [-1, 2, 2, 1], dtype: 'float32' }, baseline, 2));
    expect(sketch.monitored).toEqual(['confidence']);
    expect(sketch.skipped).toEqual(['mean_intensity', 'contrast', 'has space']);
  });

  it('computes mean_intensity alone on a flattened image input', () => {
    const baseline = { signals: [{ name: 'mean_intensity', edges: [0, 0.1, 0.2, 1], counts: [0, 0, 0] }] };
    const sketch = new ModelSketch(manifestOf({ name: 'x', shape: [-1, 784], dtype: 'float32' }, baseline));
    sketch.record({ input: { data: new Float32Array(784).fill(0.15), shape: [1, 784] }, output: new Float32Array(10).fill(0.1), latencyMs: 1 });
    expect(sketch.take().signals.mean_intensity).toEqual([0, 1, 0]);
  });
});
