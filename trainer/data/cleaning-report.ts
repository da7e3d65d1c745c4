/**
 * What cleaning did to a CSV data set, action by action, so that a user can see (and
 * a UI can list) every row and column that was dropped, filled or encoded.
 */
import type { ColumnType } from './column-types.ts';

/** Fields every cleaning action has. */
interface CleaningActionBase {
  /** Rows or cells affected (row actions, imputation), or columns affected (column actions). */
  count: number;
  /** The columns involved, by header name. */
  columns: string[];
  /** The file row numbers involved (header = row 1), ascending; empty for column actions. */
  rows: number[];
  /** One human-readable sentence saying what was done, for logs and UIs. */
  summary: string;
}

/** A column left out because the `dropColumns` option named it. */
export interface DropColumnAction extends CleaningActionBase {
  kind: 'drop-column';
}
/** Cells of a numeric column that were not numbers, read as missing (`nonNumeric: 'missing'`). */
export interface NonNumericAsMissingAction extends CleaningActionBase {
  kind: 'non-numeric-as-missing';
  /** Up to five of the distinct offending texts. */
  examples: string[];
}
/** Rows dropped because their label is missing (a label is never imputed). */
export interface DropMissingLabelAction extends CleaningActionBase {
  kind: 'drop-missing-label';
}
/** A column dropped because every remaining value in it is missing. */
export interface DropEmptyColumnAction extends CleaningActionBase {
  kind: 'drop-empty-column';
}
/** Rows dropped because an earlier row has the same features and label. */
export interface DropDuplicateRowsAction extends CleaningActionBase {
  kind: 'drop-duplicate-rows';
  /** For each dropped row (same order as `rows`), the row it repeats. */
  duplicateOf: number[];
}
/** Rows dropped because a feature is missing (`missing: 'drop'`). */
export interface DropRowsWithMissingAction extends CleaningActionBase {
  kind: 'drop-rows-with-missing';
  /** How many of the dropped rows miss a value in each column. */
  perColumn: Record<string, number>;
}
/** Missing cells of a numeric column filled with the column's mean (`missing: 'impute'`). */
export interface ImputeMeanAction extends CleaningActionBase {
  kind: 'impute-mean';
  value: number;
}
/** Missing cells of a categorical column filled with its most frequent value (`missing: 'impute'`). */
export interface ImputeModeAction extends CleaningActionBase {
  kind: 'impute-mode';
  value: string;
}
/** A column dropped because it holds one value only, so it cannot inform the model. */
export interface DropConstantColumnAction extends CleaningActionBase {
  kind: 'drop-constant-column';
  value: string;
}
/** A categorical column turned into one 0/1 feature per category. */
export interface OneHotAction extends CleaningActionBase {
  kind: 'one-hot';
  /** The categories in feature order; feature names are `column=category`. */
  categories: string[];
}

/** One thing cleaning did; switch on `kind`. */
export type CleaningAction =
  | DropColumnAction
  | NonNumericAsMissingAction
  | DropMissingLabelAction
  | DropEmptyColumnAction
  | DropDuplicateRowsAction
  | DropRowsWithMissingAction
  | ImputeMeanAction
  | ImputeModeAction
  | DropConstantColumnAction
  | OneHotAction;

/** Everything cleaning did to one file, in the order it was done. JSON-serialisable. */
export interface CleaningReport {
  file: string;
  /** Data rows read (blank lines not counted). */
  rowsRead: number;
  /** Data rows left after cleaning. */
  rowsKept: number;
  /** Header columns read, the label column included. */
  columnsRead: number;
  /** The inferred type of every feature column read, by name. */
  columnTypes: Record<string, ColumnType>;
  /** The actions in order; empty when the file needed no cleaning. */
  actions: CleaningAction[];
}

/**
 * Formats `report` as plain-text lines: a headline, then one line per action — for a
 * console or a `<pre>`.
 */
export function formatCleaningReport(report: CleaningReport): string {
  const dropped = report.rowsRead - report.rowsKept;
  const head = `${report.file}: kept ${report.rowsKept} of ${report.rowsRead} rows${dropped > 0 ? ` (${dropped} dropped)` : ''}`;
  if (report.actions.length === 0) return `${head}; no cleaning was needed`;
  return [head, ...report.actions.map((action) => `- ${action.summary}`)].join('\n');
}

/** Lists row numbers for a summary, shortening long lists: "rows 3, 7, 9 and 41 more". */
export function describeRows(rows: readonly number[], shown = 8): string {
  if (rows.length === 0) return 'no rows';
  const head = rows.slice(0, shown).join(', ');
  const word = rows.length === 1 ? 'row' : 'rows';
  return rows.length > shown ? `${word} ${head} and ${rows.length - shown} more` : `${word} ${head}`;
}
