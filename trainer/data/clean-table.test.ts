import { describe, expect, it } from 'vitest';
import { cleanTable, type CleanedTable, type CsvCleaningOptions, type TabularTask } from './clean-table.ts';
import { formatCleaningReport, type CleaningAction } from './cleaning-report.ts';
import { readCsvTable } from './read-csv-table.ts';
import { catchTrainerError } from '../../test-support/catch-trainer-error.ts';

/** Patients: age (numeric), smoker (categorical), site (constant), outcome (label). */
const HEADER = 'age,smoker,site,bp,outcome';
const ROWS = [
  '63,yes,A,145,sick', //  row 2
  '37,no,A,130,healthy', // row 3
  ',no,A,120,healthy', //  row 4: age missing
  '41,,A,,sick', //        row 5: smoker and bp missing
  '56,yes,A,150,', //      row 6: label missing
  '37,no,A,130,healthy', // row 7: duplicate of row 3
  '52,NA,A,138,sick', //   row 8: smoker missing (NA marker)
  '29,no,A,118,healthy', // row 9
];

function clean(rows: string[], options: CsvCleaningOptions = {}, task: TabularTask = 'classification', header = HEADER): CleanedTable {
  return cleanTable(readCsvTable([header, ...rows].join('\n'), { file: 'patients.csv' }), 'outcome', task, options);
}

function action<K extends CleaningAction['kind']>(table: CleanedTable, kind: K): Extract<CleaningAction, { kind: K }> {
  const found = table.report.actions.find((a) => a.kind === kind);
  if (!found) throw new Error(`no ${kind} action in ${JSON.stringify(table.report.actions)}`);
  return found as Extract<CleaningAction, { kind: K }>;
}

/** The numbers of a column among the given source rows, parsed the way a reader would. */
function columnOf(rows: string[], column: number, rowNumbers: number[]): number[] {
  return rowNumbers.map((n) => rows[n - 2].split(',')[column]).filter((v) => v !== '').map(Number);
}

describe('cleanTable', () => {
  it('types columns and reports each column type', () => {
    const table = clean(ROWS);
    expect(table.report.columnTypes).toEqual({ age: 'numeric', smoker: 'categorical', site: 'categorical', bp: 'numeric' });
    expect(table.report.rowsRead).toBe(8);
    expect(table.report.columnsRead).toBe(5);
  });

  it('drops rows without a label and says which', () => {
    const table = clean(ROWS);
    expect(action(table, 'drop-missing-label')).toMatchObject({ count: 1, rows: [6], columns: ['outcome'] });
    expect(table.rowNumbers).not.toContain(6);
  });

  it('drops exact duplicate rows, keeping the first, and says which row each repeats', () => {
    const table = clean(ROWS);
    expect(action(table, 'drop-duplicate-rows')).toMatchObject({ count: 1, rows: [7], duplicateOf: [3] });
    expect(table.rowNumbers).toEqual([2, 3, 4, 5, 8, 9]);
  });

  it('treats numbers written differently as the same value when finding duplicates', () => {
    const table = clean(['1.0,yes,A,2,x', '1,yes,A,2.00,x', '3,no,B,4,y']);
    expect(action(table, 'drop-duplicate-rows').rows).toEqual([3]);
  });

  it('keeps rows with the same features but a different label', () => {
    const table = clean(['1,yes,A,2,x', '1,yes,A,2,y', '3,no,B,4,y']);
    expect(table.report.actions.some((a) => a.kind === 'drop-duplicate-rows')).toBe(false);
    expect(table.rowNumbers).toEqual([2, 3, 4]);
  });

  it('imputes a numeric gap with the mean of the kept rows and a categorical gap with the mode', () => {
    const table = clean(ROWS);
    const kept = table.rowNumbers;
    const ageMean = columnOf(ROWS, 0, kept).reduce((s, v) => s + v, 0) / columnOf(ROWS, 0, kept).length;
    expect(action(table, 'impute-mean')).toMatchObject({ columns: ['age'], rows: [4], count: 1 });
    expect(action(table, 'impute-mean').value).toBeCloseTo(ageMean, 10);
    const age = table.features.find((c) => c.name === 'age')!;
    expect(age.values[kept.indexOf(4)]).toBeCloseTo(ageMean, 10);

    const mode = table.report.actions.find((a) => a.kind === 'impute-mode' && a.columns[0] === 'smoker');
    // Among kept rows smoker is yes, no, no, no: the gaps in rows 5 and 8 become "no".
    expect(mode).toMatchObject({ value: 'no', rows: [5, 8], count: 2 });
    const smoker = table.features.find((c) => c.name === 'smoker')!;
    expect(smoker.values).toEqual(['yes', 'no', 'no', 'no', 'no', 'no']);
  });

  it("with missing: 'drop' drops rows with any gap and counts gaps per column", () => {
    const table = clean(ROWS, { missing: 'drop' });
    expect(action(table, 'drop-rows-with-missing')).toMatchObject({ rows: [4, 5, 8], count: 3, perColumn: { age: 1, smoker: 2, bp: 1 } });
    expect(table.rowNumbers).toEqual([2, 3, 9]);
    expect(table.report.actions.some((a) => a.kind === 'impute-mean' || a.kind === 'impute-mode')).toBe(false);
    for (const column of table.features) expect(column.values.length).toBe(3);
  });

  it('drops a constant column and names its value', () => {
    const table = clean(ROWS);
    expect(action(table, 'drop-constant-column')).toMatchObject({ columns: ['site'], value: 'A', count: 1 });
    expect(table.features.map((c) => c.name)).toEqual(['age', 'smoker', 'bp']);
  });

  it('keeps constant columns when asked', () => {
    const table = clean(ROWS, { dropConstantColumns: false });
    expect(table.features.map((c) => c.name)).toContain('site');
  });

  it('drops a column whose values are all missing', () => {
    const table = clean(['1,,A,2,x', '3,?,B,4,y', '5,null,A,6,x']);
    expect(action(table, 'drop-empty-column').columns).toEqual(['smoker']);
    expect(table.features.map((c) => c.name)).toEqual(['age', 'site', 'bp']);
  });

  it('throws NON_NUMERIC naming the first row and column with a non-number', () => {
    const rows = [...ROWS];
    rows[6] = '52,no,A,high,sick'; // row 8
    rows[7] = 'old,no,A,118,healthy'; // row 9
    const error = catchTrainerError(() => clean(rows));
    expect(error.code).toBe('NON_NUMERIC');
    expect(error.details).toMatchObject({ file: 'patients.csv', row: 8, column: 'bp', value: 'high' });
    expect(error.message).toContain('patients.csv row 8, column "bp"');
  });

  it("with nonNumeric: 'missing' reads non-numbers as gaps, reports them, then imputes", () => {
    const rows = [...ROWS];
    rows[6] = '52,no,A,high,sick';
    const table = clean(rows, { nonNumeric: 'missing' });
    expect(action(table, 'non-numeric-as-missing')).toMatchObject({ columns: ['bp'], rows: [8], examples: ['high'], count: 1 });
    expect(table.report.actions.find((a) => a.kind === 'impute-mean' && a.columns[0] === 'bp')?.rows).toEqual([5, 8]);
  });

  it('drops regression rows whose target is not a number when non-numbers are gaps', () => {
    const table = clean(['1,yes,A,2,3.5', '2,no,B,4,n/a', '3,no,A,5,oops', '4,yes,B,1,7'], { nonNumeric: 'missing' }, 'regression');
    expect(table.label.task).toBe('regression');
    expect(Array.from(table.label.values as Float64Array)).toEqual([3.5, 7]);
    expect(action(table, 'drop-missing-label').rows).toEqual([3, 4]);
  });

  it('leaves out dropColumns and refuses unknown names', () => {
    const table = clean(ROWS, { dropColumns: ['bp'] });
    expect(table.features.map((c) => c.name)).not.toContain('bp');
    expect(table.report.actions[0]).toMatchObject({ kind: 'drop-column', columns: ['bp'] });
    expect(catchTrainerError(() => clean(ROWS, { dropColumns: ['weight'] })).code).toBe('CONFIG_INVALID');
    expect(catchTrainerError(() => clean(ROWS, { dropColumns: ['outcome'] })).code).toBe('CONFIG_INVALID');
  });

  it('throws DATA_EMPTY when cleaning leaves no row', () => {
    const error = catchTrainerError(() => clean(['1,,A,2,x', ',yes,A,4,y'], { missing: 'drop' }));
    expect(error.code).toBe('DATA_EMPTY');
  });

  it('throws DATA_EMPTY when no feature column is left', () => {
    const error = catchTrainerError(() => clean(['A,x', 'A,y'], {}, 'classification', 'site,outcome'));
    expect(error.code).toBe('DATA_EMPTY');
    expect(error.message).toContain('"site"');
  });

  it('formats the report as one line per action with the row counts', () => {
    const text = formatCleaningReport(clean(ROWS).report);
    const lines = text.split('\n');
    expect(lines[0]).toBe('patients.csv: kept 6 of 8 rows (2 dropped)');
    expect(lines.length).toBe(1 + clean(ROWS).report.actions.length);
    expect(text).toContain('row 7');
    expect(formatCleaningReport(clean(['1,yes,A,2,x', '3,no,B,4,y']).report)).toContain('no cleaning was needed');
  });
});
