/**
 * Cleans a parsed CSV table for training: types the columns, handles non-numeric
 * cells, missing values, duplicate rows and constant columns, and records every
 * action in a {@link CleaningReport}. Pure and environment-agnostic.
 */
import { TrainerError } from '../errors.ts';
import { describeRows, type CleaningAction, type CleaningReport } from './cleaning-report.ts';
import { createMissingTest, DEFAULT_MISSING_MARKERS, inferColumnType, naturalCompare, parseDecimal, type ColumnType } from './column-types.ts';
import type { CsvTable } from './read-csv-table.ts';

/** What the model predicts from a table: a class name, or a number. */
export type TabularTask = 'classification' | 'regression';

/** How {@link cleanTable} treats dirty data. All fields optional. */
export interface CsvCleaningOptions {
  /**
   * Missing feature values: `'impute'` fills a numeric column's gaps with its mean and
   * a categorical column's with its most frequent value; `'drop'` drops every row
   * with a gap. Rows without a label are always dropped. @defaultValue `'impute'`
   */
  missing?: 'impute' | 'drop';
  /**
   * A cell that is not a number in a numeric column (or a regression label):
   * `'error'` throws `NON_NUMERIC` naming the row and column; `'missing'` reads it
   * as missing, then `missing` applies. @defaultValue `'error'`
   */
  nonNumeric?: 'error' | 'missing';
  /** Drop rows that repeat an earlier row's features and label exactly. @defaultValue true */
  dropDuplicates?: boolean;
  /** Drop feature columns that hold one value only. @defaultValue true */
  dropConstantColumns?: boolean;
  /** Columns to leave out, such as row ids or free text. @defaultValue `[]` */
  dropColumns?: readonly string[];
  /** Cell texts read as missing, compared trimmed and ignoring case. @defaultValue {@link DEFAULT_MISSING_MARKERS} */
  missingMarkers?: readonly string[];
}

/** One feature column that survived cleaning: no value is missing. */
export type CleanedColumn =
  | { name: string; type: 'numeric'; values: Float64Array }
  | { name: string; type: 'categorical'; values: string[] };

/** A cleaned table: features and label of the rows kept, with the report. */
export interface CleanedTable {
  file: string;
  /** The kept feature columns, in file order. */
  features: CleanedColumn[];
  labelColumn: string;
  /** Class names (classification) or targets (regression), one per kept row. */
  label: { task: 'classification'; values: string[] } | { task: 'regression'; values: Float64Array };
  /** The file row number of each kept row (header = row 1). */
  rowNumbers: number[];
  report: CleaningReport;
}

/** A column while cleaning: cells over all rows, a missing mask and, if numeric, the numbers. */
interface WorkColumn {
  name: string;
  type: ColumnType;
  cells: string[];
  numbers: Float64Array;
  missing: Uint8Array;
}

/**
 * Cleans `table` for predicting `labelColumn` (see {@link CsvCleaningOptions} for the
 * choices). Steps, in order: leave out `dropColumns`; type every feature column
 * ({@link inferColumnType}); handle non-numeric cells; drop rows without a label;
 * drop all-missing columns; drop duplicate rows (on the raw values, before imputing,
 * so imputation cannot create duplicates); drop or impute missing values; drop
 * constant columns. Imputation statistics come from all kept rows, before any split.
 *
 * @throws {TrainerError} `LABEL_COLUMN_MISSING` when `labelColumn` is not a column
 *   (the message lists those there are); `CONFIG_INVALID` when `dropColumns` names an
 *   unknown column or the label; `NON_NUMERIC` for a non-number in a numeric column
 *   or regression label (with `nonNumeric: 'error'`), or a regression label column
 *   that is mostly text; `DATA_EMPTY` when no row or no feature column is left.
 */
export function cleanTable(table: CsvTable, labelColumn: string, task: TabularTask, options: CsvCleaningOptions = {}): CleanedTable {
  const { file, columns, rows, rowNumbers } = table;
  const { missing = 'impute', nonNumeric = 'error', dropDuplicates = true, dropConstantColumns = true, dropColumns = [] } = options;
  const isMissing = createMissingTest(options.missingMarkers ?? DEFAULT_MISSING_MARKERS);
  const actions: CleaningAction[] = [];

  const labelIndex = columns.indexOf(labelColumn);
  if (labelIndex < 0) {
    const near = columns.find((c) => c.toLowerCase() === labelColumn.trim().toLowerCase());
    throw new TrainerError(
      'LABEL_COLUMN_MISSING',
      `${file} has no column "${labelColumn}"${near ? ` (did you mean "${near}"?)` : ''}; its columns are ${columns.map((c) => `"${c}"`).join(', ')}. ` +
        'Set labelColumn to one of them',
      { details: { file, column: labelColumn, columns } },
    );
  }
  for (const name of dropColumns) {
    if (name === labelColumn || !columns.includes(name)) {
      throw new TrainerError(
        'CONFIG_INVALID',
        name === labelColumn
          ? `dropColumns names the label column "${name}"; remove it from dropColumns or pick another labelColumn`
          : `dropColumns names "${name}", which ${file} does not have; its columns are ${columns.map((c) => `"${c}"`).join(', ')}`,
        { details: { file, column: name } },
      );
    }
    actions.push({ kind: 'drop-column', count: 1, columns: [name], rows: [], summary: `Left out column "${name}" as asked (dropColumns)` });
  }

  const columnTypes: Record<string, ColumnType> = {};
  const work: WorkColumn[] = [];
  let label: WorkColumn | undefined;
  columns.forEach((name, c) => {
    if (dropColumns.includes(name)) return;
    const cells = rows.map((row) => row[c]);
    const missingMask = Uint8Array.from(cells, (cell) => (isMissing(cell) ? 1 : 0));
    const present = cells.filter((_, r) => missingMask[r] === 0);
    const type: ColumnType = c === labelIndex ? (task === 'regression' ? 'numeric' : 'categorical') : inferColumnType(present);
    const column: WorkColumn = { name, type, cells, numbers: new Float64Array(0), missing: missingMask };
    if (c === labelIndex) label = column;
    else {
      columnTypes[name] = type;
      work.push(column);
    }
  });
  if (task === 'regression' && inferColumnType(label!.cells.filter((_, r) => label!.missing[r] === 0)) !== 'numeric') {
    throw new TrainerError(
      'NON_NUMERIC',
      `${file}: label column "${labelColumn}" is mostly text, so it cannot be a regression target; use task: 'classification' or pick a numeric column`,
      { details: { file, column: labelColumn } },
    );
  }
  readNumbers([...work, label!], table, nonNumeric, actions);

  const keep = new Uint8Array(rows.length).fill(1);
  dropRows(label!.missing, keep, rowNumbers, (dropped) =>
    actions.push({
      kind: 'drop-missing-label',
      count: dropped.length,
      columns: [labelColumn],
      rows: dropped,
      summary: `Dropped ${dropped.length} row(s) with no value in label column "${labelColumn}" (${describeRows(dropped)})`,
    }),
  );

  let features = work.filter((column) => {
    const empty = column.missing.every((m, r) => m === 1 || keep[r] === 0);
    if (empty) {
      actions.push({ kind: 'drop-empty-column', count: 1, columns: [column.name], rows: [], summary: `Dropped column "${column.name}": every value is missing` });
    }
    return !empty;
  });

  if (dropDuplicates) dropDuplicateRows([...features, label!], keep, rowNumbers, actions);

  if (missing === 'drop') {
    const perColumn: Record<string, number> = {};
    const anyMissing = new Uint8Array(rows.length);
    for (const column of features) {
      for (let r = 0; r < rows.length; r++) {
        if (keep[r] && column.missing[r]) {
          anyMissing[r] = 1;
          perColumn[column.name] = (perColumn[column.name] ?? 0) + 1;
        }
      }
    }
    dropRows(anyMissing, keep, rowNumbers, (dropped) => {
      const detail = Object.entries(perColumn).map(([name, n]) => `"${name}" ${n}`).join(', ');
      actions.push({
        kind: 'drop-rows-with-missing',
        count: dropped.length,
        columns: Object.keys(perColumn),
        rows: dropped,
        perColumn,
        summary: `Dropped ${dropped.length} row(s) with missing values (${describeRows(dropped)}); missing per column: ${detail}`,
      });
    });
  } else {
    for (const column of features) imputeColumn(column, keep, rowNumbers, actions);
  }

  if (dropConstantColumns) {
    features = features.filter((column) => {
      const value = constantValue(column, keep);
      if (value === undefined) return true;
      actions.push({ kind: 'drop-constant-column', count: 1, columns: [column.name], rows: [], value, summary: `Dropped column "${column.name}": every row holds "${value}"` });
      return false;
    });
  }

  const kept: number[] = [];
  for (let r = 0; r < rows.length; r++) if (keep[r]) kept.push(r);
  if (kept.length === 0) {
    throw new TrainerError('DATA_EMPTY', `${file}: cleaning dropped all ${rows.length} rows (${actions.map((a) => a.summary).join('; ')}); fix the data or use missing: 'impute'`, {
      details: { file, actions },
    });
  }
  if (features.length === 0) {
    throw new TrainerError('DATA_EMPTY', `${file}: no feature column is left besides the label "${labelColumn}" (${actions.map((a) => a.summary).join('; ') || 'none in the file'})`, {
      details: { file, actions },
    });
  }
  const report: CleaningReport = { file, rowsRead: rows.length, rowsKept: kept.length, columnsRead: columns.length, columnTypes, actions };
  return {
    file,
    features: features.map((column) =>
      column.type === 'numeric'
        ? { name: column.name, type: 'numeric', values: Float64Array.from(kept, (r) => column.numbers[r]) }
        : { name: column.name, type: 'categorical', values: kept.map((r) => column.cells[r]) },
    ),
    labelColumn,
    label: task === 'regression' ? { task, values: Float64Array.from(kept, (r) => label!.numbers[r]) } : { task, values: kept.map((r) => label!.cells[r]) },
    rowNumbers: kept.map((r) => rowNumbers[r]),
    report,
  };
}

/** Parses numeric columns; non-numbers throw or become missing, as `nonNumeric` says. */
function readNumbers(work: WorkColumn[], table: CsvTable, nonNumeric: 'error' | 'missing', actions: CleaningAction[]): void {
  let firstBad: { row: number; column: WorkColumn; value: string; r: number } | undefined;
  for (const column of work) {
    if (column.type !== 'numeric') continue;
    column.numbers = new Float64Array(column.cells.length).fill(Number.NaN);
    const badRows: number[] = [];
    const examples = new Set<string>();
    column.cells.forEach((cell, r) => {
      if (column.missing[r]) return;
      const value = parseDecimal(cell);
      if (!Number.isNaN(value)) {
        column.numbers[r] = value;
        return;
      }
      badRows.push(table.rowNumbers[r]);
      if (examples.size < 5) examples.add(cell);
      if (!firstBad || r < firstBad.r) firstBad = { row: table.rowNumbers[r], column, value: cell, r };
      if (nonNumeric === 'missing') column.missing[r] = 1;
    });
    if (nonNumeric === 'missing' && badRows.length > 0) {
      actions.push({
        kind: 'non-numeric-as-missing',
        count: badRows.length,
        columns: [column.name],
        rows: badRows,
        examples: [...examples],
        summary: `Read ${badRows.length} non-numeric value(s) in numeric column "${column.name}" as missing (${describeRows(badRows)}; e.g. ${[...examples].map((e) => `"${e}"`).join(', ')})`,
      });
    }
  }
  if (nonNumeric === 'error' && firstBad) {
    const { row, column, value } = firstBad;
    throw new TrainerError(
      'NON_NUMERIC',
      `${table.file} row ${row}, column "${column.name}": "${value}" is not a number, but the column is numeric. ` +
        `Fix the value, leave the cell empty to mark it missing, or pass nonNumeric: 'missing'`,
      { details: { file: table.file, row, column: column.name, value } },
    );
  }
}

/** Clears `keep` where `drop` is set (among kept rows) and reports the file rows dropped, if any. */
function dropRows(drop: Uint8Array, keep: Uint8Array, rowNumbers: number[], report: (rows: number[]) => void): void {
  const dropped: number[] = [];
  for (let r = 0; r < keep.length; r++) {
    if (keep[r] && drop[r]) {
      keep[r] = 0;
      dropped.push(rowNumbers[r]);
    }
  }
  if (dropped.length > 0) report(dropped);
}

/** Drops kept rows whose features and label equal an earlier kept row's; numbers compare by value. */
function dropDuplicateRows(columns: WorkColumn[], keep: Uint8Array, rowNumbers: number[], actions: CleaningAction[]): void {
  const firstRow = new Map<string, number>();
  const rows: number[] = [];
  const duplicateOf: number[] = [];
  for (let r = 0; r < keep.length; r++) {
    if (!keep[r]) continue;
    const key = columns
      .map((c) => (c.missing[r] ? '\u0001' : c.type === 'numeric' ? String(c.numbers[r]) : c.cells[r]))
      .join('\u0000');
    const first = firstRow.get(key);
    if (first === undefined) {
      firstRow.set(key, rowNumbers[r]);
      continue;
    }
    keep[r] = 0;
    rows.push(rowNumbers[r]);
    duplicateOf.push(first);
  }
  if (rows.length === 0) return;
  actions.push({
    kind: 'drop-duplicate-rows',
    count: rows.length,
    columns: [],
    rows,
    duplicateOf,
    summary: `Dropped ${rows.length} duplicate row(s) (${describeRows(rows)}), each repeating an earlier row`,
  });
}

/** Fills a column's missing kept cells with its mean (numeric) or most frequent value (categorical). */
function imputeColumn(column: WorkColumn, keep: Uint8Array, rowNumbers: number[], actions: CleaningAction[]): void {
  const gaps: number[] = [];
  for (let r = 0; r < keep.length; r++) if (keep[r] && column.missing[r]) gaps.push(r);
  if (gaps.length === 0) return;
  const rows = gaps.map((r) => rowNumbers[r]);
  if (column.type === 'numeric') {
    let sum = 0;
    let n = 0;
    for (let r = 0; r < keep.length; r++) {
      if (keep[r] && !column.missing[r]) {
        sum += column.numbers[r];
        n++;
      }
    }
    const value = sum / n;
    for (const r of gaps) column.numbers[r] = value;
    actions.push({
      kind: 'impute-mean',
      count: gaps.length,
      columns: [column.name],
      rows,
      value,
      summary: `Filled ${gaps.length} missing value(s) in "${column.name}" with the column mean ${Number(value.toPrecision(6))} (${describeRows(rows)})`,
    });
  } else {
    const counts = new Map<string, number>();
    for (let r = 0; r < keep.length; r++) if (keep[r] && !column.missing[r]) counts.set(column.cells[r], (counts.get(column.cells[r]) ?? 0) + 1);
    // Ties go to the first value in natural order, so the choice never depends on row order.
    const [value] = [...counts].sort(([a, x], [b, y]) => y - x || naturalCompare(a, b))[0];
    for (const r of gaps) column.cells[r] = value;
    actions.push({
      kind: 'impute-mode',
      count: gaps.length,
      columns: [column.name],
      rows,
      value,
      summary: `Filled ${gaps.length} missing value(s) in "${column.name}" with its most frequent value "${value}" (${describeRows(rows)})`,
    });
  }
  for (const r of gaps) column.missing[r] = 0;
}

/** The one value a column holds over kept rows (as text), or undefined when it holds more. */
function constantValue(column: WorkColumn, keep: Uint8Array): string | undefined {
  let first: string | number | undefined;
  for (let r = 0; r < keep.length; r++) {
    if (!keep[r] || column.missing[r]) continue;
    const value = column.type === 'numeric' ? column.numbers[r] : column.cells[r];
    if (first === undefined) first = value;
    else if (value !== first) return undefined;
  }
  return first === undefined ? undefined : String(first);
}
