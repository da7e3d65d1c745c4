/**
 * Where the CLIs' data come from: `--dataset mnist` (the demo digits), `--data <file.csv>
 * --label <column>` (a table) or `--images <folder>` (one sub-folder per class). The flags,
 * their help lines, and the checked {@link DataSource} they stand for.
 */
import { TrainerError } from '../../trainer/index.ts';
import { choiceFlag, intFlag } from './cli-flags.ts';

/** Data sets the CLIs know by name. */
export const CLI_DATASETS = ['mnist'] as const;

/** What the model learns from a table: only classification trains today. */
export const CSV_TASKS = ['classification'] as const;

/** The data a CLI reads. */
export type DataSource =
  | { kind: 'mnist' }
  /** A CSV file; `label` names the column to predict. */
  | { kind: 'csv'; file: string; label: string }
  /** An image folder, labelled by sub-folder names (unless `labelled` is false); resized to `size`, with `channels`. */
  | { kind: 'images'; dir: string; size?: { width: number; height: number }; channels?: 1 | 3; labelled?: boolean };

/** The `parseArgs` options of the data flags. */
export const DATA_FLAG_OPTIONS = {
  dataset: { type: 'string' },
  data: { type: 'string' },
  label: { type: 'string' },
  task: { type: 'string' },
  images: { type: 'string' },
} as const;

/** The `parseArgs` options of the image size flags (train only: distill and compress take the model's size). */
export const IMAGE_SIZE_FLAG_OPTIONS = {
  size: { type: 'string' },
  channels: { type: 'string' },
} as const;

/** Values of {@link DATA_FLAG_OPTIONS} and {@link IMAGE_SIZE_FLAG_OPTIONS}. */
export interface DataFlagValues {
  dataset?: string;
  data?: string;
  label?: string;
  task?: string;
  images?: string;
  size?: string;
  channels?: string;
}

/** Help lines of the data flags; `sized` adds `--size` and `--channels`. */
export function dataFlagsUsage(options: { sized: boolean }): string {
  const lines = [
    `  ${`--dataset <${CLI_DATASETS.join('|')}>`.padEnd(26)}  the demo data set (default when neither --data nor --images is given)`,
    '  --data <file.csv>           your own table: a CSV file with a header row (missing values filled, text columns one-hot',
    '                              encoded; the cleaning report is printed)',
    '  --label <column>            with --data: the column to predict (required)',
    `  ${`--task <${CSV_TASKS.join('|')}>`.padEnd(26)}  with --data: what to learn (default classification; regression does not train yet)`,
    '  --images <folder>           your own images: one sub-folder per class (photos/cat/1.png, photos/dog/7.jpg, …);',
    '                              unreadable files are skipped and listed',
  ];
  if (options.sized) {
    lines.push(
      '  --size <px|WxH>             with --images: the model input size every image is resized to (default 32)',
      '  --channels <1|3>            with --images: 1 grayscale, 3 RGB (default 3)',
    );
  }
  return lines.join('\n');
}

function conflict(message: string, field: string): TrainerError {
  return new TrainerError('CONFIG_INVALID', message, { details: { field } });
}

/**
 * The data source the flags ask for; without data flags, `fallback` (e.g. a teacher's
 * recorded data) or `mnist`.
 *
 * @throws {TrainerError} `CONFIG_INVALID` for flags that contradict each other or lack a partner.
 */
export function dataSourceFromFlags(f: DataFlagValues, fallback?: DataSource): DataSource {
  const given = [f.dataset !== undefined && '--dataset', f.data !== undefined && '--data', f.images !== undefined && '--images'].filter(Boolean);
  if (given.length > 1) throw conflict(`${given.join(' and ')} each name the data; pass one of them`, 'data');
  if (f.data === undefined && (f.label !== undefined || f.task !== undefined)) {
    throw conflict(`${f.label !== undefined ? '--label' : '--task'} applies to a CSV file: add --data <file.csv>`, f.label !== undefined ? 'label' : 'task');
  }
  if (f.images === undefined && (f.size !== undefined || f.channels !== undefined)) {
    throw conflict(`${f.size !== undefined ? '--size' : '--channels'} applies to an image folder: add --images <folder>`, f.size !== undefined ? 'size' : 'channels');
  }
  if (f.data !== undefined) {
    if (f.label === undefined || f.label === '') throw conflict('--data needs --label <column>, the column to predict', 'label');
    if (f.task === 'regression') {
      // parseCsvDataset reads regression tables, but the training loop minimises a classifier's loss only.
      throw conflict('--task regression: the training loop trains classifiers only (softmax cross-entropy), so a numeric target cannot be trained from the CLI yet; predict a class column instead', 'task');
    }
    choiceFlag('task', f.task, CSV_TASKS, 'classification');
    return { kind: 'csv', file: f.data, label: f.label };
  }
  if (f.images !== undefined) {
    return {
      kind: 'images',
      dir: f.images,
      ...(f.size === undefined ? {} : { size: sizeFlag(f.size) }),
      ...(f.channels === undefined ? {} : { channels: choiceFlag('channels', f.channels, ['1', '3'] as const) === '1' ? 1 : 3 }),
    };
  }
  if (f.dataset !== undefined) {
    choiceFlag('dataset', f.dataset, CLI_DATASETS);
    return { kind: 'mnist' };
  }
  return fallback ?? { kind: 'mnist' };
}

/** `--size 64` or `--size 64x48` (width × height). */
function sizeFlag(value: string): { width: number; height: number } {
  const match = /^\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$/i.exec(value);
  if (!match) throw new TrainerError('CONFIG_INVALID', `--size must be pixels like 32 or 64x48 (got '${value}')`, { details: { field: 'size', value } });
  const width = intFlag('size', match[1], 32, 8);
  const height = match[2] === undefined ? width : intFlag('size', match[2], 32, 8);
  return { width, height };
}

/** A short description of a source for logs and `training.json`. */
export function describeSource(source: DataSource): string {
  switch (source.kind) {
    case 'mnist':
      return 'mnist';
    case 'csv':
      return `${source.file} (label "${source.label}")`;
    case 'images':
      return source.dir;
  }
}
