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

  it('has mean intensity, 49 block means, predicted class and confidence, and the validator accepts it', () => {
    const baseline = imageBaseline(train, test, { height: 28, width: 28, trainProbs: probsFor(trainLabels), testProbs: probsFor(testLabels) });
    const names = baseline.signals.map((s) => s.name);
    expect(names).toHaveLength(52);
    expect(names.slice(0, 3)).toEqual(['mean_intensity', 'block_0_0', 'block_0_1']);
    expect(names).toContain('block_6_6');
    expect(names.slice(-2)).toEqual(['predicted_class', 'confidence']);
    checkBaseline(baseline, testCount);
    // The predicted class counts are the test split's class counts here.
    const perClass = new Array<number>(10).fill(0);
    for (const label of testLabels) perClass[label]++;
    expect(baseline.signals.find((s) => s.name === 'predicted_class')!.counts).toEqual(perClass);
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

  it('shows a shifted feature as a pile-up in the last bin', () => {
    const age = tabularBaseline(rows(300, 0), rows(90, 100), ['age', 'income']).signals[0];
    expect(age.counts[age.counts.length - 1]).toBe(90);
  });

  it('refuses duplicate and reserved feature names', () => {
    for (const names of [['a', 'a'], ['a', 'prediction']]) {
      try {
        tabularBaseline(rows(10, 0), rows(10, 0), names);
        expect.unreachable();
      } catch (error) {
        expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
  });
});
