/**
 * The Train page's data: the MNIST sample the app serves, a folder of images (one
 * sub-folder per label), or a CSV file (numeric and categorical feature columns plus one
 * label column). Each becomes the trainer's train / validation / test sets with the
 * manifest input section that makes the runtime feed new inputs the same way.
 */
import type { ManifestInput } from '../../format/index.ts';
import { fitNormalization, applyNormalization, gatherExamples, parseCsvDataset, readCsvTable, stratifiedSplit } from '../../trainer/index.ts';
import { loadImageFiles, type TrainerSet } from '../../trainer/browser.ts';
import { loadMnistSplit } from '../test-digits.ts';

/** What the user chose, as JSON: kept with a run so a reloaded page can load it again. */
export type DataChoice =
  | { source: 'mnist'; count: number }
  | { source: 'folder'; size: number; channels: 1 | 3 }
  | { source: 'csv'; labelColumn: string; file: string };

/** A data set ready for the trainer. */
export interface PreparedData {
  choice: DataChoice;
  /** Shape of one example, without the batch dimension. */
  inputShape: number[];
  labels: string[];
  train: TrainerSet;
  validation: TrainerSet;
  test: TrainerSet;
  /** The manifest's input section (preprocessing the runtime applies to raw input). */
  input: Partial<ManifestInput>;
  /** Whether the trainer can package a model of this data (it packages image classifiers). */
  packagable: boolean;
  /** One line for the page: how many examples in each split, how many classes. */
  summary: string;
}

const DIGITS = Array.from({ length: 10 }, (_, d) => String(d));
const count = (n: number) => n.toLocaleString('en');

/** The MNIST sample: `count` training digits, 500 for validation, the 1,000 test digits. */
export async function loadMnistData(choice: Extract<DataChoice, { source: 'mnist' }>): Promise<PreparedData> {
  const [train, validation, test] = await Promise.all([loadMnistSplit('train', choice.count), loadMnistSplit('validation', 500), loadMnistSplit('test')]);
  return {
    choice,
    inputShape: [28, 28, 1],
    labels: DIGITS,
    train,
    validation,
    test,
    input: { layout: 'NHWC', preprocessing: { resize: { width: 28, height: 28 }, colorSpace: 'grayscale', scale: 1 / 255 } },
    packagable: true,
    summary: `MNIST: ${count(train.count)} training, ${count(validation.count)} validation and ${count(test.count)} test digits, 10 classes`,
  };
}

function split(features: Float32Array, labels: Uint8Array, rowSize: number): { train: TrainerSet; validation: TrainerSet; test: TrainerSet } {
  const parts = stratifiedSplit(labels, { train: 0.8, validation: 0.1, test: 0.1, seed: 1 });
  const pick = (indices: Uint32Array): TrainerSet => {
    const set = gatherExamples(features, labels, rowSize, indices);
    return { x: set.features, y: set.labels };
  };
  return { train: pick(parts.train), validation: pick(parts.validation), test: pick(parts.test) };
}

function asBytes(labels: ArrayLike<number>, classes: number): Uint8Array {
  if (classes > 256) throw new RangeError(`the trainer takes at most 256 classes; this data has ${classes}`);
  return Uint8Array.from(labels);
}

/** An image folder: 80 / 10 / 10 % per class, images resized to `size`×`size`. */
export async function loadFolderData(files: readonly File[], choice: Extract<DataChoice, { source: 'folder' }>): Promise<PreparedData> {
  const data = await loadImageFiles(files, { channels: choice.channels, size: { width: choice.size, height: choice.size } });
  const rowSize = data.height * data.width * data.channels;
  const sets = split(data.images, asBytes(data.labels, data.classes.length), rowSize);
  const skipped = data.skipped.length ? `; ${data.skipped.length} files skipped` : '';
  return {
    choice,
    inputShape: [data.height, data.width, data.channels],
    labels: data.classes,
    ...sets,
    input: {
      layout: 'NHWC',
      preprocessing: { resize: { width: data.width, height: data.height }, colorSpace: data.channels === 1 ? 'grayscale' : 'rgb', scale: 1 / 255 },
    },
    packagable: true,
    summary: `${count(data.count)} images in ${data.classes.length} classes (${data.classes.join(', ')}): ${count(sets.train.y.length)} training, ${count(sets.validation.y.length)} validation, ${count(sets.test.y.length)} test${skipped}`,
  };
}

/** The column names of a CSV file's header row. */
export function csvColumns(text: string, file: string): string[] {
  return readCsvTable(text, { file }).columns;
}

/**
 * A CSV file: `labelColumn` is the class, every other column a feature (text columns
 * one-hot encoded), z-scored with the training split's mean and std.
 */
export function loadCsvData(text: string, choice: Extract<DataChoice, { source: 'csv' }>): PreparedData {
  const data = parseCsvDataset(text, { file: choice.file, labelColumn: choice.labelColumn, task: 'classification' });
  const width = data.featureNames.length;
  const sets = split(data.features, asBytes(data.labels, data.classes.length), width);
  const normalization = fitNormalization(sets.train.x, width);
  for (const set of [sets.train, sets.validation, sets.test]) set.x = applyNormalization(normalization, set.x);
  return {
    choice,
    inputShape: [width],
    labels: data.classes,
    ...sets,
    input: { preprocessing: { mean: normalization.mean, std: normalization.std } },
    packagable: false,
    summary:
      `${choice.file}: ${count(data.count)} rows, ${width} features, label "${choice.labelColumn}" with ${data.classes.length} classes: ${count(sets.train.y.length)} training, ${count(sets.validation.y.length)} validation, ${count(sets.test.y.length)} test` +
      // What cleaning did (dropped constant or empty columns, filled gaps…), so a feature count that differs from the file's is explained.
      (data.report.actions.length > 0 ? `. Cleaning: ${data.report.actions.map((action) => action.summary).join('; ')}.` : ''),
  };
}
