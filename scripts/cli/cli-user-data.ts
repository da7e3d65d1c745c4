/**
 * Node-only: reading the user's own data for the CLIs — a CSV file (parsed and cleaned
 * by the trainer, the cleaning report printed) or an image folder (decoded by the
 * trainer's Node loader, unreadable files skipped and listed) — and the split into
 * train / validation / test with errors that say which class or file to fix.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatCleaningReport,
  parseCsvDataset,
  splitByClass,
  TrainerError,
  type ClassificationDataset,
  type FeatureEncoding,
  type ImageDataset,
  type SkippedImageFile,
  type StratifiedSplit,
} from '../../trainer/index.ts';
import { loadImageFolder, loadUnlabelledImages, type UnlabelledImages } from '../../trainer/node.ts';
import { createCountProgress } from './terminal-progress.ts';

/** Prints a line of the data report. */
export type ReportLine = (line: string) => void;

/**
 * Reads `file` as a classification table predicting `label`, and prints what cleaning
 * did (rows dropped or filled, columns dropped, categorical columns one-hot encoded).
 * With `encoding` (a trained model's), categorical columns are encoded with the model's
 * categories, so the features line up with what it was trained on.
 *
 * @throws {TrainerError} `CONFIG_INVALID` when the file cannot be read; the CSV
 *   parser's and cleaner's codes (`LABEL_COLUMN_MISSING`, `NON_NUMERIC`, `DATA_RAGGED`, …).
 */
export async function readCsvFile(file: string, label: string, log: ReportLine, encoding?: readonly FeatureEncoding[]): Promise<ClassificationDataset> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new TrainerError('CONFIG_INVALID', `--data ${file} could not be read (${(cause as Error).message}); pass a CSV file with a header row`, { details: { field: 'data', file }, cause });
  }
  // Categorical values not seen in training cannot be encoded; the model's categories win.
  // With a model's encoding, a column that happens to be constant in these rows still has to be there.
  const data = parseCsvDataset(text, { file, labelColumn: label, task: 'classification', nonNumeric: 'missing', maxCategories: 64, dropConstantColumns: encoding === undefined });
  log(`cleaning report for ${formatCleaningReport(data.report)}`);
  return encoding ? reencode(data, encoding) : data;
}

/** `data`'s features re-encoded column by column as `encoding` says (the training run's columns and categories). */
function reencode(data: ClassificationDataset, encoding: readonly FeatureEncoding[]): ClassificationDataset {
  const featureNames = encoding.flatMap((e) => (e.type === 'numeric' ? [e.column] : e.categories.map((c) => `${e.column}=${c}`)));
  const width = featureNames.length;
  const features = new Float32Array(data.count * width);
  const from = data.featureNames.length;
  let offset = 0;
  for (const e of encoding) {
    if (e.type === 'numeric') {
      const source = data.featureNames.indexOf(e.column);
      if (source < 0) throw missingColumn(data, e.column);
      for (let i = 0; i < data.count; i++) features[i * width + offset] = data.features[i * from + source]!;
      offset += 1;
      continue;
    }
    const present = data.featureNames.filter((n) => n.startsWith(`${e.column}=`));
    if (present.length === 0) throw missingColumn(data, e.column);
    e.categories.forEach((category, k) => {
      const source = data.featureNames.indexOf(`${e.column}=${category}`);
      if (source >= 0) for (let i = 0; i < data.count; i++) features[i * width + offset + k] = data.features[i * from + source]!;
    });
    offset += e.categories.length;
  }
  return { ...data, features, featureNames, encoding: [...encoding] };
}

function missingColumn(data: ClassificationDataset, column: string): TrainerError {
  return new TrainerError(
    'DATA_SHAPE_MISMATCH',
    `${data.file} has no usable column "${column}", which the model was trained on (its columns after cleaning: ${data.encoding.map((e) => `"${e.column}"`).join(', ')}); ` +
      'give a CSV file with the columns of the training data',
    { details: { file: data.file, column } },
  );
}

/** Options of {@link readImages}. */
export interface ReadImagesOptions {
  size?: { width: number; height: number };
  channels: 1 | 3;
  /** Read sub-folders as classes (default) or every image without a label. */
  labelled: boolean;
}

/**
 * Decodes the images below `dir` (showing progress on a TTY) and prints the files it
 * skipped, each with its reason: unreadable images, non-images, hidden files.
 *
 * @throws {TrainerError} `DEPENDENCY_MISSING`, `CONFIG_INVALID`, `DATA_EMPTY` as `loadImageFolder`.
 */
export async function readImages(dir: string, options: ReadImagesOptions, log: ReportLine): Promise<ImageDataset | UnlabelledImages> {
  const load = { size: options.size, channels: options.channels, unreadable: 'skip' as const, onProgress: createCountProgress(process.stdout, 'decoding images') };
  const data: ImageDataset | UnlabelledImages = options.labelled ? await loadImageFolder(dir, load) : await loadUnlabelledImages(dir, load);
  const names = isLabelled(data) ? data.classes : undefined;
  const classes = names ? `, ${names.length} classes (${names.join(', ')})` : ' (unlabelled)';
  log(`${dir}: ${data.count} image(s)${classes}, drawn at ${data.width}×${data.height}×${data.channels}${data.resized.length > 0 ? `; ${data.resized.length} resized to fit` : ''}`);
  // The loader names files `<folder name>/<path inside>`; show them under the folder as given.
  const shown = data.skipped.map((s) => ({ ...s, path: join(dir, ...s.path.split('/').slice(1)) }));
  for (const line of describeSkipped(shown)) log(line);
  if (data.count === 0) {
    throw new TrainerError('DATA_EMPTY', `no image below ${dir} could be read (${data.skipped.length} file(s) skipped, listed above); add readable PNG or JPEG files`, { details: { dir } });
  }
  return data;
}

/** True for images read with their labels. */
export function isLabelled(data: ImageDataset | UnlabelledImages): data is ImageDataset {
  return 'classes' in data;
}

/** One line per skipped file: `skipped pets/cat/broken.png: unreadable image (Unsupported image type)`. */
export function describeSkipped(skipped: readonly SkippedImageFile[]): string[] {
  const why = (s: SkippedImageFile): string => {
    switch (s.reason) {
      case 'unreadable':
        return `unreadable image (${s.detail ?? 'it does not decode'}); remove it or re-save it as PNG or JPEG`;
      case 'not-an-image':
        return 'not an image file (by its extension)';
      case 'hidden':
        return 'hidden file';
      case 'not-in-class-folder':
        return 'not inside a class sub-folder, so it has no label';
    }
  };
  // Hidden files (.DS_Store, thumbnails) are expected; name how many, not each.
  const hidden = skipped.filter((s) => s.reason === 'hidden').length;
  return [
    ...skipped.filter((s) => s.reason !== 'hidden').map((s) => `skipped ${s.path}: ${why(s)}`),
    ...(hidden > 0 ? [`skipped ${hidden} hidden file(s)`] : []),
  ];
}

/**
 * Splits labelled examples 80/10/10 per class (seeded). A class with fewer than three
 * examples cannot be in every split: `CLASS_TOO_SMALL` names it, its count, and what to do.
 */
export function splitUserData(labels: ArrayLike<number>, classes: readonly string[], seed: number, where: (className: string) => string): StratifiedSplit {
  const fractions = { train: 0.8, validation: 0.1, test: 0.1 };
  try {
    return splitByClass(labels, { ...fractions, seed, classes });
  } catch (error) {
    if (!(error instanceof TrainerError && error.code === 'CLASS_TOO_SMALL')) throw error;
    const small = (error.details as { classes: Array<{ class: string; count: number }> }).classes;
    const list = small.map((s) => `"${s.class}" has ${s.count}`).join(', ');
    throw new TrainerError(
      'CLASS_TOO_SMALL',
      `too few examples to split into train, validation and test (3 per class at least): class ${list}; add examples to ${where(small[0]!.class)} or remove that class`,
      { details: error.details, cause: error },
    );
  }
}
