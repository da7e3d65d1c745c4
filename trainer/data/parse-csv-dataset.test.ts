import { describe, expect, it } from 'vitest';
import { parseCsvDataset } from './parse-csv-dataset.ts';
import { catchTrainerError } from '../../test-support/catch-trainer-error.ts';

/** Iris-like measurements: [sepal length, sepal width, petal length, petal width, species]. */
const IRIS: Array<[number, number, number, number, string]> = [
  [5.1, 3.5, 1.4, 0.2, 'setosa'],
  [4.9, 3.0, 1.4, 0.2, 'setosa'],
  [7.0, 3.2, 4.7, 1.4, 'versicolor'],
  [6.4, 3.2, 4.5, 1.5, 'versicolor'],
  [6.3, 3.3, 6.0, 2.5, 'virginica'],
  [5.8, 2.7, 5.1, 1.9, 'virginica'],
];
const IRIS_CSV = ['sepal_length,sepal_width,petal_length,petal_width,species', ...IRIS.map((r) => r.join(','))].join('\n');

describe('parseCsvDataset: classification', () => {
  const data = parseCsvDataset(IRIS_CSV, { file: 'iris.csv', labelColumn: 'species', task: 'classification' });

  it('reads every row into row-major features with the label column left out', () => {
    expect(data.count).toBe(IRIS.length);
    expect(data.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(data.features.length).toBe(IRIS.length * 4);
    IRIS.forEach((row, i) => {
      expect(Array.from(data.features.subarray(i * 4, i * 4 + 4))).toEqual(row.slice(0, 4).map((v) => Math.fround(v as number)));
    });
  });

  it('indexes classes so that classes[labels[i]] is row i’s label', () => {
    expect(data.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(data.labels).toBeInstanceOf(Uint8Array);
    expect(Array.from(data.labels, (l) => data.classes[l])).toEqual(IRIS.map((r) => r[4]));
    expect(Array.from(data.rowNumbers)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(data.report.actions).toEqual([]);
  });

  it('orders numeric class names by value', () => {
    const csv = ['x,digit', '1,10', '2,2', '3,1', '4,2', '5,10'].join('\n');
    const digits = parseCsvDataset(csv, { labelColumn: 'digit', task: 'classification' });
    expect(digits.classes).toEqual(['1', '2', '10']);
    expect(Array.from(digits.labels, (l) => digits.classes[l])).toEqual(['10', '2', '1', '2', '10']);
  });
});

describe('parseCsvDataset: regression', () => {
  it('keeps the targets as numbers and the other columns as features', () => {
    const rows = [
      [1200, 3, 'north', 310000],
      [800, 2, 'south', 189500],
      [1500, 4, 'north', 402000.5],
      [950, 2, 'east', 215000],
    ] as const;
    const csv = ['sqft,rooms,district,price', ...rows.map((r) => r.join(','))].join('\r\n');
    const data = parseCsvDataset(csv, { file: 'houses.csv', labelColumn: 'price', task: 'regression' });
    expect(data.task).toBe('regression');
    expect(Array.from(data.labels)).toEqual(rows.map((r) => r[3]));
    expect(data.featureNames).toEqual(['sqft', 'rooms', 'district=east', 'district=north', 'district=south']);
    expect(data.encoding[2]).toEqual({ column: 'district', type: 'one-hot', categories: ['east', 'north', 'south'] });
    // Row 1: 1200 sqft, 3 rooms, north → one-hot [0, 1, 0].
    expect(Array.from(data.features.subarray(0, 5))).toEqual([1200, 3, 0, 1, 0]);
    expect(data.report.actions.map((a) => a.kind)).toEqual(['one-hot']);
  });

  it('refuses a text label column with NON_NUMERIC', () => {
    const error = catchTrainerError(() => parseCsvDataset(IRIS_CSV, { labelColumn: 'species', task: 'regression' }));
    expect(error.code).toBe('NON_NUMERIC');
    expect(error.details.column).toBe('species');
  });
});

describe('parseCsvDataset: CSV syntax', () => {
  it('reads quoted fields holding delimiters, doubled quotes and line breaks', () => {
    const csv = [
      'id,comment,size,label',
      '1,"fine, thanks",3.5,yes',
      '2,"said ""no""",2,no',
      '3,"two',
      'lines",4,yes',
      '4,plain,1,no',
    ].join('\n');
    const data = parseCsvDataset(csv, { labelColumn: 'label', task: 'classification', dropColumns: ['id'] });
    expect(data.encoding).toEqual([
      { column: 'comment', type: 'one-hot', categories: ['fine, thanks', 'plain', 'said "no"', 'two\nlines'] },
      { column: 'size', type: 'numeric' },
    ]);
    expect(Array.from(data.features.subarray(10, 15))).toEqual([0, 0, 0, 1, 4]);
    // Row numbers count records, so the row after the two-line field is row 5.
    expect(Array.from(data.rowNumbers)).toEqual([2, 3, 4, 5]);
  });

  it('detects a semicolon delimiter and ignores a byte-order mark and blank lines', () => {
    const csv = '\uFEFFa;b;class\n1;2;x\n\n3;4;y\n5;7;x\n';
    const data = parseCsvDataset(csv, { labelColumn: 'class', task: 'classification' });
    expect(data.featureNames).toEqual(['a', 'b']);
    expect(Array.from(data.features)).toEqual([1, 2, 3, 4, 5, 7]);
    expect(Array.from(data.rowNumbers)).toEqual([2, 4, 5]);
  });

  it.each([
    ['an empty file', ''],
    ['a whitespace-only file', ' \n\n  \n'],
    ['a header-only file', 'sepal_length,species\n'],
  ])('throws DATA_EMPTY on %s', (_, csv) => {
    const error = catchTrainerError(() => parseCsvDataset(csv, { file: 'empty.csv', labelColumn: 'species', task: 'classification' }));
    expect(error.code).toBe('DATA_EMPTY');
    expect(error.message).toContain('empty.csv');
    expect(error.details.file).toBe('empty.csv');
  });

  it('throws DATA_RAGGED naming the file row of a short or long row', () => {
    const lines = IRIS_CSV.split('\n');
    const short = [...lines.slice(0, 3), '7.0,3.2,versicolor', ...lines.slice(4)].join('\n');
    const error = catchTrainerError(() => parseCsvDataset(short, { file: 'iris.csv', labelColumn: 'species', task: 'classification' }));
    expect(error.code).toBe('DATA_RAGGED');
    expect(error.details).toMatchObject({ file: 'iris.csv', row: 4, expected: 5, actual: 3 });
    expect(error.message).toMatch(/iris\.csv row 4 has 3 cell/);
    const long = [...lines.slice(0, 6), `${lines[6]},extra`].join('\n');
    expect(catchTrainerError(() => parseCsvDataset(long, { labelColumn: 'species', task: 'classification' })).details.row).toBe(7);
  });

  it('throws DATA_PARSE on an unterminated quote', () => {
    const csv = 'a,b,label\n1,2,x\n3,"4,y\n';
    const error = catchTrainerError(() => parseCsvDataset(csv, { file: 'q.csv', labelColumn: 'label', task: 'classification' }));
    expect(error.code).toBe('DATA_PARSE');
    expect(error.details).toMatchObject({ file: 'q.csv', row: 3 });
  });

  it('throws DATA_PARSE on two columns with the same name', () => {
    const error = catchTrainerError(() => parseCsvDataset('a,a,label\n1,2,x\n', { labelColumn: 'label', task: 'classification' }));
    expect(error.code).toBe('DATA_PARSE');
    expect(error.details.column).toBe('a');
  });

  it('throws LABEL_COLUMN_MISSING listing the columns there are', () => {
    const error = catchTrainerError(() => parseCsvDataset(IRIS_CSV, { file: 'iris.csv', labelColumn: 'Species ', task: 'classification' }));
    expect(error.code).toBe('LABEL_COLUMN_MISSING');
    expect(error.details.columns).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
    expect(error.message).toContain('"petal_width"');
    expect(error.message).toContain('did you mean "species"');
  });
});

describe('parseCsvDataset: categorical features', () => {
  const csv = ['color,weight,fruit', 'red,150,apple', 'yellow,120,banana', 'green,140,apple', 'yellow,118,banana'].join('\n');

  it('one-hot encodes a text column into one 0/1 feature per category', () => {
    const data = parseCsvDataset(csv, { labelColumn: 'fruit', task: 'classification' });
    expect(data.featureNames).toEqual(['color=green', 'color=red', 'color=yellow', 'weight']);
    for (let i = 0; i < data.count; i++) {
      const hot = Array.from(data.features.subarray(i * 4, i * 4 + 3));
      expect(hot.reduce((s, v) => s + v, 0)).toBe(1);
    }
    expect(Array.from(data.features.subarray(0, 4))).toEqual([0, 1, 0, 150]);
  });

  it("refuses text columns with categorical: 'error', naming the column", () => {
    const error = catchTrainerError(() => parseCsvDataset(csv, { labelColumn: 'fruit', task: 'classification', categorical: 'error' }));
    expect(error.code).toBe('NON_NUMERIC');
    expect(error.details).toMatchObject({ column: 'color', row: 2 });
  });

  it('refuses a text column with more categories than maxCategories', () => {
    const error = catchTrainerError(() => parseCsvDataset(csv, { labelColumn: 'fruit', task: 'classification', maxCategories: 2 }));
    expect(error.code).toBe('NON_NUMERIC');
    expect(error.details).toMatchObject({ column: 'color', categories: 3, maxCategories: 2 });
    expect(error.message).toContain('dropColumns');
  });
});
