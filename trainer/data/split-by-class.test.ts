import { describe, expect, it } from 'vitest';
import { parseCsvDataset } from './parse-csv-dataset.ts';
import { splitByClass } from './split-by-class.ts';
import { stratifiedSplit } from './stratified-split.ts';
import { loadMnist } from './mnist-node.ts';
import { catchTrainerError } from '../../test-support/catch-trainer-error.ts';

describe('splitByClass', () => {
  it('splits like stratifiedSplit when every class is large enough', () => {
    const { labels } = loadMnist();
    const options = { train: 0.7, validation: 0.15, test: 0.15, seed: 3 };
    expect(splitByClass(labels, options)).toEqual(stratifiedSplit(labels, options));
  });

  it('throws CLASS_TOO_SMALL naming a class with one example by its name', () => {
    const csv = ['petal_length,species', '1.4,setosa', '1.3,setosa', '1.5,setosa', '4.7,versicolor', '4.5,versicolor', '4.9,versicolor', '6.0,virginica'].join('\n');
    const data = parseCsvDataset(csv, { labelColumn: 'species', task: 'classification' });
    const error = catchTrainerError(() => splitByClass(data.labels, { classes: data.classes }));
    expect(error.code).toBe('CLASS_TOO_SMALL');
    expect(error.details).toMatchObject({ class: 'virginica', count: 1, required: 3 });
    expect(error.message).toContain('"virginica" has 1 example');
  });

  it('accepts the same class once there are only as many splits as examples', () => {
    const labels = Uint8Array.from([0, 0, 0, 0, 1, 1]);
    expect(catchTrainerError(() => splitByClass(labels)).details.classes).toEqual([{ class: '1', label: 1, count: 2 }]);
    const split = splitByClass(labels, { train: 0.5, validation: 0, test: 0.5 });
    expect(split.train.length + split.test.length).toBe(6);
  });

  it('turns bad fractions into CONFIG_INVALID and no labels into DATA_EMPTY', () => {
    expect(catchTrainerError(() => splitByClass([0, 1], { train: 0.9, validation: 0.2, test: 0 })).code).toBe('CONFIG_INVALID');
    expect(catchTrainerError(() => splitByClass([])).code).toBe('DATA_EMPTY');
  });
});
