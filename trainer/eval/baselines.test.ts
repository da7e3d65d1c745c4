import { describe, expect, it } from 'vitest';
import { validateManifest, type Baseline } from '../../format/index.ts';
import { gatherExamples } from '../data/gather-examples.ts';
import { loadMnist, MNIST_PIXELS } from '../data/mnist-node.ts';
import { stratifiedSplit } from '../data/stratified-split.ts';
import { isTrainerError } from '../errors.ts';
import { imageBaseline } from './image-baseline.ts';
import { tabularBaseline } from './tabular-baseline.ts';

/** A minimal valid manifest carrying `baseline`, as the package writer would make it. */
function manifestWith(baseline: Baseline): unknown {
  return JSON.parse(
    JSON.stringify({
      format: 'edgeloop/1',
      name: 'drift-test',
      version: '1.0.0',
      createdAt: '2026-01-01T00:00:00Z',
      task: 'image-classification',
      input: { name: 'input', shape: [-1, 28, 28, 1], dtype: 'float32' },
      output: { name: 'logits', shape: [-1, 10], activation: 'softmax' },
      artifacts: [{ id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: [{ path: 'tfjs/model.json', bytes: 1, sha256: 'a'.repeat(64) }] }],
      metrics: { accuracy: 0.9 },
      baseline,
    }),
  );
}

function checkBaseline(baseline: Baseline, testCount: number): void {
  for (const signal of baseline.signals) {
    expect(signal.edges.every((e, i) => i === 0 || e > signal.edges[i - 1]), signal.name).toBe(true);
    expect(signal.edges.length).toBe(signal.counts.length + 1);
    expect(signal.counts.reduce((a, b) => a + b, 0), signal.name).toBe(testCount);
  }
  expect(validateManifest(manifestWith(baseline)).baseline).toEqual(baseline);
}

/** Fake but deterministic softmax rows: class = label, confidence varies. */
function probsFor(labels: ArrayLike<number>): Float32Array {
  const out = new Float32Array(labels.length * 10);
  for (let i = 0; i < labels.length; i++) {
    const top = 0.5 + 0.05 * (i % 10);
    for (let c = 0; c < 10; c++) out[i * 10 + c] = c === labels[i] ? top : (1 - top) / 9;
  }
  return out;
}

describe('imageBaseline on MNIST digits', () => {
  const mnist = loadMnist();
  // The file's order is not random (writers are grouped), so draw both splits at random.
  const split = stratifiedSplit(mnist.labels, { seed: 1 });
  const trainCount = 2000;
  const testCount = 500;
  const trainSet = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.train.subarray(0, trainCount));
  const testSet = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, split.test.subarray(0, testCount));
  const [train, test] = [trainSet.features, testSet.features];
  const [trainLabels, testLabels] = [trainSet.labels, testSet.labels];

  it('has mean intensity, contrast, 49 block means, predicted class, confidence and entropy, and the validator accepts it', () => {
    const baseline = imageBaseline(train, test, { height: 28, width: 28, trainProbs: probsFor(trainLabels), testProbs: probsFor(testLabels) });
    const names = baseline.signals.map((s) => s.name);
    expect(names).toHaveLength(54);
    expect(names.slice(0, 3)).toEqual(['mean_intensity', 'contrast', 'block_0_0']);
    expect(names).toContain('block_6_6');
    // A grey image has no per-channel means.
    expect(names.some((n) => n.startsWith('channel_mean_'))).toBe(false);
    expect(names.slice(-3)).toEqual(['predicted_class', 'confidence', 'entropy']);
    checkBaseline(baseline, testCount);
    // The predicted class counts are the test split's class counts here.
    const perClass = new Array<number>(10).fill(0);
    for (const label of testLabels) perClass[label]++;
    expect(baseline.signals.find((s) => s.name === 'predicted_class')!.counts).toEqual(perClass);
    // Entropy edges come from the training rows: from the most confident row's entropy to the least confident's.
    const entropy = baseline.signals.find((s) => s.name === 'entropy')!;
    const rowEntropy = (top: number) => -(top * Math.log(top) + (1 - top) * Math.log((1 - top) / 9));
    expect(entropy.edges[0]).toBeCloseTo(rowEntropy(0.95), 6);
    expect(entropy.edges[entropy.edges.length - 1]).toBeCloseTo(rowEntropy(0.5), 6);
  });

  it('shows uncertain outputs (uniform rows) as a pile-up in the top entropy bin and the bottom confidence bin', () => {
    const uniform = new Float32Array(testCount * 10).fill(0.1);
    const baseline = imageBaseline(train, test, { height: 28, width: 28, trainProbs: probsFor(trainLabels), testProbs: uniform });
    const entropy = baseline.signals.find((s) => s.name === 'entropy')!;
    const confidence = baseline.signals.find((s) => s.name === 'confidence')!;
    expect(entropy.counts[entropy.counts.length - 1]).toBe(testCount);
    expect(confidence.counts[0]).toBe(testCount);
  });

  it('shows washed-out (low-contrast) images in the bottom contrast bin, whatever their brightness', () => {
    // Squeeze every value towards 0.5: contrast falls to a fifth, mean intensity rises.
    const washed = test.map((v) => 0.4 + 0.2 * v);
    const baseline = imageBaseline(train, washed, { height: 28, width: 28 });
    const contrast = baseline.signals.find((s) => s.name === 'contrast')!;
    expect(contrast.counts[0]).toBe(testCount);
    const mean = baseline.signals.find((s) => s.name === 'mean_intensity')!;
    expect(mean.counts[mean.counts.length - 1]).toBe(testCount);
  });

  it('adds one mean per channel for colour images, and a tinted test split moves them', () => {
    // Digits as RGB: ink in red, half as much in green, blue the inverse (at half strength).
    const rgb = (grey: Float32Array, blueShift = 0) => {
      const out = new Float32Array(grey.length * 3);
      for (let i = 0; i < grey.length; i++) {
        out[i * 3] = grey[i];
        out[i * 3 + 1] = 0.5 * grey[i];
        out[i * 3 + 2] = 0.5 * (1 - grey[i]) + blueShift;
      }
      return out;
    };
    const [small, smallTest] = [train.subarray(0, 300 * MNIST_PIXELS), test.subarray(0, 100 * MNIST_PIXELS)];
    const baseline = imageBaseline(rgb(small), rgb(smallTest), { height: 28, width: 28, channels: 3 });
    const names = baseline.signals.map((s) => s.name);
    expect(names.slice(0, 5)).toEqual(['mean_intensity', 'contrast', 'channel_mean_0', 'channel_mean_1', 'channel_mean_2']);
    expect(names).toHaveLength(2 + 3 + 49);
    checkBaseline(baseline, 100);
    // Bluer test images: only the blue channel's mean leaves the training range (upwards).
    const bluer = imageBaseline(rgb(small), rgb(smallTest, 0.2), { height: 28, width: 28, channels: 3 });
    const blue = bluer.signals.find((s) => s.name === 'channel_mean_2')!;
    const red = bluer.signals.find((s) => s.name === 'channel_mean_0')!;
    expect(blue.counts[blue.counts.length - 1]).toBeGreaterThan(90);
    expect(red.counts).toEqual(baseline.signals.find((s) => s.name === 'channel_mean_0')!.counts);
  });

  it('spreads the test split roughly evenly over the bins of an undrifted signal', () => {
    const baseline = imageBaseline(train, test, { height: 28, width: 28 });
    const mean = baseline.signals.find((s) => s.name === 'mean_intensity')!;
    expect(mean.counts).toHaveLength(10);
    // Ten equal-frequency bins of 500 same-distribution images: 50 ± 7 each.
    expect(Math.max(...mean.counts)).toBeLessThan(80);
    expect(Math.min(...mean.counts)).toBeGreaterThan(25);
  });

  it('puts inverted (drifted) images in the outermost bins', () => {
    const inverted = test.map((v) => 1 - v);
    const mean = imageBaseline(train, inverted, { height: 28, width: 28 }).signals[0];
    expect(mean.counts[mean.counts.length - 1]).toBe(testCount);
  });

  it('rejects arrays that are not whole images and a grid larger than the image', () => {
    expect(() => imageBaseline(train.subarray(1), test, { height: 28, width: 28 })).toThrow(RangeError);
    expect(() => imageBaseline(train, test, { height: 28, width: 28, grid: 29 })).toThrow(RangeError);
    expect(() => imageBaseline(train, test, { height: 28, width: 28, trainProbs: probsFor(trainLabels) })).toThrow(RangeError);
  });
});

describe('tabularBaseline', () => {
  // Two features: age 20..79 cycling, income with ties; 3 rows per 10 share an income.
  const rows = (count: number, shift: number): Float64Array => {
    const out = new Float64Array(count * 2);
    for (let i = 0; i < count; i++) {
      out[i * 2] = 20 + ((i * 7) % 60) + shift;
      out[i * 2 + 1] = i % 10 < 3 ? 1000 : 1000 + i * 13;
    }
    return out;
  };

  it('has one signal per feature plus the prediction, and the validator accepts it', () => {
    const baseline = tabularBaseline(rows(300, 0), rows(90, 0), ['age', 'income'], {
      trainPredictions: Array.from({ length: 300 }, (_, i) => i / 300),
      testPredictions: Array.from({ length: 90 }, (_, i) => i / 90),
    });
    expect(baseline.signals.map((s) => s.name)).toEqual(['age', 'income', 'prediction']);
    checkBaseline(baseline, 90);
  });

  it('has predicted class, confidence and entropy for a classifier', () => {
    const probs = (count: number) => Float64Array.from({ length: count * 2 }, (_, i) => (i % 2 === 0 ? 0.5 + 0.4 * ((i >> 1) % 7) / 6 : 0.5 - 0.4 * ((i >> 1) % 7) / 6));
    const baseline = tabularBaseline(rows(300, 0), rows(90, 0), ['age', 'income'], { trainProbs: probs(300), testProbs: probs(90) });
    expect(baseline.signals.map((s) => s.name)).toEqual(['age', 'income', 'predicted_class', 'confidence', 'entropy']);
    checkBaseline(baseline, 90);
    // Entropy of a two-class row spans ln 2 (p = 0.5) down to that of p = 0.9.
    const entropy = baseline.signals.find((s) => s.name === 'entropy')!;
    expect(entropy.edges[entropy.edges.length - 1]).toBeCloseTo(Math.log(2), 9);
    expect(entropy.edges[0]).toBeCloseTo(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)), 9);
  });

  it('shows a shifted feature as a pile-up in the last bin', () => {
    const age = tabularBaseline(rows(300, 0), rows(90, 100), ['age', 'income']).signals[0];
    expect(age.counts[age.counts.length - 1]).toBe(90);
  });

  it('refuses duplicate and reserved feature names', () => {
    for (const names of [['a', 'a'], ['a', 'prediction'], ['entropy', 'b']]) {
      try {
        tabularBaseline(rows(10, 0), rows(10, 0), names);
        expect.unreachable();
      } catch (error) {
        expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
  });
});
