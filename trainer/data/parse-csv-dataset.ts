/**
 * CSV text → a typed tabular data set for classification or regression: parse,
 * clean (with a report), one-hot encode categorical columns and encode the label.
 * Pure and environment-agnostic: it takes the file's text, not a path.
 */
import { TrainerError } from '../errors.ts';
import { createClassLabels, type ClassLabels } from './class-labels.ts';
import { cleanTable, type CsvCleaningOptions, type TabularTask } from './clean-table.ts';
import type { CleaningReport } from './cleaning-report.ts';
import { naturalCompare, parseDecimal } from './column-types.ts';
import { readCsvTable } from './read-csv-table.ts';

/** How one CSV column became features; enough to encode new rows the same way. JSON-serialisable. */
export type FeatureEncoding =
  | { column: string; type: 'numeric' }
  /** One 0/1 feature per category, named `column=category`, in this order. */
  | { column: string; type: 'one-hot'; categories: string[] };

/** Options of {@link parseCsvDataset}. */
export interface ParseCsvDatasetOptions<T extends TabularTask = TabularTask> extends CsvCleaningOptions {
  /** The header name of the column to predict. */
  labelColumn: string;
  /** `'classification'` predicts the label as a class name; `'regression'` as a number. */
  task: T;
  /** Name of the file, for messages and error details. @defaultValue `'CSV text'` */
  file?: string;
  /** The field delimiter; empty means detect it among `,` `;` tab and `|`. @defaultValue `''` */
  delimiter?: string;
  /**
   * Categorical feature columns: `'one-hot'` turns each into one 0/1 feature per
   * category; `'error'` refuses them (`NON_NUMERIC`), for models that must see
   * numbers only. @defaultValue `'one-hot'`
   */
  categorical?: 'one-hot' | 'error';
  /**
   * Most categories a one-hot column may have; more usually means an id or free text,
   * which is refused with `NON_NUMERIC` (leave such columns out with `dropColumns`).
   * @defaultValue 32
   */
  maxCategories?: number;
}

/** Fields both kinds of tabular data set have. */
interface TabularDatasetBase {
  file: string;
  /** `count × featureNames.length` values, row-major. */
  features: Float32Array;
  /** One name per feature: the column name, or `column=category` for one-hot features. */
  featureNames: string[];
  /** How each kept column became features, in feature order. */
  encoding: FeatureEncoding[];
  labelColumn: string;
  /** Number of examples. */
  count: number;
  /** The file row number of each example (header = row 1), to trace an example back. */
  rowNumbers: Uint32Array;
  /** What cleaning did. */
  report: CleaningReport;
}

/** A tabular data set whose label is a class. */
export interface ClassificationDataset extends TabularDatasetBase {
  task: 'classification';
  /** Class indices into `classes`. */
  labels: ClassLabels;
  /** Class names in index order: numeric names by value (`'2'` before `'10'`), others alphabetically. */
  classes: string[];
}

/** A tabular data set whose label is a number. */
export interface RegressionDataset extends TabularDatasetBase {
  task: 'regression';
  /** The targets. */
  labels: Float32Array;
}

/** The data set type for a task. */
export type TabularDataset<T extends TabularTask = TabularTask> = T extends 'classification' ? ClassificationDataset : RegressionDataset;

/**
 * Parses CSV `text` (header row first) into a {@link TabularDataset}, predicting
 * `labelColumn`. Column types are inferred (a column is numeric when most of its
 * values are numbers); categorical feature columns are one-hot encoded by default.
 * See {@link cleanTable} for the cleaning steps; `report` lists what they did.
 *
 * @example
 * ```ts
 * const data = parseCsvDataset(await file.text(), { file: file.name, labelColumn: 'species', task: 'classification' });
 * console.log(formatCleaningReport(data.report));
 * ```
 *
 * @throws {TrainerError} `DATA_EMPTY`, `DATA_PARSE`, `DATA_RAGGED` (see
 *   {@link readCsvTable}); `LABEL_COLUMN_MISSING`, `NON_NUMERIC`, `CONFIG_INVALID`
 *   (see {@link cleanTable}); `NON_NUMERIC` for a categorical column that is refused
 *   or has more than `maxCategories` categories.
 */
export function parseCsvDataset<T extends TabularTask>(text: string, options: ParseCsvDatasetOptions<T>): TabularDataset<T> {
  const { labelColumn, task, categorical = 'one-hot', maxCategories = 32 } = options;
  if (task !== 'classification' && task !== 'regression') {
    throw new TrainerError('CONFIG_INVALID', `task must be 'classification' or 'regression', got ${JSON.stringify(task)}`, { details: { task } });
  }
  if (typeof labelColumn !== 'string' || labelColumn === '') {
    throw new TrainerError('CONFIG_INVALID', `labelColumn must name a column of the CSV header, got ${JSON.stringify(labelColumn)}`, { details: { labelColumn } });
  }
  const table = readCsvTable(text, { file: options.file, delimiter: options.delimiter });
  const cleaned = cleanTable(table, labelColumn, task, options);
  const { file, report } = cleaned;
  const count = cleaned.rowNumbers.length;

  const encoding: FeatureEncoding[] = [];
  const featureNames: string[] = [];
  for (const column of cleaned.features) {
    if (column.type === 'numeric') {
      encoding.push({ column: column.name, type: 'numeric' });
      featureNames.push(column.name);
      continue;
    }
    const categories = sortedDistinct(column.values);
    if (categorical === 'error' || categories.length > maxCategories) {
      const r = column.values.findIndex((v) => Number.isNaN(parseDecimal(v)));
      const row = cleaned.rowNumbers[Math.max(0, r)];
      throw new TrainerError(
        'NON_NUMERIC',
        categorical === 'error'
          ? `${file} row ${row}, column "${column.name}": "${column.values[Math.max(0, r)]}" is not a number and categorical columns are refused (categorical: 'error'); ` +
              `leave the column out with dropColumns or allow categorical: 'one-hot'`
          : `${file}: column "${column.name}" is text with ${categories.length} different values, more than maxCategories (${maxCategories}) to one-hot encode; ` +
              'it looks like an id or free text: leave it out with dropColumns, or raise maxCategories',
        { details: { file, row, column: column.name, categories: categories.length, maxCategories } },
      );
    }
    encoding.push({ column: column.name, type: 'one-hot', categories });
    for (const category of categories) featureNames.push(`${column.name}=${category}`);
    report.actions.push({
      kind: 'one-hot',
      count: 1,
      columns: [column.name],
      rows: [],
      categories,
      summary: `One-hot encoded categorical column "${column.name}" into ${categories.length} features (${categories.map((c) => `"${c}"`).join(', ')})`,
    });
  }

  const width = featureNames.length;
  const features = new Float32Array(count * width);
  let offset = 0;
  cleaned.features.forEach((column, k) => {
    const enc = encoding[k];
    if (column.type === 'numeric') {
      for (let i = 0; i < count; i++) features[i * width + offset] = column.values[i];
      offset += 1;
    } else if (enc.type === 'one-hot') {
      const index = new Map(enc.categories.map((c, j) => [c, j]));
      for (let i = 0; i < count; i++) features[i * width + offset + index.get(column.values[i])!] = 1;
      offset += enc.categories.length;
    }
  });

  const base = { file, features, featureNames, encoding, labelColumn, count, rowNumbers: Uint32Array.from(cleaned.rowNumbers), report };
  if (cleaned.label.task === 'regression') {
    return { ...base, task: 'regression', labels: Float32Array.from(cleaned.label.values) } as TabularDataset<T>;
  }
  const names = cleaned.label.values;
  const classes = sortedDistinct(names);
  const index = new Map(classes.map((c, j) => [c, j]));
  const labels = createClassLabels(count, classes.length);
  for (let i = 0; i < count; i++) labels[i] = index.get(names[i])!;
  return { ...base, task: 'classification', labels, classes } as TabularDataset<T>;
}

/** Distinct values: by value when all are numbers, else in natural order (`'img2'` before `'img10'`). */
function sortedDistinct(values: readonly string[]): string[] {
  const distinct = [...new Set(values)];
  if (distinct.every((v) => !Number.isNaN(parseDecimal(v)))) {
    return distinct.sort((a, b) => parseDecimal(a) - parseDecimal(b) || naturalCompare(a, b));
  }
  return distinct.sort(naturalCompare);
}
